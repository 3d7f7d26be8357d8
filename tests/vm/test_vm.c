/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Tests for address spaces, regions and fault decisions (core/vm.c). Accesses go
 * through ktest_env_access: real loads and stores with a fixup in the kernel, the
 * simulated CPU on the host; either way faults reach mmk_vm_fault through mmk_fault_dispatch.
 */
#include <mmukit/errno.h>
#include <mmukit/kheap.h>
#include <mmukit/ktest.h>
#include <mmukit/pmm.h>
#include <mmukit/vm.h>

#include "lib/string.h"
#include "vm_fixture.h"

#define P MMK_PAGE_SIZE
#define URW (MMK_PROT_READ | MMK_PROT_WRITE | MMK_PROT_USER)
#define UVA 0x40000000u

static uint32_t read32(mmk_vaddr_t va, int *err)
{
	uint32_t v = 0;
	*err = ktest_env_access(va, false, &v);
	return v;
}

static int write32(mmk_vaddr_t va, uint32_t v)
{
	return ktest_env_access(va, true, &v);
}

KTEST(vm, anonymous_memory_is_zero_filled_on_first_touch)
{
	struct mmk_vm_space a;
	struct mmk_pmm *pmm = ktest_env_pmm();
	begin();
	uint64_t free_before = pmm->free_frames;
	KASSERT_EQ(mmk_vm_space_create(&vm, &a), 0);
	mmk_vaddr_t va = UVA;
	KASSERT_EQ(mmk_vm_map_anon(&a, &va, 16 * P, URW), 0);
	mmk_vm_space_activate(&a);
	int err;
	uint64_t fills = vm.stats.zero_fills, maps = vm.stats.zero_maps;
	KEXPECT_EQ(read32(UVA + 3 * P + 8, &err), 0);
	KEXPECT_EQ(err, 0);
	KEXPECT_EQ(vm.stats.zero_maps, maps + 1);   /* a read maps the zero page */
	KEXPECT_EQ(vm.stats.zero_fills, fills);
	KEXPECT_EQ(pmm->free_frames + 1 <= free_before, true);
	KEXPECT_EQ(write32(UVA + 5 * P, 0xCAFE), 0);
	KEXPECT_EQ(read32(UVA + 5 * P, &err), 0xCAFE);
	KEXPECT_EQ(vm.stats.zero_fills, fills + 1);
	KEXPECT_EQ(write32(UVA + 3 * P, 0xBEEF), 0); /* the zero page's first write: a frame */
	KEXPECT_EQ(vm.stats.zero_fills, fills + 2);
	KEXPECT_EQ(read32(UVA + 3 * P, &err), 0xBEEF);
	KEXPECT_EQ(read32(UVA + 3 * P + 8, &err), 0);
	mmk_mmu_activate(previous);
	KEXPECT_EQ(mmk_vm_space_destroy(&a), 0);
	KEXPECT_EQ(pmm->free_frames, free_before);
	end();
}

