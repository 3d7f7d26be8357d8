/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The x86_64 MMU backend (arch/x86_64/mmu.c) on a simulated x86_64
 * (hosted/x86_64/sim.c), checked against the reference 4-level walk
 * (hosted/x86_64/refmmu.c) and the simulated TLB.
 */
#include <mmukit/errno.h>
#include <mmukit/ktest.h>
#include <mmukit/mmu.h>
#include <mmukit/pmm.h>
#include <mmukit/services.h>

#include "cpu.h"
#include "sim.h"

#define RW (MMK_PROT_READ | MMK_PROT_WRITE)
#define URW (RW | MMK_PROT_USER)
#define K4 0x1000ull
#define M2 0x200000ull
#define G1 0x40000000ull
#define UVA 0x0000004000000000ull /* a PML4 slot of its own */
#define HHDM 0xFFFF800000000000ull

static struct sim64_machine m;

static bool walk(const struct mmk_mmu_space *s, uint64_t va, struct ref64_translation *t)
{
	return ref64_walk(sim64.ram, sim64.ram_size, s->root, sim64.has_nx, va, t);
}

static bool agrees(const struct mmk_mmu_space *s, uint64_t va)
{
	struct ref64_translation t;
	struct mmk_mmu_mapping q;
	bool present = walk(s, va, &t);
	int err = mmk_mmu_query(s, va, &q);
	if (!present)
		return err == -MMK_ENOENT;
	return err == 0 && q.pa + (va - q.va) == t.pa && (1ull << q.page_shift) == t.page_size &&
	       !!(q.flags & MMK_PROT_WRITE) == t.writable && !!(q.flags & MMK_PROT_USER) == t.user &&
	       !!(q.flags & MMK_PROT_EXEC) == t.executable;
}

KTEST(mmu_x86_64, init_maps_ram_in_the_hhdm_with_the_largest_pages)
{
	for (int has_1g = 0; has_1g <= 1; has_1g++) {
		KASSERT_EQ(sim64_machine_boot(&m, 2 * G1, has_1g, true, true), 0);
		struct mmk_mmu_space *k = &m.mmu.kernel;
		struct mmk_mmu_mapping q;
		KEXPECT_EQ(sim64.cr3, k->root);
		KASSERT_EQ(mmk_mmu_query(k, HHDM + G1 + 12345, &q), 0);
		KEXPECT_EQ(q.pa, has_1g ? G1 : G1 + 0);
		KEXPECT_EQ(q.page_shift, has_1g ? 30 : 21);
		KEXPECT_TRUE(agrees(k, HHDM + G1 + 12345));
		KEXPECT_FALSE(q.flags & MMK_PROT_EXEC);  /* NX on the direct map */
		KEXPECT_TRUE(q.flags & MMK_PROT_GLOBAL);
		KASSERT_EQ(mmk_mmu_query(k, 0xFFFFFFFF80100000ull, &q), 0); /* the image */
		KEXPECT_EQ(q.pa, 0x100000);
		KEXPECT_TRUE(q.flags & MMK_PROT_EXEC);
		KEXPECT_EQ(mmk_mmu_query(k, 0x100000, &q), -MMK_ENOENT);   /* no identity map */
		KEXPECT_EQ(mmk_mmu_query(k, HHDM + 2 * G1, &q), -MMK_ENOENT); /* beyond RAM */
		KEXPECT_EQ(mmk_mmu_page_shifts(&m.mmu) & (1u << 30), has_1g ? 1u << 30 : 0);
		KEXPECT_EQ(mmk_pmm_refcount(&m.pmm, k->root), 1);
		sim64_machine_free(&m);
	}
}

