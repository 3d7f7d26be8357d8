/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Tests for the kernel's heap-up / MMIO-down window and the allocated-pages handle
 * (core/kvm.c). VM layer: runs over each machine's backend, on the host simulator
 * and in the kernel.
 */
#include <mmukit/errno.h>
#include <mmukit/fault.h>
#include <mmukit/ktest.h>
#include <mmukit/kvm.h>
#include <mmukit/pmm.h>

#define P MMK_PAGE_SIZE
#define RW (MMK_PROT_READ | MMK_PROT_WRITE)

static bool mapped_to(mmk_vaddr_t va, mmk_paddr_t pa)
{
	struct mmk_mmu_mapping m;
	return mmk_mmu_query(&ktest_env_mmu()->kernel, va, &m) == 0 && m.pa + (va - m.va) == pa;
}

static bool unmapped(mmk_vaddr_t va)
{
	struct mmk_mmu_mapping m;
	return mmk_mmu_query(&ktest_env_mmu()->kernel, va, &m) == -MMK_ENOENT;
}

KTEST(kvm, pages_handle_maps_inside_its_range_only)
{
	struct mmk_kvm *kvm = ktest_env_kvm();
	struct mmk_pmm *pmm = ktest_env_pmm();
	struct mmk_kvm_pages h;
	mmk_paddr_t a, b;
	uint64_t free_before = pmm->free_frames;
	uint64_t tables_before = ktest_env_mmu()->kernel.table_pages;
	KASSERT_EQ(mmk_kvm_pages_alloc(kvm, &h, 8, 16 * P, MMK_VAS_LOWEST), 0);
	mmk_vaddr_t start = h.range.start;
	KEXPECT_EQ(start % (16 * P), 0);
	KEXPECT_EQ(h.range.end - start, 8 * P);
	KASSERT_EQ(mmk_pmm_alloc(pmm, &a), 0);
	KASSERT_EQ(mmk_pmm_alloc(pmm, &b), 0);
	KEXPECT_EQ(mmk_kvm_pages_map(&h, start, a, RW), 0);
	KEXPECT_EQ(mmk_kvm_pages_map(&h, start + 5 * P, b, RW), 0);
	KEXPECT_EQ(mmk_kvm_pages_map(&h, start + 8 * P, b, RW), -MMK_ERANGE);
	KEXPECT_EQ(mmk_kvm_pages_map(&h, start - P, b, RW), -MMK_ERANGE);
	KEXPECT_EQ(mmk_kvm_pages_map(&h, start, b, RW), -MMK_EEXIST);
	KEXPECT_EQ(mmk_kvm_pages_map(&h, start + P, b, RW | MMK_PROT_USER), -MMK_EPERM);
	KEXPECT_EQ(h.mapped, 2);
	KEXPECT_TRUE(mapped_to(start + 5 * P + 12, b + 12));
	KEXPECT_TRUE(unmapped(start + P));
	KEXPECT_EQ(mmk_kvm_pages_release(&h, true), 0);
	KEXPECT_TRUE(unmapped(start));
	KEXPECT_TRUE(unmapped(start + 5 * P));
	KEXPECT_EQ(mmk_kvm_pages_release(&h, true), -MMK_ENOENT);
	/* Frames back; all that is kept are kernel page tables, shared by every space. */
	KEXPECT_EQ(free_before - pmm->free_frames,
		   ktest_env_mmu()->kernel.table_pages - tables_before);
	KEXPECT_EQ(mmk_vas_check(&kvm->vas), 0);
}

