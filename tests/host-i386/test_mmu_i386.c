/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The i386 MMU backend (arch/i386/mmu.c) on a simulated i386 (hosted/i386/sim.c).
 * Every result is checked against the reference walk (hosted/i386/refmmu.c), which
 * reads the tables in simulated RAM the way the CPU does, and against the simulated
 * TLB: a missing invalidation leaves a stale entry and fails the test.
 */
#include <mmukit/errno.h>
#include <mmukit/ktest.h>
#include <mmukit/mmu.h>
#include <mmukit/pmm.h>
#include <mmukit/services.h>

#include "sim.h"

#define RAM (64 * MMK_MIB)
#define RW (MMK_PROT_READ | MMK_PROT_WRITE)
#define KB4 MMK_PAGE_SIZE
#define MB4 (4 * MMK_MIB)
#define UVA 0x40000000u /* where the user tests map */

static struct sim_machine m;

static bool walk(const struct mmk_mmu_space *s, uint32_t va, struct ref_translation *t)
{
	return ref_walk(sim.ram, sim.ram_size, (uint32_t)s->root, sim.pse, va, t);
}

/* The reference walk agrees with mmk_mmu_query at va: same frame, size and rights. */
static bool agrees(const struct mmk_mmu_space *s, uint32_t va)
{
	struct ref_translation t;
	struct mmk_mmu_mapping q;
	bool present = walk(s, va, &t);
	int err = mmk_mmu_query(s, va, &q);
	if (!present)
		return err == -MMK_ENOENT;
	return err == 0 && q.pa + (va - q.va) == t.pa && (1u << q.page_shift) == t.page_size &&
	       !!(q.flags & MMK_PROT_WRITE) == t.writable && !!(q.flags & MMK_PROT_USER) == t.user;
}

static uint64_t free_frames(void)
{
	return m.pmm.free_frames;
}

KTEST(mmu_i386, init_builds_a_recursive_higher_half_kernel_space)
{
	for (int pse = 0; pse <= 1; pse++) {
		KASSERT_EQ(sim_machine_boot(&m, RAM, pse, true), 0);
		struct mmk_mmu_space *k = &m.mmu.kernel;
		struct ref_translation t;
		KEXPECT_EQ(sim.cr3, k->root);
		KEXPECT_TRUE(m.mmu.active == k);
		KEXPECT_TRUE(mmk_pmm_refcount(&m.pmm, k->root) == 1); /* from the PMM, tracked */
		KEXPECT_TRUE(walk(k, 0xC0100000u, &t) && t.pa == 0x100000 && t.global);
		KEXPECT_FALSE(walk(k, 0x0, &t));      /* page 0 and the boot identity map: gone */
		KEXPECT_FALSE(walk(k, 0x100000, &t));
		KEXPECT_TRUE(walk(k, 0xFFFFF000u, &t) && t.pa == k->root); /* the PD itself */
		KEXPECT_TRUE(walk(k, 0xFFFFFFFCu, &t) && t.pa == k->root + 4092);
		KEXPECT_TRUE(walk(k, 0xFF400000u, &t) && t.pa == k->root); /* its slot */
		KEXPECT_EQ(mmk_mmu_page_shifts(&m.mmu), pse ? (1u << 12 | 1u << 22) : 1u << 12);
		/* Table 768 through the window: its first entry maps physical 0. */
		uint64_t pa;
		KEXPECT_TRUE(sim_translate(0xFFC00000u + 768 * 4096, false, &pa));
		uint32_t first = *(uint32_t *)sim_phys(pa);
		KEXPECT_EQ(first & 0xFFFFF000u, pse ? 0x0 : 0x0);
		KEXPECT_EQ(sim_stale_tlb_entries(true), 0);
		sim_machine_free(&m);
	}
}

KTEST(mmu_i386, map_query_unmap_in_a_user_space)
{
	struct mmk_mmu_space u;
	KASSERT_EQ(sim_machine_boot(&m, RAM, true, true), 0);
	uint64_t before = free_frames();
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &u), 0);
	KEXPECT_EQ(mmk_mmu_map(&u, UVA, 0x800000, 3 * KB4, RW | MMK_PROT_USER, 0), 0);
	struct mmk_mmu_mapping q;
	KASSERT_EQ(mmk_mmu_query(&u, UVA + KB4 + 5, &q), 0);
	KEXPECT_EQ(q.va, UVA + KB4);
	KEXPECT_EQ(q.pa, 0x801000);
	KEXPECT_EQ(q.page_shift, 12);
	KEXPECT_TRUE(q.flags & MMK_PROT_USER);
	for (uint32_t va = UVA - KB4; va <= UVA + 3 * KB4; va += KB4)
		KEXPECT_TRUE(agrees(&u, va));
	KEXPECT_EQ(u.table_pages, 1);
	KEXPECT_EQ(mmk_mmu_unmap(&u, UVA, 3 * KB4, NULL), 0);
	KEXPECT_EQ(mmk_mmu_query(&u, UVA, &q), -MMK_ENOENT);
	KEXPECT_EQ(u.table_pages, 0); /* the emptied table went back */
	KEXPECT_EQ(mmk_mmu_space_destroy(&u, mmk_pmm_release_frames, &m.pmm), 0);
	KEXPECT_EQ(free_frames(), before);
	KEXPECT_EQ(sim_stale_tlb_entries(true), 0);
	sim_machine_free(&m);
}

KTEST(mmu_i386, large_pages_where_alignment_allows)
{
	struct mmk_mmu_space u;
	struct mmk_mmu_mapping q;
	KASSERT_EQ(sim_machine_boot(&m, RAM, true, true), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &u), 0);
	/* 4 KiB short of 4 MiB alignment at the start: small pages, then a large one. */
	KEXPECT_EQ(mmk_mmu_map(&u, UVA + MB4 - KB4, 0x1000000 - KB4, MB4 + KB4, RW, 0), 0);
	KASSERT_EQ(mmk_mmu_query(&u, UVA + MB4 - KB4, &q), 0);
	KEXPECT_EQ(q.page_shift, 12);
	KASSERT_EQ(mmk_mmu_query(&u, UVA + MB4 + 123, &q), 0);
	KEXPECT_EQ(q.page_shift, 22);
	KEXPECT_EQ(q.pa, 0x1000000);
	/* Forced 4 KiB pages. */
	KEXPECT_EQ(mmk_mmu_map(&u, UVA + 4 * MB4, 0x1000000, MB4, RW, 12), 0);
	KASSERT_EQ(mmk_mmu_query(&u, UVA + 4 * MB4, &q), 0);
	KEXPECT_EQ(q.page_shift, 12);
	/* Unmapping part of the large page splits it: the rest stays mapped. */
	uint64_t before = free_frames();
	KEXPECT_EQ(mmk_mmu_unmap(&u, UVA + MB4 + 8 * KB4, 2 * KB4, NULL), 0);
	KEXPECT_EQ(free_frames(), before - 1); /* the table that replaced the 4 MiB entry */
	KEXPECT_EQ(mmk_mmu_query(&u, UVA + MB4 + 8 * KB4, &q), -MMK_ENOENT);
	KASSERT_EQ(mmk_mmu_query(&u, UVA + MB4 + 10 * KB4, &q), 0);
	KEXPECT_EQ(q.pa, 0x100A000);
	KEXPECT_EQ(q.page_shift, 12);
	/* Protect part of another large page. */
	KEXPECT_EQ(mmk_mmu_map(&u, UVA + 8 * MB4, 0x2000000, MB4, RW, 22), 0);
	KEXPECT_EQ(mmk_mmu_protect(&u, UVA + 8 * MB4, KB4, MMK_PROT_READ, NULL), 0);
	KASSERT_EQ(mmk_mmu_query(&u, UVA + 8 * MB4, &q), 0);
	KEXPECT_FALSE(q.flags & MMK_PROT_WRITE);
	KASSERT_EQ(mmk_mmu_query(&u, UVA + 8 * MB4 + KB4, &q), 0);
	KEXPECT_TRUE(q.flags & MMK_PROT_WRITE);
	for (uint32_t va = UVA; va < UVA + 9 * MB4; va += KB4)
		if (!agrees(&u, va))
			KEXPECT_TRUE(agrees(&u, va));
	KEXPECT_EQ(mmk_mmu_space_destroy(&u, NULL, NULL), 0);
	sim_machine_free(&m);
}

