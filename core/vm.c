/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * User address spaces, regions and fault decisions (include/mmukit/vm.h). Portable:
 * everything machine-specific goes through include/mmukit/mmu.h.
 */
#include <mmukit/errno.h>
#include <mmukit/pmm.h>
#include <mmukit/services.h>
#include <mmukit/vm.h>

#define PROT_FLAGS (MMK_PROT_MASK | MMK_CACHE_MASK)

void mmk_vm_init(struct mmk_vm *vm, struct mmk_mmu *mmu, void *(*alloc)(size_t size),
	     int (*release)(void *ptr))
{
	*vm = (struct mmk_vm){.mmu = mmu, .alloc = alloc, .release = release};
}

/* The VM as the owner of its spaces' faults (include/mmukit/fault.h). */
static enum mmk_fault_result resolve(void *owner, struct mmk_mmu_space *space,
				     const struct mmk_fault *fault)
{
	(void)space;
	return mmk_vm_fault(owner, fault);
}

static void describe_region(struct mmk_vm_space *s, const struct mmk_fault *f);

static void describe(void *owner, struct mmk_mmu_space *space, const struct mmk_fault *fault)
{
	(void)space;
	describe_region(owner, fault);
}

static const struct mmk_fault_ops vm_fault_ops = {resolve, describe};

int mmk_vm_space_create(struct mmk_vm *vm, struct mmk_vm_space *space)
{
	int err = mmk_mmu_space_create(vm->mmu, &space->mmu);
	if (err)
		return err;
	mmk_vas_init(&space->regions, mmk_mmu_user_base(vm->mmu), mmk_mmu_user_end(vm->mmu));
	space->vm = vm;
	mmk_fault_set_owner(&space->mmu, &vm_fault_ops, space);
	return 0;
}

void mmk_vm_space_activate(struct mmk_vm_space *space)
{
	mmk_mmu_activate(&space->mmu);
}

struct mmk_vm_region *mmk_vm_region_at(struct mmk_vm_space *space, mmk_vaddr_t va)
{
	return (struct mmk_vm_region *)mmk_vas_lookup(&space->regions, va);
}

/* The protection a page of the region is mapped with (copy-on-write: without write). */
static unsigned page_flags(const struct mmk_vm_region *r, bool writable)
{
	unsigned flags = r->prot & PROT_FLAGS;
	if (flags & (MMK_PROT_WRITE | MMK_PROT_EXEC))
		flags |= MMK_PROT_READ; /* implied (mmu.h): kept when write is taken away */
	if (!writable)
		flags &= ~MMK_PROT_WRITE;
	return flags;
}

/* ------------------------------------------------------------ regions */

static int check_prot(unsigned prot)
{
	if (prot & ~(PROT_FLAGS | MMK_VM_ALLOW_WX) || !(prot & (MMK_PROT_READ | MMK_PROT_WRITE)))
		return -MMK_EINVAL;
	if ((prot & MMK_PROT_WRITE) && (prot & MMK_PROT_EXEC) && !(prot & MMK_VM_ALLOW_WX))
		return -MMK_EPERM;
	return 0;
}

/* Places a new region of the given kind; on success it is in the VAS, nothing mapped. */
static int add_region(struct mmk_vm_space *s, struct mmk_vm_region **out, mmk_vaddr_t *va, mmk_vsize_t size,
		      unsigned kind, unsigned prot)
{
	int err = check_prot(prot);
	if (err)
		return err;
	if (size == 0)
		return -MMK_EINVAL;
	if (!mmk_is_aligned(*va, MMK_PAGE_SIZE) || !mmk_is_aligned(size, MMK_PAGE_SIZE))
		return -MMK_EALIGN;
	struct mmk_vm_region *r = s->vm->alloc(sizeof(*r));
	if (!r)
		return -MMK_ENOMEM;
	*r = (struct mmk_vm_region){.kind = kind, .prot = prot & ~MMK_VM_ALLOW_WX};
	if (*va)
		err = mmk_vas_reserve(&s->regions, &r->range, *va, size);
	else
		err = mmk_vas_alloc(&s->regions, &r->range, size, MMK_PAGE_SIZE, 0, (mmk_vaddr_t)-1,
				MMK_VAS_LOWEST, va);
	if (err) {
		s->vm->release(r);
		return err;
	}
	*out = r;
	return 0;
}