KTEST(kvm, heap_grows_up_and_mmio_down)
{
	struct mmk_kvm *kvm = ktest_env_kvm();
	struct mmk_kvm_pages heap, dev;
	mmk_vaddr_t va;
	KASSERT_EQ(mmk_kvm_pages_alloc(kvm, &heap, 1, P, MMK_VAS_LOWEST), 0);
	KASSERT_EQ(mmk_kvm_map_mmio(kvm, &dev, 0x09000123u, 0x20, MMK_CACHE_UC, &va), 0);
	KEXPECT_EQ(va % P, 0x123);
	KEXPECT_EQ(dev.range.end, kvm->vas.end); /* at the very top */
	KEXPECT_LT(heap.range.start, dev.range.start);
	struct mmk_mmu_mapping m;
	KASSERT_EQ(mmk_mmu_query(&ktest_env_mmu()->kernel, va, &m), 0);
	KEXPECT_EQ(m.pa, 0x09000000u);
	KEXPECT_EQ(m.flags & MMK_CACHE_MASK, MMK_CACHE_UC);
	KEXPECT_FALSE(m.flags & MMK_PROT_USER);
	KEXPECT_TRUE(m.flags & MMK_PROT_WRITE);
	struct mmk_kvm_pages dev2;
	mmk_vaddr_t va2;
	KASSERT_EQ(mmk_kvm_map_mmio(kvm, &dev2, 0x0A000000u, 3 * P, MMK_CACHE_WC, &va2), 0);
	KEXPECT_EQ(dev2.range.end, dev.range.start); /* right below the first */
	KEXPECT_EQ(mmk_kvm_pages_release(&dev2, false), 0);
	KEXPECT_EQ(mmk_kvm_pages_release(&dev, false), 0);
	KEXPECT_EQ(mmk_kvm_pages_release(&heap, false), 0);
	KEXPECT_EQ(mmk_vas_check(&kvm->vas), 0);
}

KTEST(kvm, heap_is_full_when_it_meets_mmio)
{
	struct mmk_kvm *env = ktest_env_kvm();
	struct mmk_kvm_pages region, parts[70];
	struct mmk_kvm small;
	/* A 64-page window of our own, carved out of the kernel's so nothing else is there. */
	KASSERT_EQ(mmk_kvm_pages_alloc(env, &region, 64, P, MMK_VAS_LOWEST), 0);
	mmk_kvm_init(&small, ktest_env_mmu(), region.range.start, region.range.end);
	unsigned up = 0, down = 0, n = 0;
	int err = 0;
	for (; n < 70; n++) {
		mmk_vaddr_t va;
		if (n % 2)
			err = mmk_kvm_pages_alloc(&small, &parts[n], 3, P, MMK_VAS_LOWEST);
		else
			err = mmk_kvm_map_mmio(&small, &parts[n], 0x09000000u + n * 3 * P, 3 * P,
					   MMK_CACHE_UC, &va);
		if (err)
			break;
		n % 2 ? up++ : down++;
	}
	KEXPECT_EQ(err, -MMK_ENOMEM);
	KEXPECT_EQ(up + down, 21); /* 63 of 64 pages; one page is too small for 3 */
	KEXPECT_EQ(up, 10);
	KEXPECT_EQ(down, 11);
	for (unsigned i = 0; i < n; i++)
		KEXPECT_EQ(mmk_kvm_pages_release(&parts[i], false), 0);
	KEXPECT_EQ(small.vas.count, 0);
	KEXPECT_EQ(mmk_kvm_pages_release(&region, false), 0);
}

KTEST(kvm, bad_requests_change_nothing)
{
	struct mmk_kvm *kvm = ktest_env_kvm();
	struct mmk_kvm_pages h;
	mmk_vaddr_t va;
	size_t count = kvm->vas.count;
	KEXPECT_EQ(mmk_kvm_pages_alloc(kvm, &h, 0, P, MMK_VAS_LOWEST), -MMK_EINVAL);
	KEXPECT_EQ(mmk_kvm_pages_alloc(kvm, &h, 1, 3 * P, MMK_VAS_LOWEST), -MMK_EINVAL);
	KEXPECT_EQ(mmk_kvm_pages_alloc(kvm, &h, 1, 16, MMK_VAS_LOWEST), -MMK_EINVAL);
	KEXPECT_EQ(mmk_kvm_pages_alloc(kvm, &h, 1, P, 9), -MMK_EINVAL);
	KEXPECT_EQ(mmk_kvm_pages_alloc(kvm, &h, (mmk_vsize_t)-1 / P, P, MMK_VAS_LOWEST), -MMK_ENOMEM);
	KEXPECT_EQ(mmk_kvm_map_mmio(kvm, &h, 0x09000000u, 0, MMK_CACHE_UC, &va), -MMK_EINVAL);
	KEXPECT_EQ(mmk_kvm_map_mmio(kvm, &h, 0x09000000u, P, MMK_CACHE_WB, &va), -MMK_EINVAL);
	KEXPECT_EQ(mmk_kvm_map_mmio(kvm, &h, (mmk_paddr_t)-P, 2 * P, MMK_CACHE_UC, &va), -MMK_ERANGE);
	KEXPECT_EQ(kvm->vas.count, count);
}