/* A fingerprint of everything mapped in [UVA, UVA + 16 MiB) of a space. */
static uint64_t fingerprint(const struct mmk_mmu_space *s)
{
	uint64_t h = 1469598103934665603ull;
	for (uint32_t va = UVA; va < UVA + 4 * MB4; va += KB4) {
		struct ref_translation t;
		uint64_t v = walk(s, va, &t) ? t.pa ^ ((uint64_t)t.writable << 60) : 7;
		h = (h ^ v) * 1099511628211ull;
	}
	return h;
}

KTEST(mmu_i386, bad_input_is_refused_and_changes_nothing)
{
	struct mmk_mmu_space u;
	KASSERT_EQ(sim_machine_boot(&m, RAM, true, true), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &u), 0);
	KASSERT_EQ(mmk_mmu_map(&u, UVA, 0x800000, 2 * KB4, RW, 0), 0);
	uint64_t fp = fingerprint(&u), frames = free_frames();

	KEXPECT_EQ(mmk_mmu_map(&u, UVA + 0x10, 0x900000, KB4, RW, 0), -MMK_EALIGN);
	KEXPECT_EQ(mmk_mmu_map(&u, UVA + 8 * KB4, 0x900010, KB4, RW, 0), -MMK_EALIGN);
	KEXPECT_EQ(mmk_mmu_map(&u, UVA + 8 * KB4, 0x900000, KB4 + 1, RW, 0), -MMK_EALIGN);
	KEXPECT_EQ(mmk_mmu_map(&u, UVA + 8 * KB4, 0x900000, 0, RW, 0), -MMK_EINVAL);
	KEXPECT_EQ(mmk_mmu_map(&u, UVA + 8 * KB4, 0x900000, KB4, 0, 0), -MMK_EINVAL);
	KEXPECT_EQ(mmk_mmu_map(&u, UVA + 8 * KB4, 0x900000, KB4, RW | 0x8000, 0), -MMK_EINVAL);
	KEXPECT_EQ(mmk_mmu_map(&u, UVA + 8 * KB4, 0x900000, KB4, RW, 21), -MMK_EINVAL);
	KEXPECT_EQ(mmk_mmu_map(&u, UVA + 8 * KB4, 0x900000, MB4, RW, 22), -MMK_EALIGN);
	KEXPECT_EQ(mmk_mmu_map(&u, 0x0, 0x900000, KB4, RW, 0), -MMK_ERANGE);          /* page 0 */
	KEXPECT_EQ(mmk_mmu_map(&u, 0xC0000000u, 0x900000, KB4, RW, 0), -MMK_ERANGE);  /* kernel */
	KEXPECT_EQ(mmk_mmu_map(&u, 0xBFFFF000u, 0x900000, 2 * KB4, RW, 0), -MMK_ERANGE);
	KEXPECT_EQ(mmk_mmu_map(&u, 0xFFFFF000u, 0x900000, 2 * KB4, RW, 0), -MMK_ERANGE); /* wraps */
	KEXPECT_EQ(mmk_mmu_map(&u, UVA + 8 * KB4, 0xFFFFF000ull, 2 * KB4, RW, 0), -MMK_ERANGE);
	KEXPECT_EQ(mmk_mmu_map(&u, UVA - KB4, 0x900000, 3 * KB4, RW, 0), -MMK_EEXIST);
	KEXPECT_EQ(mmk_mmu_map(&m.mmu.kernel, 0xD0000000u, 0x900000, KB4, RW | MMK_PROT_USER, 0),
		   -MMK_EPERM);
	KEXPECT_EQ(mmk_mmu_unmap(&u, UVA, 3 * KB4, NULL), -MMK_ENOENT);
	KEXPECT_EQ(mmk_mmu_unmap(&u, UVA + 1, KB4, NULL), -MMK_EALIGN);
	KEXPECT_EQ(mmk_mmu_protect(&u, UVA, 3 * KB4, MMK_PROT_READ, NULL), -MMK_ENOENT);
	KEXPECT_EQ(mmk_mmu_protect(&u, UVA, KB4, 0x8000, NULL), -MMK_EINVAL);
	KEXPECT_EQ(mmk_mmu_space_destroy(&m.mmu.kernel, NULL, NULL), -MMK_EINVAL);
	KEXPECT_EQ(mmk_mmu_space_destroy(m.mmu.active, NULL, NULL), -MMK_EINVAL);

	KEXPECT_EQ(fingerprint(&u), fp);
	KEXPECT_EQ(free_frames(), frames);
	KEXPECT_EQ(mmk_pmm_check(&m.pmm), 0);
	KEXPECT_EQ(mmk_mmu_space_destroy(&u, NULL, NULL), 0);
	sim_machine_free(&m);
}