static void drop_region(struct mmk_vm_space *s, struct mmk_vm_region *r)
{
	MMK_ASSERT(mmk_vas_free(&s->regions, &r->range) == 0);
	MMK_ASSERT(s->vm->release(r) == 0);
}

int mmk_vm_map_anon(struct mmk_vm_space *s, mmk_vaddr_t *va, mmk_vsize_t size, unsigned prot)
{
	struct mmk_vm_region *r;
	return add_region(s, &r, va, size, MMK_VM_ANON, prot);
}

int mmk_vm_map_stack(struct mmk_vm_space *s, mmk_vaddr_t *va, mmk_vsize_t size, mmk_vsize_t guard, unsigned prot)
{
	struct mmk_vm_region *r;
	if (size == 0 || guard == 0 || !mmk_is_aligned(guard, MMK_PAGE_SIZE))
		return -MMK_EINVAL;
	if (size > (mmk_vaddr_t)-1 - guard)
		return -MMK_ERANGE;
	if (*va && *va <= guard)
		return -MMK_ERANGE; /* the guard would start at address 0 or below it */
	mmk_vaddr_t at = *va ? *va - guard : 0;
	if (!*va && mmk_vas_find(&s->regions, size + guard, MMK_PAGE_SIZE, MMK_PAGE_SIZE,
				 (mmk_vaddr_t)-1, MMK_VAS_LOWEST, &at) != 0)
		return -MMK_ENOMEM; /* placed by the VM: never with its guard at 0 either */
	int err = add_region(s, &r, &at, size + guard, MMK_VM_STACK, prot);
	if (err)
		return err;
	r->guard = guard;
	*va = at + guard;
	return 0;
}

int mmk_vm_map_phys(struct mmk_vm_space *s, mmk_vaddr_t *va, mmk_paddr_t pa, mmk_vsize_t size, unsigned prot)
{
	struct mmk_vm_region *r;
	if (!mmk_is_aligned(pa, MMK_PAGE_SIZE))
		return -MMK_EALIGN;
	int err = add_region(s, &r, va, size, MMK_VM_PHYS, prot);
	if (err)
		return err;
	r->phys = pa;
	err = mmk_mmu_map(&s->mmu, *va, pa, size, page_flags(r, true), 0);
	if (err) {
		drop_region(s, r);
		return err;
	}
	return 0;
}

static int take_first(void *ctx, const struct mmk_mmu_mapping *m)
{
	*(struct mmk_mmu_mapping *)ctx = *m;
	return 1;
}

/* The first mapping of space in [from, end), if any (the walk itself changes nothing). */
static bool next_mapping(struct mmk_vm_space *s, mmk_vaddr_t from, mmk_vaddr_t end, struct mmk_mmu_mapping *m)
{
	return from < end && mmk_mmu_walk(&s->mmu, from, end, take_first, m) == 1;
}

/* Unmaps whatever is mapped in [start, end); anonymous frames lose their reference
 * once the TLB no longer holds them (one batch for the range). */
static void unmap_range(struct mmk_vm_space *s, mmk_vaddr_t start, mmk_vaddr_t end, bool free_frames)
{
	struct mmk_mmu_batch b;
	mmk_mmu_batch_begin(&b, &s->mmu, free_frames ? mmk_pmm_release_frames : NULL,
			    s->vm->mmu->pmm);
	struct mmk_mmu_mapping m;
	while (next_mapping(s, start, end, &m)) {
		mmk_vsize_t size = (mmk_vsize_t)1 << m.page_shift;
		/* Regions are page-table aligned for large pages, so no split is needed. */
		MMK_ASSERT(mmk_mmu_unmap(&s->mmu, m.va, size, &b) == 0);
		start = m.va + size;
	}
	mmk_mmu_batch_finish(&b);
}

static void remove_region(struct mmk_vm_space *s, struct mmk_vm_region *r)
{
	unmap_range(s, r->range.start, r->range.end, r->kind != MMK_VM_PHYS);
	drop_region(s, r);
}

int mmk_vm_unmap(struct mmk_vm_space *s, mmk_vaddr_t va)
{
	struct mmk_vm_region *r = mmk_vm_region_at(s, va);
	if (!r)
		return -MMK_ENOENT;
	remove_region(s, r);
	return 0;
}