KTEST(vm, fork_shares_until_written_then_copies)
{
	struct mmk_vm_space a, b;
	struct mmk_pmm *pmm = ktest_env_pmm();
	int err;
	begin();
	uint64_t free_before = pmm->free_frames;
	KASSERT_EQ(mmk_vm_space_create(&vm, &a), 0);
	mmk_vaddr_t va = UVA;
	KASSERT_EQ(mmk_vm_map_anon(&a, &va, 4 * P, URW), 0);
	mmk_vm_space_activate(&a);
	for (unsigned i = 0; i < 4; i++)
		KEXPECT_EQ(write32(UVA + i * P, 100 + i), 0);
	KASSERT_EQ(mmk_vm_fork(&a, &b), 0);
	struct mmk_mmu_mapping m;
	KASSERT_EQ(mmk_mmu_query(&a.mmu, UVA, &m), 0);
	KEXPECT_EQ(mmk_pmm_refcount(pmm, m.pa), 2);
	KEXPECT_FALSE(m.flags & MMK_PROT_WRITE);

	KEXPECT_EQ(write32(UVA, 200), 0);            /* a writes page 0: copied */
	KEXPECT_EQ(vm.stats.cow_copies, 1);
	mmk_vm_space_activate(&b);
	KEXPECT_EQ(read32(UVA, &err), 100);          /* b still sees the old value */
	KEXPECT_EQ(write32(UVA + P, 301), 0);        /* b writes page 1: copied */
	KEXPECT_EQ(vm.stats.cow_copies, 2);
	KEXPECT_EQ(write32(UVA, 300), 0);            /* b's page 0 has one owner left: */
	KEXPECT_EQ(vm.stats.cow_copies, 2);          /* its read mapped it writable */
	KEXPECT_EQ(vm.stats.cow_reuses, 0);
	mmk_vm_space_activate(&a);
	KEXPECT_EQ(read32(UVA, &err), 200);
	KEXPECT_EQ(read32(UVA + P, &err), 101);
	KEXPECT_EQ(read32(UVA + 2 * P, &err), 102);  /* still shared */
	KASSERT_EQ(mmk_mmu_query(&a.mmu, UVA + 2 * P, &m), 0);
	KEXPECT_EQ(mmk_pmm_refcount(pmm, m.pa), 2);

	mmk_mmu_activate(previous);
	KEXPECT_EQ(mmk_vm_space_destroy(&b), 0);         /* frees only what b alone held */
	KEXPECT_EQ(mmk_pmm_refcount(pmm, m.pa), 1);
	mmk_vm_space_activate(&a);
	KEXPECT_EQ(write32(UVA + 2 * P, 402), 0);    /* one owner now: no copy */
	KEXPECT_EQ(vm.stats.cow_copies, 2);
	KEXPECT_EQ(read32(UVA + 3 * P, &err), 103);
	mmk_mmu_activate(previous);
	KEXPECT_EQ(mmk_vm_space_destroy(&a), 0);
	KEXPECT_EQ(pmm->free_frames, free_before);
	end();
}

KTEST(vm, stack_guard_page_is_fatal)
{
	struct mmk_vm_space a;
	int err;
	begin();
	KASSERT_EQ(mmk_vm_space_create(&vm, &a), 0);
	mmk_vaddr_t stack = UVA + 16 * P;
	KASSERT_EQ(mmk_vm_map_stack(&a, &stack, 8 * P, P, URW), 0);
	KEXPECT_EQ(stack, UVA + 16 * P);
	mmk_vm_space_activate(&a);
	KEXPECT_EQ(write32(stack + 8 * P - 4, 7), 0); /* the top of the stack */
	KEXPECT_EQ(write32(stack, 8), 0);             /* its lowest word */
	uint64_t bad = vm.stats.bad_faults;
	KEXPECT_EQ(write32(stack - 4, 9), -MMK_EFAULT); /* the guard */
	KEXPECT_EQ(vm.stats.bad_faults, bad + 1);
	KEXPECT_TRUE(mmk_vm_region_at(&a, stack - 4) != NULL); /* reserved: nothing else goes there */
	mmk_vaddr_t clash = stack - P;
	KEXPECT_EQ(mmk_vm_map_anon(&a, &clash, P, URW), -MMK_EEXIST);
	(void)read32(stack, &err);
	KEXPECT_EQ(err, 0);
	mmk_mmu_activate(previous);
	KEXPECT_EQ(mmk_vm_space_destroy(&a), 0);
	end();
}

KTEST(vm, accesses_outside_regions_or_their_protection_are_fatal)
{
	struct mmk_vm_space a;
	int err;
	begin();
	KASSERT_EQ(mmk_vm_space_create(&vm, &a), 0);
	mmk_vaddr_t ro = UVA;
	KASSERT_EQ(mmk_vm_map_anon(&a, &ro, P, MMK_PROT_READ | MMK_PROT_USER), 0);
	mmk_vm_space_activate(&a);
	KEXPECT_EQ(read32(ro, &err), 0);                  /* zero-filled, read-only */
	KEXPECT_EQ(err, 0);
	KEXPECT_EQ(write32(ro, 1), -MMK_EFAULT);          /* against its protection */
	(void)read32(UVA + 64 * P, &err);
	KEXPECT_EQ(err, -MMK_EFAULT);                     /* in no region */
	mmk_mmu_activate(previous);
	KEXPECT_EQ(mmk_vm_space_destroy(&a), 0);
	end();
}