KTEST(mmu_i386, out_of_memory_at_every_allocation_rolls_back)
{
	struct mmk_mmu_space u;
	unsigned failures = 0, tries = 0;
	KASSERT_EQ(sim_machine_boot(&m, RAM, true, true), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &u), 0);
	/* 5 tables' worth of 4 KiB pages, straddling directory entries. */
	for (uint64_t nth = 1;; nth++, tries++) {
		uint64_t fp = fingerprint(&u), frames = free_frames();
		mmk_pmm_inject_failure(&m.pmm, nth);
		int err = mmk_mmu_map(&u, UVA + MB4 - 2 * KB4, 0x800000, 4 * MB4, RW, 12);
		mmk_pmm_inject_failure(&m.pmm, 0);
		if (err == 0)
			break;
		if (err != -MMK_ENOMEM || fingerprint(&u) != fp || free_frames() != frames)
			failures++;
	}
	KEXPECT_EQ(tries, 5);
	KEXPECT_EQ(failures, 0);
	/* Split tables in unmap and protect, and a new space's directory. */
	KEXPECT_EQ(mmk_mmu_map(&u, UVA + 8 * MB4, 0x2000000, MB4, RW, 22), 0);
	uint64_t fp = fingerprint(&u), frames = free_frames();
	mmk_pmm_inject_failure(&m.pmm, 1);
	KEXPECT_EQ(mmk_mmu_unmap(&u, UVA + 8 * MB4, KB4, NULL), -MMK_ENOMEM);
	mmk_pmm_inject_failure(&m.pmm, 1);
	KEXPECT_EQ(mmk_mmu_protect(&u, UVA + 8 * MB4, KB4, MMK_PROT_READ, NULL), -MMK_ENOMEM);
	struct mmk_mmu_space other;
	mmk_pmm_inject_failure(&m.pmm, 1);
	KEXPECT_EQ(mmk_mmu_space_create(&m.mmu, &other), -MMK_ENOMEM);
	mmk_pmm_inject_failure(&m.pmm, 0);
	KEXPECT_EQ(fingerprint(&u), fp);
	KEXPECT_EQ(free_frames(), frames);
	KEXPECT_EQ(mmk_mmu_space_destroy(&u, NULL, NULL), 0);
	sim_machine_free(&m);
}

KTEST(mmu_i386, unmap_and_protect_invalidate_what_the_tlb_holds)
{
	struct mmk_mmu_space u;
	uint64_t pa;
	KASSERT_EQ(sim_machine_boot(&m, RAM, true, true), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &u), 0);
	mmk_mmu_activate(&u);
	KASSERT_EQ(mmk_mmu_map(&u, UVA, 0x800000, 64 * KB4, RW | MMK_PROT_USER, 0), 0);
	for (uint32_t i = 0; i < 64; i++)
		KEXPECT_TRUE(sim_translate(UVA + i * KB4, true, &pa));
	KEXPECT_EQ(mmk_mmu_protect(&u, UVA, 4 * KB4, MMK_PROT_READ | MMK_PROT_USER, NULL), 0);
	KEXPECT_EQ(sim_stale_tlb_entries(true), 0);
	KEXPECT_FALSE(sim_translate(UVA, true, &pa)); /* now read-only */
	KEXPECT_EQ(mmk_mmu_unmap(&u, UVA + 8 * KB4, 2 * KB4, NULL), 0);   /* INVLPG each */
	KEXPECT_EQ(sim_stale_tlb_entries(true), 0);
	uint64_t flushes = m.mmu.stats.tlb_full_flushes;
	KEXPECT_EQ(mmk_mmu_unmap(&u, UVA + 16 * KB4, 48 * KB4, NULL), 0);  /* above the threshold */
	KEXPECT_EQ(m.mmu.stats.tlb_full_flushes, flushes + 1);
	KEXPECT_EQ(sim_stale_tlb_entries(true), 0);
	/* Kernel mappings: global entries survive a CR3 load, so INVLPG must catch them. */
	KASSERT_EQ(mmk_mmu_map(&m.mmu.kernel, 0xD0000000u, 0x900000, KB4, RW | MMK_PROT_GLOBAL, 0), 0);
	KEXPECT_TRUE(sim_translate(0xD0000000u, true, &pa));
	mmk_mmu_activate(&m.mmu.kernel);
	KEXPECT_EQ(mmk_mmu_unmap(&m.mmu.kernel, 0xD0000000u, KB4, NULL), 0);
	KEXPECT_EQ(sim_stale_tlb_entries(true), 0);
	/* Past the threshold in the kernel half: the global entries need a global flush. */
	KASSERT_EQ(mmk_mmu_map(&m.mmu.kernel, 0xD0000000u, 0x900000, 48 * KB4, RW | MMK_PROT_GLOBAL, 0), 0);
	for (uint32_t i = 0; i < 48; i++)
		KEXPECT_TRUE(sim_translate(0xD0000000u + i * KB4, true, &pa));
	uint64_t global = sim.global_flushes;
	KEXPECT_EQ(mmk_mmu_unmap(&m.mmu.kernel, 0xD0000000u, 48 * KB4, NULL), 0);
	KEXPECT_EQ(sim.global_flushes, global + 1);
	KEXPECT_EQ(sim_stale_tlb_entries(true), 0);
	KEXPECT_EQ(mmk_mmu_space_destroy(&u, NULL, NULL), 0);
	KEXPECT_EQ(sim_stale_tlb_entries(true), 0);
	sim_machine_free(&m);
}

KTEST(mmu_i386, the_stale_entry_check_catches_a_missing_invalidation)
{
	struct mmk_mmu_space *k;
	uint64_t pa;
	KASSERT_EQ(sim_machine_boot(&m, RAM, true, true), 0);
	k = &m.mmu.kernel;
	KASSERT_EQ(mmk_mmu_map(k, 0xD0000000u, 0x900000, KB4, RW, 0), 0);
	KEXPECT_TRUE(sim_translate(0xD0000000u, false, &pa));
	/* Clear the PTE behind the backend's back, with no INVLPG. */
	struct ref_translation t;
	KASSERT_TRUE(walk(k, 0xFFC00000u + (0xD0000000u >> 22) * 4096, &t));
	*(uint32_t *)sim_phys(t.pa) = 0;
	KEXPECT_EQ(sim_stale_tlb_entries(false), 1);
	sim_machine_free(&m);
}

KTEST(mmu_i386, kernel_mappings_made_later_appear_in_every_space)
{
	struct mmk_mmu_space a, b;
	struct ref_translation t;
	KASSERT_EQ(sim_machine_boot(&m, RAM, false, true), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &a), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &b), 0);
	mmk_mmu_activate(&a);
	/* A new kernel table (0xE0000000 was never mapped) while a is active. */
	KASSERT_EQ(mmk_mmu_map(&m.mmu.kernel, 0xE0000000u, 0x900000, KB4, RW, 0), 0);
	KEXPECT_TRUE(walk(&a, 0xE0000000u, &t) && t.pa == 0x900000);
	KEXPECT_TRUE(walk(&b, 0xE0000000u, &t) && t.pa == 0x900000);
	KEXPECT_TRUE(walk(&m.mmu.kernel, 0xE0000000u, &t) && t.pa == 0x900000);
	/* Kernel tables are kept when empty: shared by every space. */
	KEXPECT_EQ(mmk_mmu_unmap(&m.mmu.kernel, 0xE0000000u, KB4, NULL), 0);
	KEXPECT_FALSE(walk(&b, 0xE0000000u, &t));
	struct mmk_mmu_space c;
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &c), 0);
	KASSERT_EQ(mmk_mmu_map(&m.mmu.kernel, 0xE0001000u, 0x901000, KB4, RW, 0), 0);
	KEXPECT_TRUE(walk(&c, 0xE0001000u, &t) && t.pa == 0x901000);
	/* Each directory is at its own kernel address, and is its own recursive slot. */
	KEXPECT_NE((uintptr_t)a.md.root_va, (uintptr_t)b.md.root_va);
	KEXPECT_TRUE(walk(&m.mmu.kernel, (uint32_t)(uintptr_t)b.md.root_va, &t) && t.pa == b.root);
	KEXPECT_TRUE(walk(&b, 0xFFFFF000u, &t) && t.pa == b.root);
	mmk_mmu_activate(&m.mmu.kernel);
	KEXPECT_EQ(mmk_mmu_space_destroy(&a, mmk_pmm_release_frames, &m.pmm), 0);
	KEXPECT_EQ(mmk_mmu_space_destroy(&b, mmk_pmm_release_frames, &m.pmm), 0);
	KEXPECT_EQ(mmk_mmu_space_destroy(&c, mmk_pmm_release_frames, &m.pmm), 0);
	KEXPECT_EQ(sim_stale_tlb_entries(true), 0);
	sim_machine_free(&m);
}