int mmk_vm_space_destroy(struct mmk_vm_space *s)
{
	if (s->mmu.mmu->active == &s->mmu)
		return -MMK_EBUSY;
	struct mmk_vm_region *r;
	while ((r = (struct mmk_vm_region *)mmk_vas_first(&s->regions, 0)) != NULL)
		remove_region(s, r);
	return mmk_mmu_space_destroy(&s->mmu, NULL, NULL);
}

/* ------------------------------------------------------------ fork */

/* Shares one parent mapping with the child, read-only on both sides when writable. */
static int share_mapping(struct mmk_vm_space *parent, struct mmk_vm_space *child,
			 const struct mmk_vm_region *r, const struct mmk_mmu_mapping *m)
{
	struct mmk_pmm *pmm = parent->vm->mmu->pmm;
	mmk_vsize_t size = (mmk_vsize_t)1 << m->page_shift;
	bool anon = r->kind != MMK_VM_PHYS;
	if (anon) {
		int err = mmk_pmm_ref(pmm, m->pa);
		if (err)
			return err;
	}
	int err = mmk_mmu_map(&child->mmu, m->va, m->pa, size, page_flags(r, !anon), m->page_shift);
	if (err) {
		if (anon)
			MMK_ASSERT(mmk_pmm_free(pmm, m->pa) == 0);
		return err;
	}
	if (anon && (r->prot & MMK_PROT_WRITE))
		MMK_ASSERT(mmk_mmu_protect(&parent->mmu, m->va, size, page_flags(r, false), NULL) == 0);
	return 0;
}

static int fork_region(struct mmk_vm_space *parent, struct mmk_vm_space *child,
		       const struct mmk_vm_region *r)
{
	struct mmk_vm_region *copy;
	mmk_vaddr_t va = r->range.start;
	int err = add_region(child, &copy, &va, r->range.end - r->range.start, r->kind,
			     r->prot | MMK_VM_ALLOW_WX);
	if (err)
		return err;
	copy->phys = r->phys;
	copy->guard = r->guard;
	struct mmk_mmu_mapping m;
	for (mmk_vaddr_t at = r->range.start; next_mapping(parent, at, r->range.end, &m);
	     at = m.va + ((mmk_vsize_t)1 << m.page_shift)) {
		err = share_mapping(parent, child, r, &m);
		if (err)
			return err;
	}
	return 0;
}

int mmk_vm_fork(struct mmk_vm_space *parent, struct mmk_vm_space *child)
{
	int err = mmk_vm_space_create(parent->vm, child);
	if (err)
		return err;
	for (struct mmk_vm_region *r = (struct mmk_vm_region *)mmk_vas_first(&parent->regions, 0); r;
	     r = (struct mmk_vm_region *)mmk_vas_next(&parent->regions, &r->range)) {
		err = fork_region(parent, child, r);
		if (err) {
			MMK_ASSERT(mmk_vm_space_destroy(child) == 0);
			return err;
		}
	}
	return 0;
}

/* ------------------------------------------------------------ faults */

static bool access_allowed(const struct mmk_vm_region *r, const struct mmk_fault *f)
{
	if (f->user && !(r->prot & MMK_PROT_USER))
		return false;
	if (f->access == MMK_ACCESS_WRITE)
		return r->prot & MMK_PROT_WRITE;
	if (f->access == MMK_ACCESS_EXEC)
		return r->prot & MMK_PROT_EXEC;
	return true;
}

/* First touch of an anonymous page: a zeroed frame. */
static enum mmk_fault_result fault_zero_fill(struct mmk_vm_space *s, const struct mmk_vm_region *r,
					 mmk_vaddr_t page)
{
	struct mmk_pmm *pmm = s->vm->mmu->pmm;
	mmk_paddr_t pa;
	if (mmk_pmm_alloc(pmm, &pa))
		return MMK_FAULT_OOM;
	mmk_mmu_zero_frame(s->vm->mmu, pa);
	if (mmk_mmu_map(&s->mmu, page, pa, MMK_PAGE_SIZE, page_flags(r, true), 12)) {
		MMK_ASSERT(mmk_pmm_free(pmm, pa) == 0);
		return MMK_FAULT_OOM; /* a page table could not be had */
	}
	s->vm->stats.zero_fills++;
	return MMK_FAULT_RESOLVED;
}