KTEST(vm, regions_refuse_bad_requests)
{
	struct mmk_vm_space a;
	begin();
	KASSERT_EQ(mmk_vm_space_create(&vm, &a), 0);
	mmk_vaddr_t va = UVA;
	KEXPECT_EQ(mmk_vm_map_anon(&a, &va, P, URW | MMK_PROT_EXEC), -MMK_EPERM);
	KEXPECT_EQ(mmk_vm_map_anon(&a, &va, P, URW | MMK_PROT_EXEC | MMK_VM_ALLOW_WX), 0);
	KEXPECT_EQ(mmk_vm_region_at(&a, UVA)->prot & MMK_VM_ALLOW_WX, 0);
	va = UVA;
	KEXPECT_EQ(mmk_vm_map_anon(&a, &va, P, URW), -MMK_EEXIST);
	va = UVA + 0x10;
	KEXPECT_EQ(mmk_vm_map_anon(&a, &va, P, URW), -MMK_EALIGN);
	va = UVA + P;
	KEXPECT_EQ(mmk_vm_map_anon(&a, &va, 0, URW), -MMK_EINVAL);
	KEXPECT_EQ(mmk_vm_map_anon(&a, &va, P, 0), -MMK_EINVAL);
	va = mmk_mmu_user_end(ktest_env_mmu());
	KEXPECT_EQ(mmk_vm_map_anon(&a, &va, P, URW), -MMK_ERANGE);
	va = 0;
	KEXPECT_EQ(mmk_vm_map_anon(&a, &va, 2 * P, URW), 0); /* anywhere: the lowest free place */
	KEXPECT_EQ(va, mmk_mmu_user_base(ktest_env_mmu()));
	KEXPECT_EQ(mmk_vm_unmap(&a, UVA + 77 * P, P), 0); /* nothing there: nothing to do */
	KEXPECT_EQ(a.regions.count, 2);
	KEXPECT_EQ(mmk_vm_unmap(&a, va, 2 * P), 0);
	KEXPECT_TRUE(mmk_vm_region_at(&a, va) == NULL);
	KEXPECT_EQ(a.regions.count, 1);
	KEXPECT_EQ(mmk_vm_space_destroy(&a), 0);
	end();
}

KTEST(vm, physical_regions_map_their_frames_with_their_memory_type)
{
	struct mmk_vm_space a, b;
	struct mmk_pmm *pmm = ktest_env_pmm();
	mmk_paddr_t frame;
	begin();
	KASSERT_EQ(mmk_pmm_alloc(pmm, &frame), 0);
	KASSERT_EQ(mmk_vm_space_create(&vm, &a), 0);
	mmk_vaddr_t va = UVA;
	KASSERT_EQ(mmk_vm_map_phys(&a, &va, frame, P, URW | MMK_CACHE_UC), 0);
	KEXPECT_EQ(strcmp(mmk_vm_region_kind(mmk_vm_region_at(&a, UVA)), "physical"), 0);
	struct mmk_mmu_mapping m;
	struct mmk_fault f = {.addr = UVA, .access = MMK_ACCESS_WRITE, .user = true};
	KEXPECT_EQ(mmk_vm_fault(&a, &f), MMK_FAULT_RESOLVED);
	KASSERT_EQ(mmk_mmu_query(&a.mmu, UVA, &m), 0);
	KEXPECT_EQ(m.pa, frame);
	KEXPECT_EQ(m.flags & MMK_CACHE_MASK, MMK_CACHE_UC);
	KASSERT_EQ(mmk_vm_fork(&a, &b), 0);                 /* shared, not copied */
	KEXPECT_EQ(mmk_vm_fault(&b, &f), MMK_FAULT_RESOLVED);
	KASSERT_EQ(mmk_mmu_query(&b.mmu, UVA, &m), 0);
	KEXPECT_EQ(m.pa, frame);
	KEXPECT_TRUE(m.flags & MMK_PROT_WRITE);
	KEXPECT_EQ(mmk_pmm_refcount(pmm, frame), 1);        /* not the VM's to count */
	KEXPECT_EQ(mmk_vm_space_destroy(&b), 0);
	KEXPECT_EQ(mmk_vm_space_destroy(&a), 0);
	KEXPECT_EQ(mmk_pmm_refcount(pmm, frame), 1);        /* left to its owner */
	KEXPECT_EQ(mmk_pmm_free(pmm, frame), 0);
	end();
}