KTEST(mmu_i386, zero_and_copy_frames)
{
	KASSERT_EQ(sim_machine_boot(&m, RAM, true, true), 0);
	mmk_paddr_t a, b;
	KASSERT_EQ(mmk_pmm_alloc(&m.pmm, &a), 0);
	KASSERT_EQ(mmk_pmm_alloc(&m.pmm, &b), 0);
	uint8_t *pa = sim_phys(a), *pb = sim_phys(b);
	for (unsigned i = 0; i < 4096; i++) {
		pa[i] = (uint8_t)(i * 7 + 1);
		pb[i] = 0xEE;
	}
	mmk_mmu_copy_frame(&m.mmu, b, a);
	unsigned differ = 0;
	for (unsigned i = 0; i < 4096; i++)
		differ += pb[i] != (uint8_t)(i * 7 + 1);
	KEXPECT_EQ(differ, 0);
	mmk_mmu_zero_frame(&m.mmu, a);
	unsigned nonzero = 0;
	for (unsigned i = 0; i < 4096; i++)
		nonzero += pa[i] != 0;
	KEXPECT_EQ(nonzero, 0);
	KEXPECT_EQ(pb[5], (uint8_t)36); /* the copy was left alone */
	KEXPECT_EQ(sim_stale_tlb_entries(true), 0);
	sim_machine_free(&m);
}

static int count_visit(void *ctx, const struct mmk_mmu_mapping *mp)
{
	unsigned *n = ctx;
	(*n)++;
	return mp->va == UVA + 2 * KB4 ? 99 : 0;
}

KTEST(mmu_i386, walk_visits_mappings_in_order_and_can_stop)
{
	struct mmk_mmu_space u;
	unsigned n = 0;
	KASSERT_EQ(sim_machine_boot(&m, RAM, true, true), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &u), 0);
	KASSERT_EQ(mmk_mmu_map(&u, UVA, 0x800000, 4 * KB4, RW, 0), 0);
	KASSERT_EQ(mmk_mmu_map(&u, UVA + 2 * MB4, 0x1000000, MB4, RW, 0), 0);
	KEXPECT_EQ(mmk_mmu_walk(&u, 0, 0xC0000000u, count_visit, &n), 99);
	KEXPECT_EQ(n, 3);
	n = 0;
	KEXPECT_EQ(mmk_mmu_walk(&u, UVA + 3 * KB4, 0xC0000000u, count_visit, &n), 0);
	KEXPECT_EQ(n, 2); /* the last small page and the large one */
	mmk_mmu_print_walk(&u, UVA);
	KEXPECT_EQ(mmk_mmu_space_destroy(&u, NULL, NULL), 0);
	sim_machine_free(&m);
}

/* ------------------------------------------------------------ fixed boot mappings */

#define FIXED_VA 0xE0000000u /* a kernel directory entry of its own: one new table */
#define OTHER_VA 0xD0000000u
#define DEVICE_PA 0xFEC00000u /* above the simulated RAM, like an I/O APIC */
#define UC (RW | MMK_CACHE_UC)

KTEST(mmu_i386, init_makes_the_fixed_boot_mappings)
{
	for (int pse = 0; pse <= 1; pse++) {
		struct mmk_mmu_boot boot = {0};
		struct mmk_mmu_mapping q;
		struct ref_translation t;
		uint64_t pa;
		sim_machine_prepare(&m, RAM, pse, true);
		boot.fixed[0] = (struct mmk_mmu_boot_section){FIXED_VA, DEVICE_PA, KB4, UC};
		boot.fixed[1] = (struct mmk_mmu_boot_section){OTHER_VA, 0x180000, 2 * KB4, MMK_PROT_READ};
		boot.fixed_count = 2;
		KASSERT_EQ(sim_machine_start(&m, &boot), 0);
		struct mmk_mmu_space *k = &m.mmu.kernel;
		KEXPECT_EQ(sim.cr3, k->root);
		KASSERT_EQ(mmk_mmu_query(k, FIXED_VA + 0x20, &q), 0);
		KEXPECT_EQ(q.va, FIXED_VA);
		KEXPECT_EQ(q.pa, DEVICE_PA);
		KEXPECT_EQ(q.page_shift, 12);
		KEXPECT_EQ(q.flags & MMK_CACHE_MASK, MMK_CACHE_UC);
		KEXPECT_FALSE(q.flags & MMK_PROT_USER);
		KEXPECT_TRUE(q.flags & MMK_PROT_WRITE);
		KEXPECT_TRUE(agrees(k, FIXED_VA + 0x20));
		KEXPECT_TRUE(walk(k, FIXED_VA + 0x20, &t) && t.pa == DEVICE_PA + 0x20 && !t.user &&
			     t.writable);
		KEXPECT_EQ(t.leaf & 0x18, 0x18); /* PCD and PWT: UC (SDM Vol 3A 11.12.3) */
		KEXPECT_TRUE(sim_translate(FIXED_VA + 8, true, &pa) && pa == DEVICE_PA + 8);
		KEXPECT_EQ(mmk_mmu_query(k, FIXED_VA + KB4, &q), -MMK_ENOENT); /* one page, no more */
		for (uint32_t va = OTHER_VA; va < OTHER_VA + 2 * KB4; va += KB4) {
			KASSERT_EQ(mmk_mmu_query(k, va, &q), 0);
			KEXPECT_EQ(q.pa, 0x180000 + (va - OTHER_VA));
			KEXPECT_EQ(q.flags & (MMK_PROT_WRITE | MMK_PROT_USER | MMK_CACHE_MASK),
				   MMK_CACHE_WB);
			KEXPECT_TRUE(agrees(k, va));
		}
		KEXPECT_EQ(sim_stale_tlb_entries(true), 0);
		sim_machine_free(&m);
	}
}