/* A write to a shared page: take it over if ours alone, else copy it. */
static enum mmk_fault_result fault_cow(struct mmk_vm_space *s, const struct mmk_vm_region *r,
				   mmk_vaddr_t page)
{
	struct mmk_pmm *pmm = s->vm->mmu->pmm;
	struct mmk_mmu_mapping m;
	if (mmk_mmu_query(&s->mmu, page, &m) != 0)
		return MMK_FAULT_BAD_ACCESS;
	if (m.page_shift != 12) /* large pages come only from physical regions */
		return MMK_FAULT_BAD_ACCESS;
	if (mmk_pmm_refcount(pmm, m.pa) == 1) {
		MMK_ASSERT(mmk_mmu_protect(&s->mmu, page, MMK_PAGE_SIZE, page_flags(r, true), NULL) == 0);
		s->vm->stats.cow_reuses++;
		return MMK_FAULT_RESOLVED;
	}
	mmk_paddr_t copy;
	if (mmk_pmm_alloc(pmm, &copy))
		return MMK_FAULT_OOM;
	mmk_mmu_copy_frame(s->vm->mmu, copy, m.pa);
	/* The page is mapped, so replacing its frame needs no table and cannot fail; the
	 * shared frame loses our reference once the TLB no longer holds it. */
	struct mmk_mmu_batch b;
	mmk_mmu_batch_begin(&b, &s->mmu, mmk_pmm_release_frames, pmm);
	MMK_ASSERT(mmk_mmu_remap(&s->mmu, page, copy, page_flags(r, true), &b) == 0);
	mmk_mmu_batch_finish(&b);
	s->vm->stats.cow_copies++;
	return MMK_FAULT_RESOLVED;
}

enum mmk_fault_result mmk_vm_fault(struct mmk_vm_space *s, const struct mmk_fault *f)
{
	struct mmk_vm_region *r = mmk_vm_region_at(s, f->addr);
	mmk_vaddr_t page = mmk_align_down(f->addr, MMK_PAGE_SIZE);
	enum mmk_fault_result result = MMK_FAULT_BAD_ACCESS;
	if (!r || f->reserved_bit || !access_allowed(r, f))
		result = MMK_FAULT_BAD_ACCESS;
	else if (r->kind == MMK_VM_STACK && f->addr < r->range.start + r->guard)
		result = MMK_FAULT_BAD_ACCESS; /* the guard page: a stack overflow */
	else if (r->kind == MMK_VM_PHYS)
		result = MMK_FAULT_BAD_ACCESS; /* mapped whole at creation: nothing to fill */
	else if (!f->present)
		result = fault_zero_fill(s, r, page);
	else if (f->access == MMK_ACCESS_WRITE)
		result = fault_cow(s, r, page);
	if (result == MMK_FAULT_BAD_ACCESS)
		s->vm->stats.bad_faults++;
	return result;
}

static const char *kind_name(unsigned kind)
{
	switch (kind) {
	case MMK_VM_ANON: return "anonymous";
	case MMK_VM_PHYS: return "physical";
	case MMK_VM_STACK: return "stack";
	default: return "?";
	}
}

static void describe_region(struct mmk_vm_space *s, const struct mmk_fault *f)
{
	struct mmk_vm_region *r = mmk_vm_region_at(s, f->addr);
	if (!r)
		mmk_printf("  in no region\n");
	else
		mmk_printf("  in %s region [0x%llx, 0x%llx)%s, protection 0x%x\n",
			   kind_name(r->kind), (unsigned long long)r->range.start,
			   (unsigned long long)r->range.end,
			   r->kind == MMK_VM_STACK && f->addr < r->range.start + r->guard
				   ? ": its guard page (stack overflow)" : "",
			   r->prot);
}

void mmk_vm_fault_report(struct mmk_vm_space *s, const struct mmk_fault *f, enum mmk_fault_result result)
{
	mmk_fault_report(&s->mmu, f, result);
	describe_region(s, f);
	mmk_mmu_print_walk(&s->mmu, f->addr);
}