KTEST(vm, kernel_mappings_made_later_are_seen_by_older_spaces)
{
	struct mmk_vm_space a;
	begin();
	KASSERT_EQ(mmk_vm_space_create(&vm, &a), 0);
	/* Heap growth after the space exists: a fresh large block in the kernel window. */
	void *p = mmk_kheap_alloc(&heap, 64 * P);
	KASSERT_TRUE(p != NULL);
	struct mmk_mmu_mapping in_kernel, in_space;
	KEXPECT_EQ(mmk_mmu_query(&ktest_env_mmu()->kernel, (mmk_vaddr_t)p, &in_kernel), 0);
	KEXPECT_EQ(mmk_mmu_query(&a.mmu, (mmk_vaddr_t)p + 63 * P, &in_space), 0);
	mmk_vm_space_activate(&a);
	uint32_t v = 0x5EED;
	KEXPECT_EQ(ktest_env_access((mmk_vaddr_t)p + 40 * P, true, &v), 0);
	mmk_mmu_activate(previous);
	KEXPECT_EQ(mmk_kheap_free(&heap, p), 0);
	KEXPECT_EQ(mmk_vm_space_destroy(&a), 0);
	end();
}

KTEST(vm, out_of_memory_in_fork_leaves_no_trace)
{
	struct mmk_vm_space a, b;
	struct mmk_pmm *pmm = ktest_env_pmm();
	int err;
	begin();
	KASSERT_EQ(mmk_vm_space_create(&vm, &a), 0);
	mmk_vaddr_t va = UVA, va2 = UVA + 0x800000u;
	KASSERT_EQ(mmk_vm_map_anon(&a, &va, 4 * P, URW), 0);
	KASSERT_EQ(mmk_vm_map_anon(&a, &va2, 2 * P, URW), 0);
	mmk_vm_space_activate(&a);
	for (unsigned i = 0; i < 4; i++)
		KEXPECT_EQ(write32(UVA + i * P, 10 + i), 0);
	KEXPECT_EQ(write32(va2, 77), 0);
	mmk_mmu_activate(previous);
	unsigned failures = 0, tries = 0;
	for (uint64_t nth = 1; nth < 100; nth++, tries++) {
		uint64_t free_before = pmm->free_frames;
		mmk_pmm_inject_failure(pmm, nth);
		err = mmk_vm_fork(&a, &b);
		mmk_pmm_inject_failure(pmm, 0);
		if (err == 0)
			break;
		if (err != -MMK_ENOMEM || pmm->free_frames != free_before)
			failures++;
	}
	KEXPECT_EQ(failures, 0);
	KEXPECT_GT(tries, 0);
	KEXPECT_EQ(mmk_vm_space_destroy(&b), 0);
	/* Every structure the fork allocates (regions, amaps, their nodes), failing in turn. */
	limit_allocs = true;
	for (allocs_left = 0, tries = 0;; tries++) {
		unsigned n = allocs_left;
		uint64_t free_before = pmm->free_frames;
		err = mmk_vm_fork(&a, &b);
		if (err == 0)
			break;
		if (err != -MMK_ENOMEM || pmm->free_frames != free_before)
			failures++;
		allocs_left = n + 1;
	}
	limit_allocs = false;
	KEXPECT_EQ(failures, 0);
	KEXPECT_GT(tries, 3);
	KEXPECT_EQ(mmk_vm_space_destroy(&b), 0);
	mmk_vm_space_activate(&a); /* the parent's contents survived every failed fork */
	for (unsigned i = 0; i < 4; i++)
		KEXPECT_EQ(read32(UVA + i * P, &err), 10 + i);
	KEXPECT_EQ(read32(va2, &err), 77);
	mmk_mmu_activate(previous);
	KEXPECT_EQ(mmk_vm_space_destroy(&a), 0);
	end();
}

/* ------------------------------------------------------------ random mix */

#define SPACES 4
#define PAGES 16