KTEST(mmu_i386, a_bad_fixed_mapping_fails_init_and_keeps_nothing)
{
	static const struct {
		uint32_t va;
		unsigned flags;
		int err;
	} bad[] = {
		{FIXED_VA, UC | MMK_PROT_USER, -MMK_EPERM},
		{FIXED_VA + 0x800, UC, -MMK_EALIGN},
		{0xC0100000u + 3 * KB4, UC, -MMK_EEXIST}, /* the low-memory window: the image */
		{UVA, UC, -MMK_ERANGE},                   /* the user half */
		{0xFF400000u, UC, -MMK_ERANGE},         /* the directory slots */
		{FIXED_VA, UC | 0x8000, -MMK_EINVAL},
	};
	for (int pse = 0; pse <= 1; pse++) {
		struct mmk_mmu_boot boot = {0};
		sim_machine_prepare(&m, RAM, pse, true);
		uint64_t frames = free_frames();
		/* A good entry first: its table must go back too. */
		boot.fixed[0] = (struct mmk_mmu_boot_section){OTHER_VA, DEVICE_PA + KB4, KB4, UC};
		boot.fixed_count = 2;
		for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			boot.fixed[1] = (struct mmk_mmu_boot_section){bad[i].va, DEVICE_PA, KB4, bad[i].flags};
			KEXPECT_EQ(sim_machine_start(&m, &boot), bad[i].err);
			KEXPECT_GE(m.mmu.stats.tables_allocated, 2); /* slots, the good entry's */
			KEXPECT_EQ(free_frames(), frames);
			KEXPECT_EQ(sim.cr3, SIM_BOOT_PD);             /* the boot's, still */
			KEXPECT_EQ(*(uint32_t *)sim_phys(SIM_BOOT_PD + 1022 * 4), 0); /* no alternate */
			KEXPECT_EQ(sim_stale_tlb_entries(true), 0);
			KEXPECT_EQ(sim.freed_table_uses, 0); /* tables freed after the TLB let go */
		}
		/* Every entry good, but one more than there are. */
		for (unsigned i = 0; i < MMK_MMU_BOOT_FIXED; i++)
			boot.fixed[i] = (struct mmk_mmu_boot_section){OTHER_VA + i * KB4, DEVICE_PA + i * KB4,
								  KB4, UC};
		boot.fixed_count = MMK_MMU_BOOT_FIXED + 1;
		KEXPECT_EQ(sim_machine_start(&m, &boot), -MMK_EINVAL);
		KEXPECT_EQ(free_frames(), frames);
		KEXPECT_EQ(mmk_pmm_check(&m.pmm), 0);
		boot.fixed_count = MMK_MMU_BOOT_FIXED; /* the same machine still boots, with all */
		KASSERT_EQ(sim_machine_start(&m, &boot), 0);
		KEXPECT_EQ(sim.cr3, m.mmu.kernel.root);
		for (unsigned i = 0; i < MMK_MMU_BOOT_FIXED; i++) {
			struct mmk_mmu_mapping q;
			KEXPECT_TRUE(mmk_mmu_query(&m.mmu.kernel, OTHER_VA + i * KB4, &q) == 0 &&
				     q.pa == DEVICE_PA + i * KB4);
			KEXPECT_TRUE(agrees(&m.mmu.kernel, OTHER_VA + i * KB4));
		}
		KEXPECT_LT(free_frames(), frames);
		sim_machine_free(&m);
	}
}

KTEST(mmu_i386, init_out_of_memory_at_every_allocation_keeps_nothing)
{
	for (int pse = 0; pse <= 1; pse++) {
		struct mmk_mmu_boot boot = {0};
		sim_machine_prepare(&m, RAM, pse, true);
		uint64_t frames = free_frames();
		KASSERT_EQ(sim_machine_start(&m, NULL), 0);
		uint64_t plain = frames - free_frames(); /* allocations without fixed mappings */
		sim_machine_free(&m);

		sim_machine_prepare(&m, RAM, pse, true);
		boot.fixed[0] = (struct mmk_mmu_boot_section){FIXED_VA, DEVICE_PA, KB4, UC};
		boot.fixed_count = 1;
		unsigned failures = 0, tries = 0;
		for (uint64_t nth = 1;; nth++, tries++) {
			mmk_pmm_inject_failure(&m.pmm, nth);
			int err = sim_machine_start(&m, &boot);
			mmk_pmm_inject_failure(&m.pmm, 0);
			if (err == 0)
				break;
			if (err != -MMK_ENOMEM || free_frames() != frames || sim.cr3 != SIM_BOOT_PD ||
			    sim_stale_tlb_entries(true) != 0 || mmk_pmm_check(&m.pmm) != 0 ||
			    sim.freed_table_uses != 0)
				failures++;
		}
		KEXPECT_EQ(failures, 0);
		KEXPECT_EQ(tries, plain + 1); /* + the fixed page's table */
		KEXPECT_EQ(frames - free_frames(), tries);
		KEXPECT_TRUE(agrees(&m.mmu.kernel, FIXED_VA));
		sim_machine_free(&m);
	}
}

/* ------------------------------------------------------------ random sequence */

#define SPACES 3
#define PAGES 4096 /* the model covers [UVA, UVA + 16 MiB) */

struct model_page {
	uint32_t pa; /* 0: unmapped */
	bool writable;
};

static struct model_page model[SPACES][PAGES];
static struct mmk_mmu_space spaces[SPACES];

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	return ktest_random_below(&rng_state, n);
}

/* Model of the result of a call, or false when the call must fail. */
static bool model_range(int s, uint32_t first, uint32_t n, bool want_mapped)
{
	for (uint32_t i = first; i < first + n; i++)
		if ((model[s][i].pa != 0) != want_mapped)
			return false;
	return true;
}

/* A run of mapped pages (up to 12, or 1024 for large) starting at a random mapped page. */
static bool pick_mapped_run(int s, bool large, uint32_t *first, uint32_t *n)
{
	uint32_t p = rnd(PAGES), tries = 0;
	while (model[s][p].pa == 0 && tries++ < PAGES)
		p = (p + 1) % PAGES;
	if (model[s][p].pa == 0)
		return false;
	uint32_t max = large ? 1024 : 1 + rnd(12);
	*first = p;
	*n = 1;
	while (*n < max && p + *n < PAGES && model[s][p + *n].pa != 0)
		(*n)++;
	return true;
}

static unsigned check_space(int s)
{
	unsigned bad = 0;
	for (uint32_t i = 0; i < PAGES; i++) {
		struct ref_translation t;
		bool present = walk(&spaces[s], UVA + i * KB4, &t);
		if (present != (model[s][i].pa != 0) ||
		    (present && (t.pa != model[s][i].pa || t.writable != model[s][i].writable)))
			bad++;
	}
	return bad;
}