KTEST(mmu_x86_64, map_query_unmap_with_every_page_size)
{
	struct mmk_mmu_space u;
	struct mmk_mmu_mapping q;
	KASSERT_EQ(sim64_machine_boot(&m, 64 * 0x100000ull, true, true, true), 0);
	uint64_t before = m.pmm.free_frames;
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &u), 0);
	KEXPECT_EQ(mmk_mmu_map(&u, UVA, G1, G1, URW, 0), 0);           /* one 1 GiB page */
	KEXPECT_EQ(mmk_mmu_map(&u, UVA + G1 + M2 - K4, 2 * G1 - K4, M2 + K4, URW, 0), 0); /* 4K + 2M */
	KASSERT_EQ(mmk_mmu_query(&u, UVA + 5, &q), 0);
	KEXPECT_EQ(q.page_shift, 30);
	KASSERT_EQ(mmk_mmu_query(&u, UVA + G1 + M2 - K4, &q), 0);
	KEXPECT_EQ(q.page_shift, 12);
	KASSERT_EQ(mmk_mmu_query(&u, UVA + G1 + M2 + 7, &q), 0);
	KEXPECT_EQ(q.page_shift, 21);
	KEXPECT_EQ(q.pa, 2 * G1);
	for (uint64_t va = UVA + G1 - K4; va < UVA + G1 + 3 * M2; va += K4)
		if (!agrees(&u, va))
			KEXPECT_TRUE(agrees(&u, va));
	KEXPECT_EQ(mmk_mmu_map(&u, UVA + 4 * G1, 0x800000, K4, MMK_PROT_READ | MMK_PROT_USER |
			   MMK_PROT_EXEC, 12), 0);
	KASSERT_EQ(mmk_mmu_query(&u, UVA + 4 * G1, &q), 0);
	KEXPECT_TRUE(q.flags & MMK_PROT_EXEC);
	KEXPECT_TRUE(agrees(&u, UVA + 4 * G1));
	KEXPECT_EQ(mmk_mmu_unmap(&u, UVA, G1, NULL), 0);
	KEXPECT_EQ(mmk_mmu_unmap(&u, UVA + G1 + M2 - K4, M2 + K4, NULL), 0);
	KEXPECT_EQ(mmk_mmu_unmap(&u, UVA + 4 * G1, K4, NULL), 0);
	KEXPECT_EQ(u.table_pages, 0);                              /* emptied tables went back */
	KEXPECT_EQ(mmk_mmu_space_destroy(&u, NULL, NULL), 0);
	KEXPECT_EQ(m.pmm.free_frames, before);
	sim64_machine_free(&m);
}

KTEST(mmu_x86_64, partial_unmap_and_protect_split_large_pages)
{
	struct mmk_mmu_space u;
	struct mmk_mmu_mapping q;
	KASSERT_EQ(sim64_machine_boot(&m, 64 * 0x100000ull, true, true, true), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &u), 0);
	KASSERT_EQ(mmk_mmu_map(&u, UVA, G1, G1, URW, 30), 0);
	uint64_t free_before = m.pmm.free_frames;
	KEXPECT_EQ(mmk_mmu_unmap(&u, UVA + 3 * M2 + 5 * K4, K4, NULL), 0); /* 1G -> 2M -> 4K */
	KEXPECT_EQ(free_before - m.pmm.free_frames, 2);
	KEXPECT_EQ(mmk_mmu_query(&u, UVA + 3 * M2 + 5 * K4, &q), -MMK_ENOENT);
	KASSERT_EQ(mmk_mmu_query(&u, UVA + 3 * M2 + 6 * K4, &q), 0);
	KEXPECT_EQ(q.page_shift, 12);
	KEXPECT_EQ(q.pa, G1 + 3 * M2 + 6 * K4);
	KASSERT_EQ(mmk_mmu_query(&u, UVA + 9 * M2, &q), 0);
	KEXPECT_EQ(q.page_shift, 21);
	KEXPECT_EQ(mmk_mmu_protect(&u, UVA + 4 * M2, M2, MMK_PROT_READ | MMK_PROT_USER, NULL), 0); /* whole 2M */
	KASSERT_EQ(mmk_mmu_query(&u, UVA + 4 * M2 + 77, &q), 0);
	KEXPECT_FALSE(q.flags & MMK_PROT_WRITE);
	KEXPECT_EQ(q.page_shift, 21);
	for (uint64_t va = UVA; va < UVA + 12 * M2; va += K4)
		if (!agrees(&u, va))
			KEXPECT_TRUE(agrees(&u, va));
	KEXPECT_EQ(mmk_mmu_space_destroy(&u, NULL, NULL), 0);
	sim64_machine_free(&m);
}