struct model_space {
	bool live;
	uint32_t value[PAGES]; /* what page i holds at offset 0 (0: never written) */
};

static struct mmk_vm_space spaces[SPACES];
static struct model_space model[SPACES];
static uint64_t rng;

static unsigned rnd(unsigned n)
{
	return ktest_random_below(&rng, n);
}

static int live_space(void)
{
	unsigned start = rnd(SPACES);
	for (unsigned i = 0; i < SPACES; i++)
		if (model[(start + i) % SPACES].live)
			return (int)((start + i) % SPACES);
	return -1;
}

static int free_slot(void)
{
	for (int i = 0; i < SPACES; i++)
		if (!model[i].live)
			return i;
	return -1;
}

KTEST(vm, random_mix_of_spaces_faults_and_forks_matches_a_model)
{
	struct mmk_pmm *pmm = ktest_env_pmm();
	unsigned bad = 0, steps = ktest_scale(3000, 600);
	unsigned forks = 0, writes = 0, reads = 0, ooms = 0, destroys = 0, remaps = 0;
	begin();
	uint64_t free_before = pmm->free_frames;
	rng = 0xA0761D6478BD642Full;
	for (int i = 0; i < SPACES; i++)
		model[i].live = false;
	for (unsigned step = 0; step < steps && bad == 0; step++) {
		unsigned op = rnd(16);
		int s = live_space(), slot = free_slot();
		if (s < 0 || (op == 0 && slot >= 0)) { /* a new space with its region */
			if (slot < 0)
				continue;
			mmk_vaddr_t va = UVA;
			if (mmk_vm_space_create(&vm, &spaces[slot]) ||
			    mmk_vm_map_anon(&spaces[slot], &va, PAGES * P, URW))
				bad++;
			model[slot] = (struct model_space){.live = true};
		} else if (op == 1 && slot >= 0) { /* fork, sometimes out of memory */
			bool inject = rnd(4) == 0;
			if (inject)
				mmk_pmm_inject_failure(pmm, 1 + rnd(6));
			int err = mmk_vm_fork(&spaces[s], &spaces[slot]);
			mmk_pmm_inject_failure(pmm, 0);
			if (err == -MMK_ENOMEM && inject) {
				ooms++;
				continue;
			}
			if (err) {
				bad++;
				continue;
			}
			model[slot] = model[s];
			forks++;
		} else if (op == 3) { /* unmap some pages, map the range afresh: all zero again */
			unsigned first = rnd(PAGES);
			bad += mmk_vm_unmap(&spaces[s], UVA + first * P, (1 + rnd(PAGES - first)) * P) != 0;
			mmk_vaddr_t va = UVA;
			bad += mmk_vm_map(&spaces[s], &va, PAGES * P, URW, MMK_VM_FIXED, NULL, 0) != 0;
			for (unsigned i = 0; i < PAGES; i++)
				model[s].value[i] = 0;
			remaps++;
		} else if (op == 2) { /* destroy */
			mmk_mmu_activate(previous);
			bad += mmk_vm_space_destroy(&spaces[s]) != 0;
			model[s].live = false;
			destroys++;
		} else if (op < 9) { /* write, sometimes with the fault out of memory */
			unsigned page = rnd(PAGES);
			uint32_t v = 1 + (uint32_t)rnd(1000000);
			mmk_vm_space_activate(&spaces[s]);
			bool inject = rnd(8) == 0;
			if (inject)
				mmk_pmm_inject_failure(pmm, 1);
			int err = write32(UVA + page * P, v);
			mmk_pmm_inject_failure(pmm, 0);
			if (err == -MMK_EFAULT && inject) {
				ooms++;
				continue;
			}
			if (err)
				bad++;
			else
				model[s].value[page] = v;
			writes++;
		} else { /* read */
			unsigned page = rnd(PAGES);
			int err;
			mmk_vm_space_activate(&spaces[s]);
			uint32_t v = read32(UVA + page * P, &err);
			if (err || v != model[s].value[page])
				bad++;
			reads++;
		}
		bad += ktest_env_stale_tlb_entries();
		if (s >= 0 && model[s].live)
			bad += mmk_vm_check(&spaces[s]) != 0;
	}
	mmk_mmu_activate(previous);
	for (int i = 0; i < SPACES; i++)
		if (model[i].live)
			bad += mmk_vm_space_destroy(&spaces[i]) != 0;
	ktest_log("%u writes, %u reads, %u forks, %u remaps, %u destroys, %u injected OOM; "
		  "%llu zero fills, %llu copies, %llu reuses", writes, reads, forks, remaps, destroys, ooms,
		  (unsigned long long)vm.stats.zero_fills, (unsigned long long)vm.stats.cow_copies,
		  (unsigned long long)vm.stats.cow_reuses);
	KEXPECT_EQ(bad, 0);
	KEXPECT_GT(forks, 5);
	KEXPECT_GT(remaps, 5);
	KEXPECT_GT(vm.stats.cow_copies, 5);
	KEXPECT_EQ(pmm->free_frames, free_before);
	KEXPECT_EQ(mmk_pmm_check(pmm), 0);
	end();
}