KTEST(mmu_i386, random_operations_match_a_model)
{
	unsigned bad = 0, steps = ktest_scale(3000, 300);
	unsigned done[3] = {0}, refused[3] = {0}, switches = 0, touches = 0;
	KASSERT_EQ(sim_machine_boot(&m, RAM, true, true), 0);
	uint64_t initial = free_frames();
	for (int s = 0; s < SPACES; s++)
		KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &spaces[s]), 0);
	for (int s = 0; s < SPACES; s++)
		for (uint32_t i = 0; i < PAGES; i++)
			model[s][i] = (struct model_page){0, false};
	rng_state = 0x9E3779B97F4A7C15ull;

	for (unsigned step = 0; step < steps && bad == 0; step++) {
		int s = (int)rnd(SPACES);
		struct mmk_mmu_space *sp = &spaces[s];
		uint32_t op = rnd(10);
		bool large = rnd(8) == 0;
		uint32_t n = large ? 1024 : 1 + rnd(12);
		uint32_t first = large ? rnd(PAGES / 1024) * 1024 : rnd(PAGES - n);
		if (op >= 4 && op < 8 && rnd(5) != 0 && !pick_mapped_run(s, large, &first, &n))
			continue;
		uint32_t va = UVA + first * KB4;
		if (op < 4) { /* map fresh frames (from the PMM, so destroy can free them) */
			mmk_paddr_t pa;
			bool ok = model_range(s, first, n, false);
			if (mmk_pmm_alloc_block(&m.pmm, large ? 10 : 0, &pa) != 0)
				continue;
			/* The frames go back one by one (unmapped in parts): single frames. */
			KASSERT_EQ(mmk_pmm_split_block(&m.pmm, pa, large ? 10 : 0), 0);
			if (!large) { /* one frame per map, so every frame is its own block */
				n = 1;
				ok = model_range(s, first, 1, false);
			}
			int err = mmk_mmu_map(sp, va, pa, (uint64_t)n * KB4, RW | MMK_PROT_USER, 0);
			if (ok != (err == 0))
				bad++;
			if (err) {
				refused[0]++;
				mmk_pmm_release_frames(&m.pmm, pa, (uint64_t)(large ? 1024 : 1) * KB4);
				continue;
			}
			done[0]++;
			for (uint32_t i = 0; i < n; i++)
				model[s][first + i] = (struct model_page){(uint32_t)pa + i * 4096, true};
		} else if (op < 6) { /* unmap, the frames back to the PMM with the batch */
			bool ok = model_range(s, first, n, true);
			struct mmk_mmu_batch b;
			mmk_mmu_batch_begin(&b, sp, mmk_pmm_release_frames, &m.pmm);
			int err = mmk_mmu_unmap(sp, va, (uint64_t)n * KB4, &b);
			mmk_mmu_batch_finish(&b);
			if (ok != (err == 0))
				bad++;
			err ? refused[1]++ : done[1]++;
			if (!err)
				for (uint32_t i = 0; i < n; i++)
					model[s][first + i].pa = 0;
		} else if (op < 8) { /* protect */
			bool ok = model_range(s, first, n, true);
			bool w = rnd(2);
			unsigned fl = MMK_PROT_READ | MMK_PROT_USER | (w ? MMK_PROT_WRITE : 0);
			int err = mmk_mmu_protect(sp, va, (uint64_t)n * KB4, fl, NULL);
			if (ok != (err == 0))
				bad++;
			err ? refused[2]++ : done[2]++;
			if (!err)
				for (uint32_t i = 0; i < n; i++)
					model[s][first + i].writable = w;
		} else if (op == 8) { /* switch */
			mmk_mmu_activate(sp);
			switches++;
		} else { /* touch mapped pages of the active space: fills the TLB */
			int a = -1;
			for (int i = 0; i < SPACES; i++)
				if (m.mmu.active == &spaces[i])
					a = i;
			for (uint32_t i = 0; a >= 0 && i < 32; i++) {
				uint32_t p = rnd(PAGES);
				uint64_t pa;
				bool ok = sim_translate(UVA + p * KB4, false, &pa);
				touches += ok;
				if (ok != (model[a][p].pa != 0) || (ok && pa != model[a][p].pa))
					bad++;
			}
		}
		if (sim_stale_tlb_entries(true) != 0)
			bad++;
		if (step % 50 == 0 || bad)
			bad += check_space(s);
	}
	KEXPECT_EQ(bad, 0);
	KEXPECT_EQ(sim.freed_table_uses, 0);
	ktest_log("maps %u (+%u refused), unmaps %u (+%u), protects %u (+%u), switches %u, "
		  "TLB-filling touches %u, tables %llu", done[0], refused[0], done[1], refused[1],
		  done[2], refused[2], switches, touches,
		  (unsigned long long)m.mmu.stats.tables_allocated);
	KEXPECT_GT(done[0], 100);
	KEXPECT_GT(done[1], 10);
	KEXPECT_GT(done[2], 10);
	for (int s = 0; s < SPACES; s++)
		KEXPECT_EQ(check_space(s), 0);
	mmk_mmu_activate(&m.mmu.kernel);
	for (int s = 0; s < SPACES; s++)
		KEXPECT_EQ(mmk_mmu_space_destroy(&spaces[s], mmk_pmm_release_frames, &m.pmm), 0);
	KEXPECT_EQ(free_frames(), initial);
	KEXPECT_EQ(mmk_pmm_check(&m.pmm), 0);
	sim_machine_free(&m);
}

/* Regression: splitting a 4 MiB page of the low-memory window split the PMM block behind it. */
KTEST(mmu_i386, splitting_the_low_memory_window_leaves_pmm_blocks_whole)
{
	struct mmk_mmu_boot boot = {0};
	struct mmk_mmu_mapping q;
	mmk_paddr_t pa, other[16];
	unsigned n = 0;
	sim_machine_prepare(&m, RAM, true, true);
	boot.window_limit = 16 * MMK_MIB;
	KASSERT_EQ(sim_machine_start(&m, &boot), 0);
	/* A 4 MiB block inside the window (the others taken meanwhile go back). */
	while (mmk_pmm_alloc_block(&m.pmm, 10, &pa) == 0 && pa >= 16 * MMK_MIB && n < 16)
		other[n++] = pa;
	while (n > 0)
		KEXPECT_EQ(mmk_pmm_free_block(&m.pmm, other[--n], 10), 0);
	KASSERT_TRUE(pa < 16 * MMK_MIB);
	mmk_vaddr_t va = 0xC0000000u + (mmk_vaddr_t)pa;
	KASSERT_EQ(mmk_mmu_query(&m.mmu.kernel, va, &q), 0);
	KEXPECT_EQ(q.page_shift, 22);
	KEXPECT_EQ(mmk_mmu_protect(&m.mmu.kernel, va + KB4, KB4, MMK_PROT_READ | MMK_PROT_GLOBAL, NULL), 0);
	KASSERT_EQ(mmk_mmu_query(&m.mmu.kernel, va, &q), 0);
	KEXPECT_EQ(q.page_shift, 12); /* split */
	KEXPECT_EQ(mmk_pmm_free_block(&m.pmm, pa, 10), 0); /* still the caller's block */
	KEXPECT_EQ(mmk_pmm_check(&m.pmm), 0);
	sim_machine_free(&m);
}