KTEST(mmu_x86_64, bad_input_is_refused_and_changes_nothing)
{
	struct mmk_mmu_space u;
	KASSERT_EQ(sim64_machine_boot(&m, 64 * 0x100000ull, false, true, true), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &u), 0);
	KASSERT_EQ(mmk_mmu_map(&u, UVA, 0x800000, 2 * K4, URW, 0), 0);
	uint64_t frames = m.pmm.free_frames;
	KEXPECT_EQ(mmk_mmu_map(&u, UVA + 8, 0x900000, K4, URW, 0), -MMK_EALIGN);
	KEXPECT_EQ(mmk_mmu_map(&u, UVA + M2, 0x900000, M2, URW, 21), -MMK_EALIGN);
	KEXPECT_EQ(mmk_mmu_map(&u, UVA, 0, G1, URW, 30), -MMK_EINVAL);          /* no 1 GiB pages */
	KEXPECT_EQ(mmk_mmu_map(&u, UVA + 8 * K4, 0x900000, K4, URW, 22), -MMK_EINVAL);
	KEXPECT_EQ(mmk_mmu_map(&u, 0, 0x900000, K4, URW, 0), -MMK_ERANGE);       /* page 0 */
	KEXPECT_EQ(mmk_mmu_map(&u, 0x00007FFFFFFFF000ull, 0x900000, 2 * K4, URW, 0), -MMK_ERANGE);
	KEXPECT_EQ(mmk_mmu_map(&u, HHDM, 0x900000, K4, RW, 0), -MMK_ERANGE);     /* kernel half */
	KEXPECT_EQ(mmk_mmu_map(&u, UVA - K4, 0x900000, 2 * K4, URW, 0), -MMK_EEXIST);
	KEXPECT_EQ(mmk_mmu_map(&m.mmu.kernel, 0xFFFFC00000000000ull, 0x900000, K4, URW, 0), -MMK_EPERM);
	KEXPECT_EQ(mmk_mmu_unmap(&u, UVA, 3 * K4, NULL), -MMK_ENOENT);
	KEXPECT_EQ(mmk_mmu_protect(&u, UVA, 3 * K4, MMK_PROT_READ, NULL), -MMK_ENOENT);
	KEXPECT_EQ(mmk_mmu_protect(&u, UVA, K4, 0x8000, NULL), -MMK_EINVAL);
	KEXPECT_EQ(mmk_mmu_space_destroy(m.mmu.active, NULL, NULL), -MMK_EINVAL);
	KEXPECT_EQ(m.pmm.free_frames, frames);
	KEXPECT_TRUE(agrees(&u, UVA) && agrees(&u, UVA + K4) && agrees(&u, UVA + 2 * K4));
	KEXPECT_EQ(mmk_mmu_space_destroy(&u, NULL, NULL), 0);
	sim64_machine_free(&m);
}