KTEST(vm, user_and_kernel_faults_are_told_apart)
{
	struct mmk_vm_space a;
	begin();
	KASSERT_EQ(mmk_vm_space_create(&vm, &a), 0);
	mmk_vaddr_t kernel_only = UVA, user = UVA + 4 * P;
	KASSERT_EQ(mmk_vm_map_anon(&a, &kernel_only, P, MMK_PROT_READ | MMK_PROT_WRITE), 0);
	KASSERT_EQ(mmk_vm_map_anon(&a, &user, P, URW), 0);
	struct mmk_fault f = {.addr = kernel_only, .access = MMK_ACCESS_WRITE, .user = true};
	KEXPECT_EQ(mmk_vm_fault(&a, &f), MMK_FAULT_BAD_ACCESS);  /* user mode, no user access */
	f.user = false;
	KEXPECT_EQ(mmk_vm_fault(&a, &f), MMK_FAULT_RESOLVED);    /* the kernel may */
	f = (struct mmk_fault){.addr = user + 8, .access = MMK_ACCESS_READ, .user = true};
	KEXPECT_EQ(mmk_vm_fault(&a, &f), MMK_FAULT_RESOLVED);
	f.access = MMK_ACCESS_EXEC;
	f.present = true;
	KEXPECT_EQ(mmk_vm_fault(&a, &f), MMK_FAULT_BAD_ACCESS);  /* not executable */
	f = (struct mmk_fault){.addr = user, .access = MMK_ACCESS_READ, .reserved_bit = true};
	KEXPECT_EQ(mmk_vm_fault(&a, &f), MMK_FAULT_BAD_ACCESS);  /* corrupt tables are never fixed up */
	mmk_vm_fault_report(&a, &f, MMK_FAULT_BAD_ACCESS);
	/* A kernel-half address goes to the kernel space, which nobody here owns. */
	f.addr = mmk_mmu_kernel_base(ktest_env_mmu());
	KEXPECT_EQ(mmk_fault_dispatch(&a.mmu, &f), MMK_FAULT_BAD_ACCESS);
	KEXPECT_EQ(mmk_fault_dispatch(&ktest_env_mmu()->kernel, &f), MMK_FAULT_BAD_ACCESS);
	KEXPECT_EQ(mmk_vm_space_destroy(&a), 0);
	end();
}