/* ------------------------------------------------------------ tables and frames given back */

KTEST(mmu_i386, a_freed_table_leaves_no_window_page_and_goes_after_the_flush)
{
	struct mmk_mmu_space u;
	uint64_t pa;
	const uint32_t first = UVA + MB4 - 32 * KB4; /* 64 pages over two tables */
	KASSERT_EQ(sim_machine_boot(&m, RAM, true, true), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &u), 0);
	for (int active = 1; active >= 0; active--) {
		/* Active: the tables are seen through the recursive window; else the alternate. */
		mmk_mmu_activate(active ? &u : &m.mmu.kernel);
		uint32_t window = (active ? 0xFFC00000u : 0xFF800000u) + (UVA >> 22) * 4096;
		KASSERT_EQ(mmk_mmu_map(&u, UVA, 0x800000, KB4, RW | MMK_PROT_USER, 0), 0);
		KEXPECT_TRUE(sim_translate(window, false, &pa)); /* the table's window page */
		KEXPECT_TRUE(!active || sim_translate(UVA, true, &pa));
		uint64_t frames = free_frames();
		KEXPECT_EQ(mmk_mmu_unmap(&u, UVA, KB4, NULL), 0);
		KEXPECT_EQ(free_frames(), frames + 1);          /* the emptied table */
		KEXPECT_EQ(sim.freed_table_uses, 0);            /* freed after the TLB let go */
		KEXPECT_EQ(sim_stale_tlb_entries(true), 0);
		/* Past the threshold: two tables freed after one full flush. */
		KASSERT_EQ(mmk_mmu_map(&u, first, 0x800000, 64 * KB4, RW | MMK_PROT_USER, 0), 0);
		KEXPECT_TRUE(sim_translate(window, false, &pa));
		KEXPECT_TRUE(sim_translate(window + 4096, false, &pa));
		for (uint32_t i = 0; active && i < 64; i += 8)
			KEXPECT_TRUE(sim_translate(first + i * KB4, true, &pa));
		frames = free_frames();
		KEXPECT_EQ(mmk_mmu_unmap(&u, first, 64 * KB4, NULL), 0);
		KEXPECT_EQ(free_frames(), frames + 2);
		KEXPECT_EQ(sim.freed_table_uses, 0);
		KEXPECT_EQ(sim_stale_tlb_entries(true), 0);
	}
	KEXPECT_EQ(u.table_pages, 0);
	KEXPECT_EQ(mmk_mmu_space_destroy(&u, NULL, NULL), 0);
	KEXPECT_EQ(sim_stale_tlb_entries(true), 0);
	sim_machine_free(&m);
}

/* What a batch's release callback saw, for frames [base, base + 4 MiB). */
struct released {
	struct mmk_pmm *pmm;
	mmk_paddr_t base;
	unsigned calls, outside, stale;
	uint8_t count[1024]; /* releases per frame */
};

/* A batch release: counts each frame and checks the TLB no longer maps them, then
 * gives them back to the PMM one by one. */
static void release_and_count(void *ctx, mmk_paddr_t pa, uint64_t size)
{
	struct released *r = ctx;
	r->calls++;
	r->stale += sim_stale_tlb_entries(true);
	for (uint64_t off = 0; off < size; off += KB4) {
		if (pa + off < r->base || pa + off >= r->base + MB4)
			r->outside++;
		else
			r->count[(pa + off - r->base) / KB4]++;
	}
	mmk_pmm_release_frames(r->pmm, pa, size);
}

/* Frames of r released once, from first to last (inclusive); the others never. */
static unsigned wrong_counts(const struct released *r, unsigned first, unsigned last)
{
	unsigned wrong = 0;
	for (unsigned i = 0; i < 1024; i++)
		wrong += r->count[i] != (i >= first && i <= last ? 1 : 0);
	return wrong;
}

/* Regression: a whole 4 MiB page over a PMM block that had been split was given back as
 * one block, which it no longer was: a panic. Frames are the caller's now. */
KTEST(mmu_i386, a_large_page_over_a_split_block_goes_back_frame_by_frame)
{
	static struct released part, whole;
	struct mmk_mmu_space u;
	struct mmk_mmu_batch b;
	mmk_paddr_t a, c;
	uint64_t pa;
	KASSERT_EQ(sim_machine_boot(&m, RAM, true, true), 0);
	uint64_t initial = free_frames();
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &u), 0);
	mmk_mmu_activate(&u);
	KASSERT_EQ(mmk_pmm_alloc_block(&m.pmm, 10, &a), 0);
	KASSERT_EQ(mmk_pmm_alloc_block(&m.pmm, 10, &c), 0);
	KASSERT_EQ(mmk_pmm_split_block(&m.pmm, a, 10), 0);
	KASSERT_EQ(mmk_pmm_split_block(&m.pmm, c, 10), 0);
	KASSERT_EQ(mmk_mmu_map(&u, UVA, a, MB4, RW | MMK_PROT_USER, 22), 0);
	KASSERT_EQ(mmk_mmu_map(&u, UVA + MB4, c, MB4, RW | MMK_PROT_USER, 22), 0);
	for (uint32_t off = 0; off < 2 * MB4; off += MB4 / 4)
		KEXPECT_TRUE(sim_translate(UVA + off + 2 * KB4, true, &pa)); /* 4 MiB TLB entries */
	part = (struct released){.pmm = &m.pmm, .base = a};
	whole = (struct released){.pmm = &m.pmm, .base = c};

	/* In part: the page is split, two of its frames go, after the flush. */
	mmk_mmu_batch_begin(&b, &u, release_and_count, &part);
	KEXPECT_EQ(mmk_mmu_unmap(&u, UVA + 2 * KB4, 2 * KB4, &b), 0);
	KEXPECT_EQ(part.calls, 0); /* nothing until the batch is finished */
	mmk_mmu_batch_finish(&b);
	KEXPECT_EQ(part.calls, 1); /* neighbouring frames in one call */
	KEXPECT_EQ(wrong_counts(&part, 2, 3), 0);
	/* Then the rest of it, in two pieces under one batch. */
	mmk_mmu_batch_begin(&b, &u, release_and_count, &part);
	KEXPECT_EQ(mmk_mmu_unmap(&u, UVA, 2 * KB4, &b), 0);
	KEXPECT_EQ(mmk_mmu_unmap(&u, UVA + 4 * KB4, MB4 - 4 * KB4, &b), 0);
	mmk_mmu_batch_finish(&b);
	KEXPECT_EQ(wrong_counts(&part, 0, 1023), 0);
	/* In whole: the old panic. */
	mmk_mmu_batch_begin(&b, &u, release_and_count, &whole);
	KEXPECT_EQ(mmk_mmu_unmap(&u, UVA + MB4, MB4, &b), 0);
	mmk_mmu_batch_finish(&b);
	KEXPECT_EQ(whole.calls, 1);
	KEXPECT_EQ(wrong_counts(&whole, 0, 1023), 0);
	KEXPECT_EQ(part.outside + whole.outside, 0);
	KEXPECT_EQ(part.stale + whole.stale, 0); /* released only once the TLB had let go */
	KEXPECT_EQ(u.table_pages, 0);            /* the split's table went back too */
	mmk_mmu_activate(&m.mmu.kernel);
	KEXPECT_EQ(mmk_mmu_space_destroy(&u, NULL, NULL), 0);
	KEXPECT_EQ(free_frames(), initial);      /* every frame back */
	KEXPECT_EQ(mmk_pmm_check(&m.pmm), 0);
	sim_machine_free(&m);
}