KTEST(mmu_x86_64, out_of_memory_at_every_allocation_rolls_back)
{
	struct mmk_mmu_space u;
	struct mmk_mmu_mapping q;
	KASSERT_EQ(sim64_machine_boot(&m, 64 * 0x100000ull, true, true, true), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &u), 0);
	unsigned failures = 0, tries = 0;
	for (uint64_t nth = 1;; nth++, tries++) {
		uint64_t frames = m.pmm.free_frames;
		mmk_pmm_inject_failure(&m.pmm, nth);
		/* Three PTs (the end of one 2 MiB slot, a whole slot, the start of the next)
		 * under a fresh PDPT and PD: 5 tables, 5 allocation points. */
		int err = mmk_mmu_map(&u, UVA + M2 - K4, 0x800000, 2 * K4 + M2, URW, 12);
		mmk_pmm_inject_failure(&m.pmm, 0);
		if (err == 0)
			break;
		if (err != -MMK_ENOMEM || m.pmm.free_frames != frames ||
		    mmk_mmu_query(&u, UVA + M2, &q) != -MMK_ENOENT || u.table_pages != 0)
			failures++;
	}
	KEXPECT_EQ(tries, 5);
	KEXPECT_EQ(failures, 0);
	KASSERT_EQ(mmk_mmu_map(&u, UVA + 4 * G1, G1, G1, URW, 30), 0);
	for (uint64_t nth = 1; nth <= 2; nth++) {
		uint64_t frames = m.pmm.free_frames;
		mmk_pmm_inject_failure(&m.pmm, nth);
		KEXPECT_EQ(mmk_mmu_unmap(&u, UVA + 4 * G1 + K4, K4, NULL), -MMK_ENOMEM);
		mmk_pmm_inject_failure(&m.pmm, 0);
		KEXPECT_EQ(m.pmm.free_frames, frames);
		KASSERT_EQ(mmk_mmu_query(&u, UVA + 4 * G1 + K4, &q), 0);
		KEXPECT_EQ(q.page_shift, 30); /* still whole */
	}
	KEXPECT_EQ(mmk_mmu_space_destroy(&u, NULL, NULL), 0);
	sim64_machine_free(&m);
}

KTEST(mmu_x86_64, tlb_entries_are_invalidated_and_kernel_entries_shared)
{
	struct mmk_mmu_space a, b;
	uint64_t pa;
	KASSERT_EQ(sim64_machine_boot(&m, 64 * 0x100000ull, true, true, true), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &a), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &b), 0);
	mmk_mmu_activate(&a);
	KASSERT_EQ(mmk_mmu_map(&a, UVA, 0x800000, 64 * K4, URW, 0), 0);
	for (unsigned i = 0; i < 64; i++)
		KEXPECT_TRUE(sim64_translate(UVA + i * K4, true, &pa));
	KEXPECT_EQ(mmk_mmu_protect(&a, UVA, 4 * K4, MMK_PROT_READ | MMK_PROT_USER, NULL), 0);
	KEXPECT_EQ(mmk_mmu_unmap(&a, UVA + 8 * K4, 2 * K4, NULL), 0);
	KEXPECT_EQ(mmk_mmu_unmap(&a, UVA + 16 * K4, 48 * K4, NULL), 0); /* full flush */
	KEXPECT_EQ(sim64_stale_tlb_entries(true), 0);
	/* A new kernel PML4 entry while a is active shows in every space. */
	KASSERT_EQ(mmk_mmu_map(&m.mmu.kernel, 0xFFFFD00000000000ull, 0x900000, K4,
			   RW | MMK_PROT_GLOBAL, 0), 0);
	struct ref64_translation t;
	KEXPECT_TRUE(walk(&b, 0xFFFFD00000000000ull, &t) && t.pa == 0x900000);
	KEXPECT_TRUE(sim64_translate(0xFFFFD00000000000ull, false, &pa));
	KEXPECT_EQ(mmk_mmu_unmap(&m.mmu.kernel, 0xFFFFD00000000000ull, K4, NULL), 0);
	KEXPECT_EQ(sim64_stale_tlb_entries(true), 0);
	KEXPECT_FALSE(walk(&b, 0xFFFFD00000000000ull, &t));
	mmk_mmu_activate(&m.mmu.kernel);
	KEXPECT_EQ(mmk_mmu_space_destroy(&a, NULL, NULL), 0);
	KEXPECT_EQ(mmk_mmu_space_destroy(&b, NULL, NULL), 0);
	sim64_machine_free(&m);
}

static int count_mapping(void *ctx, const struct mmk_mmu_mapping *mp)
{
	(*(unsigned *)ctx)++;
	return mp->page_shift == 30 ? 7 : 0;
}