KTEST(kvm, out_of_memory_mapping_mmio_gives_the_range_back)
{
	struct mmk_kvm *env = ktest_env_kvm();
	struct mmk_kvm_pages region, dev;
	struct mmk_kvm fresh;
	mmk_vaddr_t va;
	/* A window over a 4 MiB-aligned stretch no table covers yet: the map needs one. */
	KASSERT_EQ(mmk_kvm_pages_alloc(env, &region, 2048, 4 * MMK_MIB, MMK_VAS_LOWEST), 0);
	mmk_kvm_init(&fresh, ktest_env_mmu(), region.range.start, region.range.end);
	uint64_t free_before = ktest_env_pmm()->free_frames;
	mmk_pmm_inject_failure(ktest_env_pmm(), 1);
	int err = mmk_kvm_map_mmio(&fresh, &dev, 0x09000000u, P, MMK_CACHE_UC, &va);
	mmk_pmm_inject_failure(ktest_env_pmm(), 0);
	KEXPECT_EQ(err, -MMK_ENOMEM);
	KEXPECT_EQ(fresh.vas.count, 0);
	KEXPECT_EQ(ktest_env_pmm()->free_frames, free_before);
	KEXPECT_EQ(mmk_kvm_pages_release(&region, false), 0);
}

static enum mmk_fault_result refuse_all(void *ctx, struct mmk_mmu_space *space, const struct mmk_fault *f)
{
	(void)space;
	*(struct mmk_fault *)ctx = *f;
	return MMK_FAULT_BAD_ACCESS;
}

static const struct mmk_fault_ops refuse_all_ops = {refuse_all, NULL};

KTEST(kvm, kernel_stack_has_an_unmapped_guard_below)
{
	struct mmk_kvm *kvm = ktest_env_kvm();
	struct mmk_pmm *pmm = ktest_env_pmm();
	struct mmk_kvm_pages stack;
	mmk_vaddr_t top;
	uint64_t free_before = pmm->free_frames;
	uint64_t tables_before = ktest_env_mmu()->kernel.table_pages;
	KASSERT_EQ(mmk_kvm_stack_alloc(kvm, &stack, 4, &top), 0);
	KEXPECT_EQ(top - stack.range.start, 5 * P);
	KEXPECT_TRUE(unmapped(stack.range.start));           /* the guard */
	for (mmk_vaddr_t va = top - 4 * P; va < top; va += P)
		KEXPECT_FALSE(unmapped(va));
	uint32_t v = 0xABCD;
	KEXPECT_EQ(ktest_env_access(top - 4, true, &v), 0); /* the top of the stack */
	struct mmk_fault seen = {0};
	struct mmk_mmu_space *borrowed = &ktest_env_mmu()->kernel;
	const struct mmk_fault_ops *old = borrowed->fault_ops;
	void *old_ctx = borrowed->owner;
	mmk_fault_set_owner(borrowed, &refuse_all_ops, &seen);
	int err = ktest_env_access(top - 4 * P - 4, true, &v); /* one word below: the guard */
	mmk_fault_set_owner(borrowed, old, old_ctx);
	KEXPECT_EQ(err, -MMK_EFAULT);
	KEXPECT_EQ(seen.addr, top - 4 * P - 4);
	KEXPECT_FALSE(seen.present);
	KEXPECT_EQ(mmk_kvm_pages_release(&stack, true), 0);
	uint64_t kept = ktest_env_mmu()->kernel.table_pages - tables_before;
	KEXPECT_EQ(free_before - pmm->free_frames, kept); /* only kernel tables stay */
	mmk_pmm_inject_failure(pmm, 3);
	KEXPECT_EQ(mmk_kvm_stack_alloc(kvm, &stack, 4, &top), -MMK_ENOMEM);
	mmk_pmm_inject_failure(pmm, 0);
	KEXPECT_EQ(free_before - pmm->free_frames,
		   ktest_env_mmu()->kernel.table_pages - tables_before);
	KEXPECT_EQ(mmk_kvm_stack_alloc(kvm, &stack, 0, &top), -MMK_EINVAL);
}
