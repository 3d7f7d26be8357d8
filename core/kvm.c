/* SPDX-License-Identifier: BSD-2-Clause */
/* The kernel's heap-up / MMIO-down window (include/mmukit/kvm.h). */
#include <mmukit/errno.h>
#include <mmukit/kvm.h>
#include <mmukit/pmm.h>
#include <mmukit/services.h>

void mmk_kvm_init(struct mmk_kvm *kvm, struct mmk_mmu *mmu, mmk_vaddr_t base, mmk_vaddr_t top)
{
	MMK_ASSERT(mmk_is_aligned(base, MMK_PAGE_SIZE) && mmk_is_aligned(top, MMK_PAGE_SIZE));
	kvm->mmu = mmu;
	mmk_vas_init(&kvm->vas, base, top);
}

int mmk_kvm_pages_alloc(struct mmk_kvm *kvm, struct mmk_kvm_pages *p, mmk_vsize_t pages, mmk_vsize_t align,
		    int direction)
{
	if (pages == 0 || align < MMK_PAGE_SIZE || pages > (mmk_vaddr_t)-1 / MMK_PAGE_SIZE)
		return -MMK_EINVAL;
	mmk_vaddr_t start;
	int err = mmk_vas_alloc(&kvm->vas, &p->range, pages * MMK_PAGE_SIZE, align, 0, (mmk_vaddr_t)-1,
			    direction, &start);
	if (err)
		return err;
	p->kvm = kvm;
	p->mapped = 0;
	return 0;
}

int mmk_kvm_pages_map(struct mmk_kvm_pages *p, mmk_vaddr_t va, mmk_paddr_t pa, unsigned flags)
{
	if (va < p->range.start || va >= p->range.end)
		return -MMK_ERANGE;
	int err = mmk_mmu_map(&p->kvm->mmu->kernel, va, pa, MMK_PAGE_SIZE, flags, 12);
	if (err)
		return err;
	p->mapped++;
	return 0;
}

/* Unmaps the mapped runs of [start, end) in the kernel space. */
static void unmap_mapped_runs(struct mmk_kvm_pages *p, bool free_frames)
{
	struct mmk_mmu_space *k = &p->kvm->mmu->kernel;
	mmk_vaddr_t va = p->range.start;
	while (va < p->range.end && p->mapped > 0) {
		struct mmk_mmu_mapping m;
		if (mmk_mmu_query(k, va, &m) != 0) {
			va += MMK_PAGE_SIZE;
			continue;
		}
		mmk_vaddr_t run = va;
		while (run < p->range.end && mmk_mmu_query(k, run, &m) == 0)
			run += MMK_PAGE_SIZE;
		struct mmk_mmu_batch b;
		mmk_mmu_batch_begin(&b, k, free_frames ? mmk_pmm_release_frames : NULL,
				    p->kvm->mmu->pmm);
		MMK_ASSERT(mmk_mmu_unmap(k, va, run - va, &b) == 0);
		mmk_mmu_batch_finish(&b);
		p->mapped -= (run - va) / MMK_PAGE_SIZE;
		va = run;
	}
}

int mmk_kvm_pages_release(struct mmk_kvm_pages *p, bool free_frames)
{
	if (mmk_vas_lookup(&p->kvm->vas, p->range.start) != &p->range)
		return -MMK_ENOENT;
	unmap_mapped_runs(p, free_frames);
	MMK_ASSERT(p->mapped == 0);
	MMK_ASSERT(mmk_vas_free(&p->kvm->vas, &p->range) == 0);
	return 0;
}

int mmk_kvm_stack_alloc(struct mmk_kvm *kvm, struct mmk_kvm_pages *p, mmk_vsize_t pages, mmk_vaddr_t *top)
{
	if (pages == 0 || pages >= (mmk_vaddr_t)-1 / MMK_PAGE_SIZE)
		return -MMK_EINVAL;
	int err = mmk_kvm_pages_alloc(kvm, p, pages + 1, MMK_PAGE_SIZE, MMK_VAS_LOWEST);
	if (err)
		return err;
	struct mmk_pmm *pmm = kvm->mmu->pmm;
	for (mmk_vaddr_t va = p->range.start + MMK_PAGE_SIZE; va < p->range.end; va += MMK_PAGE_SIZE) {
		mmk_paddr_t pa;
		err = mmk_pmm_alloc(pmm, &pa);
		if (!err) {
			err = mmk_kvm_pages_map(p, va, pa, MMK_PROT_READ | MMK_PROT_WRITE | MMK_PROT_GLOBAL);
			if (err)
				MMK_ASSERT(mmk_pmm_free(pmm, pa) == 0);
		}
		if (err) {
			MMK_ASSERT(mmk_kvm_pages_release(p, true) == 0);
			return err;
		}
	}
	*top = p->range.end;
	return 0;
}

int mmk_kvm_map_mmio(struct mmk_kvm *kvm, struct mmk_kvm_pages *p, mmk_paddr_t pa, mmk_vsize_t size,
		 unsigned cache, mmk_vaddr_t *va)
{
	if (size == 0 || (cache != MMK_CACHE_UC && cache != MMK_CACHE_WC))
		return -MMK_EINVAL;
	mmk_paddr_t first = mmk_align_down(pa, MMK_PAGE_SIZE);
	mmk_paddr_t last = mmk_align_up(pa + size, MMK_PAGE_SIZE);
	if (last == 0 || last < pa)
		return -MMK_ERANGE;
	mmk_vsize_t pages = (mmk_vsize_t)((last - first) / MMK_PAGE_SIZE);
	int err = mmk_kvm_pages_alloc(kvm, p, pages, MMK_PAGE_SIZE, MMK_VAS_HIGHEST);
	if (err)
		return err;
	unsigned flags = MMK_PROT_READ | MMK_PROT_WRITE | MMK_PROT_GLOBAL | cache;
	err = mmk_mmu_map(&kvm->mmu->kernel, p->range.start, first, (mmk_vsize_t)(last - first), flags, 12);
	if (err) {
		MMK_ASSERT(mmk_vas_free(&kvm->vas, &p->range) == 0);
		return err;
	}
	p->mapped = pages;
	*va = p->range.start + (mmk_vaddr_t)(pa - first);
	return 0;
}