KTEST(mmu_x86_64, walk_frames_and_pointers)
{
	struct mmk_mmu_space u;
	KASSERT_EQ(sim64_machine_boot(&m, 64 * 0x100000ull, true, true, true), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &u), 0);
	KASSERT_EQ(mmk_mmu_map(&u, UVA, 0x800000, 3 * K4, URW, 0), 0);
	KASSERT_EQ(mmk_mmu_map(&u, UVA + G1, G1, G1, URW, 0), 0);
	unsigned n = 0;
	KEXPECT_EQ(mmk_mmu_walk(&u, 0, 0x0000800000000000ull, count_mapping, &n), 7);
	KEXPECT_EQ(n, 4);
	mmk_mmu_print_walk(&u, UVA + K4);
	mmk_paddr_t a, b;
	KASSERT_EQ(mmk_pmm_alloc(&m.pmm, &a), 0);
	KASSERT_EQ(mmk_pmm_alloc(&m.pmm, &b), 0);
	uint8_t *pa = sim64_phys(a), *pb = sim64_phys(b);
	for (unsigned i = 0; i < 4096; i++)
		pa[i] = (uint8_t)(i * 3);
	mmk_mmu_copy_frame(&m.mmu, b, a);
	KEXPECT_EQ(pb[4095], (uint8_t)(4095 * 3));
	mmk_mmu_zero_frame(&m.mmu, a);
	KEXPECT_EQ(pa[100], 0);
	/* A kernel address through the direct map, as the heap reaches its pages. */
	uint8_t *k = mmk_mmu_kernel_pointer(&m.mmu, HHDM + b + 10);
	KEXPECT_TRUE(k == pb + 10);
	KEXPECT_EQ(mmk_mmu_space_destroy(&u, NULL, NULL), 0);
	sim64_machine_free(&m);
}

KTEST(mmu_x86_64, pcids_tag_spaces_and_edits_while_inactive_are_dropped_on_load)
{
	struct mmk_mmu_space a, b;
	uint64_t pa;
	KASSERT_EQ(sim64_machine_boot(&m, 64 * 0x100000ull, true, true, true), 0); /* no INVPCID */
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &a), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &b), 0);
	KEXPECT_EQ(sim64_pcid(), 0);                      /* the kernel space */
	mmk_mmu_activate(&a);
	unsigned pcid_a = sim64_pcid();
	KASSERT_EQ(mmk_mmu_map(&a, UVA, 0x800000, 4 * K4, URW, 0), 0);
	for (unsigned i = 0; i < 4; i++)
		KEXPECT_TRUE(sim64_translate(UVA + i * K4, true, &pa)); /* cached under a's PCID */
	mmk_mmu_activate(&b);
	unsigned pcid_b = sim64_pcid();
	KEXPECT_NE(pcid_a, 0);
	KEXPECT_NE(pcid_b, 0);
	KEXPECT_NE(pcid_a, pcid_b);
	KEXPECT_EQ(pcid_a, a.asid);                       /* recorded, not part of the walk */
	/* Edit a while b runs: a's PCID still holds the old entries. */
	KEXPECT_EQ(mmk_mmu_unmap(&a, UVA + K4, K4, NULL), 0);
	KEXPECT_TRUE(a.tlb_stale);
	mmk_mmu_activate(&a);                                 /* the load drops them */
	KEXPECT_EQ(sim64_pcid(), pcid_a);
	KEXPECT_EQ(sim64_stale_tlb_entries(true), 0);
	KEXPECT_FALSE(sim64_translate(UVA + K4, false, &pa));
	/* Control: the same edit with the drop skipped leaves a stale entry, and it is seen. */
	KEXPECT_TRUE(sim64_translate(UVA + 2 * K4, true, &pa));
	mmk_mmu_activate(&b);
	KEXPECT_EQ(mmk_mmu_unmap(&a, UVA + 2 * K4, K4, NULL), 0);
	a.tlb_stale = false;
	mmk_mmu_activate(&a);
	KEXPECT_EQ(sim64_stale_tlb_entries(false), 1);
	x86_64_flush_tlb_global();
	/* Roll-over: with 2-bit PCIDs (three numbers), a fourth space starts a new generation. */
	KASSERT_EQ(mmk_asid_init(&m.mmu.asids, 2, m.mmu.asids.flush_all, m.mmu.asids.ctx), 0);
	struct mmk_mmu_space c, d;
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &c), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &d), 0);
	uint64_t flushes = sim64.global_flushes;
	mmk_mmu_activate(&a);
	mmk_mmu_activate(&b);
	mmk_mmu_activate(&c); /* numbers 1, 2, 3: all there are */
	mmk_mmu_activate(&d);
	KEXPECT_EQ(m.mmu.asids.rollovers, 1);
	KEXPECT_EQ(sim64.global_flushes, flushes + 1);
	KEXPECT_EQ(sim64_stale_tlb_entries(true), 0);
	mmk_mmu_activate(&m.mmu.kernel);
	KEXPECT_EQ(mmk_mmu_space_destroy(&a, NULL, NULL), 0);
	KEXPECT_EQ(mmk_mmu_space_destroy(&b, NULL, NULL), 0);
	KEXPECT_EQ(mmk_mmu_space_destroy(&c, NULL, NULL), 0);
	KEXPECT_EQ(mmk_mmu_space_destroy(&d, NULL, NULL), 0);
	sim64_machine_free(&m);
}