KTEST(vm, out_of_memory_creating_spaces_and_regions_changes_nothing)
{
	struct mmk_pmm *pmm = ktest_env_pmm();
	struct mmk_vm_space a;
	struct mmk_vm tight;
	begin();
	KASSERT_EQ(mmk_vm_init(&tight, ktest_env_mmu(), test_alloc, ktest_env_free), 0);
	uint64_t free_before = pmm->free_frames;
	mmk_pmm_inject_failure(pmm, 1);
	KEXPECT_EQ(mmk_vm_space_create(&tight, &a), -MMK_ENOMEM);   /* its directory */
	mmk_pmm_inject_failure(pmm, 0);
	KEXPECT_EQ(pmm->free_frames, free_before);
	KASSERT_EQ(mmk_vm_space_create(&tight, &a), 0);
	limit_allocs = true;
	allocs_left = 0;
	mmk_vaddr_t va = UVA;
	KEXPECT_EQ(mmk_vm_map_anon(&a, &va, P, URW), -MMK_ENOMEM);  /* the region structure */
	KEXPECT_EQ(a.regions.count, 0);
	mmk_paddr_t frame;
	KASSERT_EQ(mmk_pmm_alloc(pmm, &frame), 0);
	uint64_t frames = pmm->free_frames;
	KEXPECT_EQ(mmk_vm_map_phys(&a, &va, frame, P, URW | MMK_CACHE_WC), -MMK_ENOMEM); /* its object */
	allocs_left = 1;
	KEXPECT_EQ(mmk_vm_map_phys(&a, &va, frame, P, URW | MMK_CACHE_WC), -MMK_ENOMEM); /* its region */
	KEXPECT_EQ(allocs_left, 0);
	KEXPECT_EQ(a.regions.count, 0);
	KEXPECT_EQ(pmm->free_frames, frames);
	limit_allocs = false;
	KEXPECT_EQ(mmk_vm_map_phys(&a, &va, frame, P, URW | MMK_CACHE_WC), 0);
	KEXPECT_EQ(mmk_vm_space_destroy(&a), 0);
	KEXPECT_EQ(mmk_pmm_free(pmm, frame), 0);
	mmk_vm_fini(&tight);
	KEXPECT_EQ(pmm->free_frames, free_before + 1); /* tight's zero page is gone too */
	end();
}

struct reported {
	unsigned calls;
	struct mmk_mmu_space *space;
	mmk_vaddr_t addr;
};

static void record_report(void *ctx, struct mmk_mmu_space *space, const struct mmk_fault *f)
{
	struct reported *r = ctx;
	r->calls++;
	r->space = space;
	r->addr = f->addr;
}

static enum mmk_fault_result refuse(void *ctx, struct mmk_mmu_space *space,
				    const struct mmk_fault *f)
{
	(void)ctx;
	(void)space;
	(void)f;
	return MMK_FAULT_BAD_ACCESS;
}

KTEST(vm, fatal_faults_are_reported_by_the_owner_of_the_space)
{
	struct mmk_vm_space a;
	struct reported seen = {0};
	begin();
	KASSERT_EQ(mmk_vm_space_create(&vm, &a), 0);
	KEXPECT_TRUE(a.mmu.owner == &a); /* the VM owns the spaces it makes */
	mmk_vaddr_t stack = UVA + 8 * P;
	KASSERT_EQ(mmk_vm_map_stack(&a, &stack, P, P, URW), 0);
	struct mmk_fault f = {.addr = stack - 8, .access = MMK_ACCESS_WRITE};
	KEXPECT_EQ(mmk_fault_dispatch(&a.mmu, &f), MMK_FAULT_BAD_ACCESS); /* the guard page */
	mmk_fault_report_fatal(&a.mmu, &f, MMK_FAULT_BAD_ACCESS);         /* says its region */
	/* Another owner, borrowed for a while: its describe is called, then the VM's again. */
	const struct mmk_fault_ops *vm_ops = a.mmu.fault_ops;
	static const struct mmk_fault_ops recording = {refuse, record_report};
	mmk_fault_set_owner(&a.mmu, &recording, &seen);
	mmk_fault_report_fatal(&a.mmu, &f, MMK_FAULT_BAD_ACCESS);
	mmk_fault_set_owner(&a.mmu, vm_ops, &a);
	mmk_fault_report_fatal(&ktest_env_mmu()->kernel, &f, MMK_FAULT_BAD_ACCESS); /* nobody's */
	KEXPECT_EQ(seen.calls, 1);
	KEXPECT_TRUE(seen.space == &a.mmu);
	KEXPECT_EQ(seen.addr, stack - 8);
	/* A space nobody owns: never read past its struct, just fatal. */
	struct mmk_mmu_space bare;
	KASSERT_EQ(mmk_mmu_space_create(ktest_env_mmu(), &bare), 0);
	KEXPECT_EQ(mmk_fault_dispatch(&bare, &f), MMK_FAULT_BAD_ACCESS);
	KEXPECT_EQ(mmk_mmu_space_destroy(&bare, NULL, NULL), 0);
	KEXPECT_EQ(mmk_vm_space_destroy(&a), 0);
	end();
}