static int note_flags(void *ctx, const struct mmk_mmu_mapping *mp)
{
	*(unsigned *)ctx = mp->flags;
	return 0;
}

/* The accessed and dirty bits the CPU sets (SDM Vol 3A 4.8), read and cleared. */
KTEST(mmu_i386, accessed_and_dirty_bits_are_read_and_cleared_and_remap_releases_the_old_frame)
{
	static struct released old;
	struct mmk_mmu_space u;
	struct mmk_mmu_batch b;
	mmk_paddr_t f1, f2;
	unsigned flags = 0;
	uint64_t pa;
	KASSERT_EQ(sim_machine_boot(&m, RAM, true, true), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &u), 0);
	mmk_mmu_activate(&u);
	KASSERT_EQ(mmk_pmm_alloc(&m.pmm, &f1), 0);
	KASSERT_EQ(mmk_pmm_alloc(&m.pmm, &f2), 0);
	KASSERT_EQ(mmk_mmu_map(&u, UVA, f1, KB4, RW | MMK_PROT_USER, 0), 0);
	KEXPECT_EQ(mmk_mmu_clear_accessed(&u, UVA, KB4, 0, note_flags, &flags, NULL), 0);
	KEXPECT_EQ(flags & (MMK_MAP_ACCESSED | MMK_MAP_DIRTY), 0);
	KEXPECT_TRUE(sim_translate(UVA, false, &pa));
	KEXPECT_EQ(mmk_mmu_clear_accessed(&u, UVA, KB4, 0, note_flags, &flags, NULL), 0);
	KEXPECT_EQ(flags & (MMK_MAP_ACCESSED | MMK_MAP_DIRTY), MMK_MAP_ACCESSED);
	KEXPECT_TRUE(sim_translate(UVA, true, &pa));
	KEXPECT_EQ(mmk_mmu_clear_accessed(&u, UVA, KB4, MMK_MAP_ACCESSED | MMK_MAP_DIRTY,
					  note_flags, &flags, NULL), 0);
	KEXPECT_EQ(flags & (MMK_MAP_ACCESSED | MMK_MAP_DIRTY), MMK_MAP_ACCESSED | MMK_MAP_DIRTY);
	struct mmk_mmu_mapping q;
	KASSERT_EQ(mmk_mmu_query(&u, UVA, &q), 0);
	KEXPECT_EQ(q.flags & (MMK_MAP_ACCESSED | MMK_MAP_DIRTY), 0);
	/* The cleared entry left the TLB: the next write sets both bits again. */
	KEXPECT_TRUE(sim_translate(UVA, true, &pa));
	KASSERT_EQ(mmk_mmu_query(&u, UVA, &q), 0);
	KEXPECT_EQ(q.flags & (MMK_MAP_ACCESSED | MMK_MAP_DIRTY), MMK_MAP_ACCESSED | MMK_MAP_DIRTY);
	/* A copy-on-write step: the page gets f2, f1 goes back once the TLB lets go. */
	old = (struct released){.pmm = &m.pmm, .base = f1};
	mmk_mmu_batch_begin(&b, &u, release_and_count, &old);
	KEXPECT_EQ(mmk_mmu_remap(&u, UVA, f2, RW | MMK_PROT_USER, &b), 0);
	KEXPECT_EQ(old.calls, 0);
	mmk_mmu_batch_finish(&b);
	KEXPECT_EQ(wrong_counts(&old, 0, 0), 0);
	KEXPECT_EQ(old.stale, 0);
	KEXPECT_TRUE(sim_translate(UVA, true, &pa) && pa == f2);
	mmk_mmu_activate(&m.mmu.kernel);
	KEXPECT_EQ(mmk_mmu_space_destroy(&u, mmk_pmm_release_frames, &m.pmm), 0);
	KEXPECT_EQ(mmk_pmm_refcount(&m.pmm, f2), 0);
	sim_machine_free(&m);
}

KTEST(mmu_i386, directory_slots_run_out_with_enospc_and_are_used_again)
{
	static struct mmk_mmu_space many[1022];
	KASSERT_EQ(sim_machine_boot(&m, RAM, true, true), 0);
	uint64_t frames = free_frames();
	unsigned n = 0;
	while (n < 1022 && mmk_mmu_space_create(&m.mmu, &many[n]) == 0)
		n++;
	KEXPECT_EQ(n, 1021); /* slot 0 is the kernel's, the last two are scratch pages */
	KEXPECT_EQ(mmk_mmu_space_create(&m.mmu, &many[1021]), -MMK_ENOSPC);
	KEXPECT_EQ(free_frames(), frames - n); /* the refused one kept nothing */
	void *slot = many[500].md.root_va;
	KEXPECT_EQ(mmk_mmu_space_destroy(&many[500], NULL, NULL), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &many[500]), 0);
	KEXPECT_TRUE(many[500].md.root_va == slot);
	KEXPECT_TRUE(mmk_mmu_root_pointer(&many[500]) == sim_phys(many[500].root));
	KASSERT_EQ(mmk_mmu_map(&many[500], UVA, 0x800000, KB4, RW, 0), 0);
	KEXPECT_TRUE(agrees(&many[500], UVA));
	for (unsigned i = 0; i < n; i++)
		KEXPECT_EQ(mmk_mmu_space_destroy(&many[i], NULL, NULL), 0);
	KEXPECT_EQ(free_frames(), frames);
	KEXPECT_EQ(sim_stale_tlb_entries(true), 0);
	sim_machine_free(&m);
}

KTEST(mmu_i386, init_needs_the_low_memory_window_limit)
{
	struct mmk_mmu_boot boot = {.kernel_pa = SIM_KERNEL_PA, .kernel_va = 0xC0000000u + SIM_KERNEL_PA,
				    .kernel_size = MMK_MIB, .phys_to_virt = sim_phys};
	sim_machine_prepare(&m, RAM, true, true);
	uint64_t frames = free_frames();
	boot.memmap = &m.map;
	KEXPECT_EQ(mmk_mmu_init(&m.mmu, &m.pmm, &boot), -MMK_EINVAL); /* window_limit 0 */
	KEXPECT_EQ(free_frames(), frames);
	KEXPECT_EQ(sim.cr3, SIM_BOOT_PD);
	boot.window_limit = 2 * MMK_MIB;
	KEXPECT_EQ(mmk_mmu_init(&m.mmu, &m.pmm, &boot), 0);
	sim_machine_free(&m);
}