KTEST(mmu_x86_64, with_invpcid_an_inactive_space_is_invalidated_at_once)
{
	struct mmk_mmu_space a, b;
	uint64_t pa;
	sim64_offer_invpcid(true);
	int err = sim64_machine_boot(&m, 64 * 0x100000ull, true, true, true);
	sim64_offer_invpcid(false);
	KASSERT_EQ(err, 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &a), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &b), 0);
	mmk_mmu_activate(&a);
	KASSERT_EQ(mmk_mmu_map(&a, UVA, 0x800000, 2 * K4, URW, 0), 0);
	KEXPECT_TRUE(sim64_translate(UVA, true, &pa));
	mmk_mmu_activate(&b);
	uint64_t before = sim64.invpcids;
	KEXPECT_EQ(mmk_mmu_unmap(&a, UVA, K4, NULL), 0);
	KEXPECT_EQ(sim64.invpcids, before + 1);          /* at once, not at the next load */
	KEXPECT_FALSE(a.tlb_stale);
	mmk_mmu_activate(&a);
	KEXPECT_EQ(sim64_stale_tlb_entries(true), 0);
	KEXPECT_FALSE(sim64_translate(UVA, false, &pa));
	mmk_mmu_activate(&m.mmu.kernel);
	KEXPECT_EQ(mmk_mmu_space_destroy(&a, NULL, NULL), 0);
	KEXPECT_EQ(mmk_mmu_space_destroy(&b, NULL, NULL), 0);
	sim64_machine_free(&m);
}

/* ------------------------------------------------------------ fixed boot mappings */

#define FIXED_VA 0xFFFFC00000000000ull /* a kernel PML4 slot of its own: 3 new tables */
#define OTHER_VA 0xFFFFD00000000000ull
#define DEVICE_PA 0xFEC00000ull        /* above the simulated RAM, like an I/O APIC */
#define UC (RW | MMK_CACHE_UC)

KTEST(mmu_x86_64, init_makes_the_fixed_boot_mappings)
{
	struct mmk_mmu_boot boot = {0};
	struct mmk_mmu_mapping q;
	struct ref64_translation t;
	uint64_t pa;
	sim64_machine_prepare(&m, 64 * 0x100000ull, true, true, true);
	boot.fixed[0] = (struct mmk_mmu_boot_section){FIXED_VA, DEVICE_PA, K4, UC};
	boot.fixed[1] = (struct mmk_mmu_boot_section){OTHER_VA, 0x180000, 2 * K4,
						  MMK_PROT_READ | MMK_PROT_EXEC};
	boot.fixed_count = 2;
	KASSERT_EQ(sim64_machine_start(&m, &boot), 0);
	struct mmk_mmu_space *k = &m.mmu.kernel;
	KEXPECT_EQ(sim64.cr3, k->root);
	KASSERT_EQ(mmk_mmu_query(k, FIXED_VA + 0x20, &q), 0);
	KEXPECT_EQ(q.va, FIXED_VA);
	KEXPECT_EQ(q.pa, DEVICE_PA);
	KEXPECT_EQ(q.page_shift, 12);
	KEXPECT_EQ(q.flags & MMK_CACHE_MASK, MMK_CACHE_UC);
	KEXPECT_FALSE(q.flags & MMK_PROT_USER);
	KEXPECT_TRUE(q.flags & MMK_PROT_WRITE);
	KEXPECT_FALSE(q.flags & MMK_PROT_EXEC);
	KEXPECT_TRUE(agrees(k, FIXED_VA + 0x20));
	KEXPECT_TRUE(walk(k, FIXED_VA + 0x20, &t) && t.pa == DEVICE_PA + 0x20 && !t.user &&
		     t.writable && !t.executable);
	KEXPECT_TRUE(sim64_translate(FIXED_VA + 8, true, &pa) && pa == DEVICE_PA + 8);
	KEXPECT_EQ(mmk_mmu_query(k, FIXED_VA + K4, &q), -MMK_ENOENT); /* one page, no more */
	for (uint64_t va = OTHER_VA; va < OTHER_VA + 2 * K4; va += K4) {
		KASSERT_EQ(mmk_mmu_query(k, va, &q), 0);
		KEXPECT_EQ(q.pa, 0x180000 + (va - OTHER_VA));
		KEXPECT_EQ(q.flags & (MMK_PROT_WRITE | MMK_PROT_EXEC | MMK_PROT_USER | MMK_CACHE_MASK),
			   MMK_PROT_EXEC | MMK_CACHE_WB);
		KEXPECT_TRUE(agrees(k, va));
	}
	KEXPECT_EQ(sim64_stale_tlb_entries(true), 0);
	sim64_machine_free(&m);
}

KTEST(mmu_x86_64, a_bad_fixed_mapping_fails_init_and_keeps_nothing)
{
	static const struct {
		uint64_t va;
		unsigned flags;
		int err;
	} bad[] = {
		{FIXED_VA, UC | MMK_PROT_USER, -MMK_EPERM},
		{FIXED_VA + 0x800, UC, -MMK_EALIGN},
		{HHDM + 4 * M2, UC, -MMK_EEXIST},                 /* the direct map */
		{0xFFFFFFFF80100000ull + 3 * K4, UC, -MMK_EEXIST}, /* the image */
		{UVA, UC, -MMK_ERANGE},                           /* the user half */
		{FIXED_VA, UC | 0x8000, -MMK_EINVAL},
	};
	struct mmk_mmu_boot boot = {0};
	sim64_machine_prepare(&m, 64 * 0x100000ull, true, true, true);
	uint64_t frames = m.pmm.free_frames;
	/* A good entry first: its tables must go back too. */
	boot.fixed[0] = (struct mmk_mmu_boot_section){OTHER_VA, DEVICE_PA + K4, K4, UC};
	boot.fixed_count = 2;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		boot.fixed[1] = (struct mmk_mmu_boot_section){bad[i].va, DEVICE_PA, K4, bad[i].flags};
		int err = sim64_machine_start(&m, &boot);
		KEXPECT_EQ(err, bad[i].err);
		KEXPECT_GE(m.mmu.stats.tables_allocated, 3);     /* the good entry was made */
		KEXPECT_EQ(m.pmm.free_frames, frames);
		KEXPECT_EQ(sim64.cr3, 0);                         /* the boot's, still */
		KEXPECT_EQ(sim64.cr3_loads, 0);
	}
	/* Every entry good, but one more than there are. */
	for (unsigned i = 0; i < MMK_MMU_BOOT_FIXED; i++)
		boot.fixed[i] = (struct mmk_mmu_boot_section){OTHER_VA + i * K4, DEVICE_PA + i * K4, K4, UC};
	boot.fixed_count = MMK_MMU_BOOT_FIXED + 1;
	KEXPECT_EQ(sim64_machine_start(&m, &boot), -MMK_EINVAL);
	KEXPECT_EQ(m.pmm.free_frames, frames);
	KEXPECT_EQ(mmk_pmm_check(&m.pmm), 0);
	boot.fixed_count = MMK_MMU_BOOT_FIXED; /* the same machine still boots, with all of them */
	KASSERT_EQ(sim64_machine_start(&m, &boot), 0);
	KEXPECT_EQ(sim64.cr3, m.mmu.kernel.root);
	for (unsigned i = 0; i < MMK_MMU_BOOT_FIXED; i++) {
		struct mmk_mmu_mapping q;
		KEXPECT_TRUE(mmk_mmu_query(&m.mmu.kernel, OTHER_VA + i * K4, &q) == 0 &&
			     q.pa == DEVICE_PA + i * K4);
		KEXPECT_TRUE(agrees(&m.mmu.kernel, OTHER_VA + i * K4));
	}
	KEXPECT_LT(m.pmm.free_frames, frames);
	sim64_machine_free(&m);
}

KTEST(mmu_x86_64, init_out_of_memory_at_every_allocation_keeps_nothing)
{
	struct mmk_mmu_boot boot = {0};
	sim64_machine_prepare(&m, 64 * 0x100000ull, true, true, true);
	uint64_t frames = m.pmm.free_frames;
	KASSERT_EQ(sim64_machine_start(&m, NULL), 0);
	uint64_t plain = frames - m.pmm.free_frames; /* allocations without fixed mappings */
	sim64_machine_free(&m);

	sim64_machine_prepare(&m, 64 * 0x100000ull, true, true, true);
	boot.fixed[0] = (struct mmk_mmu_boot_section){FIXED_VA, DEVICE_PA, K4, UC};
	boot.fixed_count = 1;
	unsigned failures = 0, tries = 0;
	for (uint64_t nth = 1;; nth++, tries++) {
		mmk_pmm_inject_failure(&m.pmm, nth);
		int err = sim64_machine_start(&m, &boot);
		mmk_pmm_inject_failure(&m.pmm, 0);
		if (err == 0)
			break;
		if (err != -MMK_ENOMEM || m.pmm.free_frames != frames || sim64.cr3 != 0 ||
		    mmk_pmm_check(&m.pmm) != 0)
			failures++;
	}
	KEXPECT_EQ(failures, 0);
	KEXPECT_EQ(tries, plain + 3); /* + the PDPT, PD and PT of the fixed page */
	KEXPECT_EQ(frames - m.pmm.free_frames, tries);
	KEXPECT_TRUE(agrees(&m.mmu.kernel, FIXED_VA));
	sim64_machine_free(&m);
}

/* Regression: splitting a 2 MiB page of the HHDM split the PMM block behind it. */
KTEST(mmu_x86_64, splitting_the_hhdm_leaves_pmm_blocks_whole)
{
	struct mmk_mmu_mapping q;
	mmk_paddr_t pa;
	KASSERT_EQ(sim64_machine_boot(&m, 64 * 0x100000ull, true, true, true), 0);
	KASSERT_EQ(mmk_pmm_alloc_block(&m.pmm, 9, &pa), 0); /* 2 MiB: one HHDM page */
	KASSERT_EQ(mmk_mmu_query(&m.mmu.kernel, HHDM + pa, &q), 0);
	KEXPECT_EQ(q.page_shift, 21);
	KEXPECT_EQ(mmk_mmu_protect(&m.mmu.kernel, HHDM + pa + K4, K4, MMK_PROT_READ | MMK_PROT_GLOBAL, NULL), 0);
	KASSERT_EQ(mmk_mmu_query(&m.mmu.kernel, HHDM + pa, &q), 0);
	KEXPECT_EQ(q.page_shift, 12); /* split */
	KEXPECT_EQ(mmk_pmm_free_block(&m.pmm, pa, 9), 0); /* still the caller's block */
	KEXPECT_EQ(mmk_pmm_check(&m.pmm), 0);
	sim64_machine_free(&m);
}
