/*
 * The ARMv7 MMU backend (arch/armv7/mmu.c) on a simulated ARMv7 (hosted/armv7/sim.c),
 * checked against the reference VMSAv7 walk (hosted/armv7/refmmu.c) and the simulated
 * ASID-tagged TLB.
 */
#include <mmukit/errno.h>
#include <mmukit/ktest.h>
#include <mmukit/mmu.h>
#include <mmukit/pmm.h>

#include "sim.h"

#define RW (MMK_PROT_READ | MMK_PROT_WRITE)
#define URW (RW | MMK_PROT_USER)
#define K4 0x1000u
#define K64 0x10000u
#define M1 0x100000u
#define UVA 0x10000000u
#define RAM 0x40000000u

static struct simarm_machine m;

static bool walk(const struct mmu_space *s, uint32_t va, struct refarm_translation *t)
{
	return refarm_walk(simarm.ram, SIMARM_RAM_BASE, simarm.ram_size, (uint32_t)s->root,
			   (uint32_t)m.mmu.kernel.root, va, t);
}

static bool agrees(const struct mmu_space *s, uint32_t va)
{
	struct refarm_translation t;
	struct mmu_mapping q;
	bool present = walk(s, va, &t);
	int err = mmu_query(s, va, &q);
	if (!present)
		return err == -MMK_ENOENT;
	return err == 0 && q.pa + (va - q.va) == t.pa && (1u << q.page_shift) == t.page_size &&
	       !!(q.flags & MMK_PROT_USER) == t.user_read &&
	       !!(q.flags & MMK_PROT_WRITE) == t.priv_write &&
	       !!(q.flags & MMK_PROT_EXEC) == t.executable &&
	       !!(q.flags & MMK_PROT_GLOBAL) == t.global;
}

KTEST(mmu_armv7, init_maps_ram_linearly_at_2_gib_with_sections)
{
	KASSERT_EQ(simarm_machine_boot(&m, 64 * M1), 0);
	struct mmu_mapping q;
	KEXPECT_EQ(simarm.ttbr1, m.mmu.kernel.root);
	KASSERT_EQ(mmu_query(&m.mmu.kernel, 0x80000000u + 5 * M1 + 7, &q), 0);
	KEXPECT_EQ(q.pa, RAM + 5 * M1);
	KEXPECT_EQ(q.page_shift, 20);
	KEXPECT_TRUE(q.flags & MMK_PROT_GLOBAL);
	KEXPECT_FALSE(q.flags & MMK_PROT_USER);
	KEXPECT_TRUE(agrees(&m.mmu.kernel, 0x80000000u + 5 * M1 + 7));
	KEXPECT_EQ(mmu_query(&m.mmu.kernel, 0x80000000u + 64 * M1, &q), -MMK_ENOENT); /* past RAM */
	KEXPECT_EQ(mmu_query(&m.mmu.kernel, RAM, &q), -MMK_ENOENT); /* no identity map */
	KEXPECT_EQ(pmm_refcount(&m.pmm, m.mmu.kernel.root), 1);
	simarm_machine_free(&m);
}

KTEST(mmu_armv7, every_page_size_and_packed_second_level_tables)
{
	struct mmu_space u;
	struct mmu_mapping q;
	KASSERT_EQ(simarm_machine_boot(&m, 64 * M1), 0);
	uint64_t before = m.pmm.free_frames;
	KASSERT_EQ(mmu_space_create(&m.mmu, &u), 0);
	KEXPECT_EQ(u.root % 0x2000, 0); /* TTBR0 tables are 8 KiB aligned */
	KEXPECT_EQ(mmu_map(&u, UVA, RAM + 8 * M1, M1, URW, 0), 0);             /* a section */
	KEXPECT_EQ(mmu_map(&u, UVA + M1, RAM + 9 * M1, 2 * K64, URW, 0), 0);   /* 2 large */
	KEXPECT_EQ(mmu_map(&u, UVA + 3 * M1 + K4, RAM + 12 * M1 + K4, K4,
			   MMK_PROT_READ | MMK_PROT_USER | MMK_PROT_EXEC, 0), 0);  /* small, RO, X */
	KEXPECT_EQ(mmu_map(&u, UVA + 2 * M1, RAM + 13 * M1, K4, URW | MMK_CACHE_UC, 0), 0);
	KEXPECT_EQ(u.table_pages, 1); /* three second-level tables, one group, one frame */
	KASSERT_EQ(mmu_query(&u, UVA + 77, &q), 0);
	KEXPECT_EQ(q.page_shift, 20);
	KASSERT_EQ(mmu_query(&u, UVA + M1 + K64 + 5, &q), 0);
	KEXPECT_EQ(q.page_shift, 16);
	KEXPECT_EQ(q.pa, RAM + 9 * M1 + K64);
	KASSERT_EQ(mmu_query(&u, UVA + 2 * M1, &q), 0);
	KEXPECT_EQ(q.flags & MMK_CACHE_MASK, MMK_CACHE_UC);
	KASSERT_EQ(mmu_query(&u, UVA + 3 * M1 + K4, &q), 0);
	KEXPECT_FALSE(q.flags & MMK_PROT_WRITE);
	KEXPECT_TRUE(q.flags & MMK_PROT_EXEC);
	for (uint32_t va = UVA; va < UVA + 4 * M1; va += K4)
		if (!agrees(&u, va))
			KEXPECT_TRUE(agrees(&u, va));
	KEXPECT_TRUE(agrees(&u, 0x80000000u + M1)); /* the kernel half, through TTBR1 */
	KEXPECT_EQ(mmu_unmap(&u, UVA, M1, false), 0);
	KEXPECT_EQ(mmu_unmap(&u, UVA + M1, 2 * K64, false), 0);
	KEXPECT_EQ(mmu_unmap(&u, UVA + 2 * M1, K4, false), 0);
	KEXPECT_EQ(u.table_pages, 1); /* one table of the group still maps */
	KEXPECT_EQ(mmu_unmap(&u, UVA + 3 * M1 + K4, K4, false), 0);
	KEXPECT_EQ(u.table_pages, 0); /* the group frame went back */
	KEXPECT_EQ(mmu_space_destroy(&u, false), 0);
	KEXPECT_EQ(m.pmm.free_frames, before);
	simarm_machine_free(&m);
}

KTEST(mmu_armv7, partial_unmap_and_protect_split_sections_and_large_pages)
{
	struct mmu_space u;
	struct mmu_mapping q;
	KASSERT_EQ(simarm_machine_boot(&m, 64 * M1), 0);
	KASSERT_EQ(mmu_space_create(&m.mmu, &u), 0);
	KASSERT_EQ(mmu_map(&u, UVA, RAM + 8 * M1, M1, URW, 20), 0);
	KASSERT_EQ(mmu_map(&u, UVA + 4 * M1, RAM + 16 * M1, K64, URW, 16), 0);
	KEXPECT_EQ(mmu_unmap(&u, UVA + 5 * K4, K4, false), 0);
	KEXPECT_EQ(mmu_query(&u, UVA + 5 * K4, &q), -MMK_ENOENT);
	KASSERT_EQ(mmu_query(&u, UVA + 6 * K4, &q), 0);
	KEXPECT_EQ(q.page_shift, 12);
	KEXPECT_EQ(q.pa, RAM + 8 * M1 + 6 * K4);
	KEXPECT_EQ(mmu_protect(&u, UVA + 4 * M1 + K4, K4, MMK_PROT_READ | MMK_PROT_USER), 0);
	KASSERT_EQ(mmu_query(&u, UVA + 4 * M1 + K4, &q), 0);
	KEXPECT_FALSE(q.flags & MMK_PROT_WRITE);
	KASSERT_EQ(mmu_query(&u, UVA + 4 * M1 + 2 * K4, &q), 0);
	KEXPECT_TRUE(q.flags & MMK_PROT_WRITE);
	KEXPECT_EQ(q.page_shift, 12);
	for (uint32_t va = UVA; va < UVA + 5 * M1; va += K4)
		if (!agrees(&u, va))
			KEXPECT_TRUE(agrees(&u, va));
	KEXPECT_EQ(mmu_space_destroy(&u, false), 0);
	simarm_machine_free(&m);
}

KTEST(mmu_armv7, bad_input_and_out_of_memory_change_nothing)
{
	struct mmu_space u;
	struct mmu_mapping q;
	KASSERT_EQ(simarm_machine_boot(&m, 64 * M1), 0);
	KASSERT_EQ(mmu_space_create(&m.mmu, &u), 0);
	KASSERT_EQ(mmu_map(&u, UVA, RAM + 8 * M1, K4, URW, 0), 0);
	uint64_t frames = m.pmm.free_frames;
	KEXPECT_EQ(mmu_map(&u, UVA + 8, RAM, K4, URW, 0), -MMK_EALIGN);
	KEXPECT_EQ(mmu_map(&u, UVA + K4, RAM, K64, URW, 16), -MMK_EALIGN);
	KEXPECT_EQ(mmu_map(&u, UVA, RAM, K4, URW, 21), -MMK_EINVAL);
	KEXPECT_EQ(mmu_map(&u, 0, RAM, K4, URW, 0), -MMK_ERANGE);
	KEXPECT_EQ(mmu_map(&u, 0x80000000u, RAM, K4, URW, 0), -MMK_ERANGE);
	KEXPECT_EQ(mmu_map(&u, UVA, RAM, K4, URW, 0), -MMK_EEXIST);
	KEXPECT_EQ(mmu_map(&m.mmu.kernel, 0xC0000000u, RAM, K4, URW, 0), -MMK_EPERM);
	KEXPECT_EQ(mmu_unmap(&u, UVA, 2 * K4, false), -MMK_ENOENT);
	KEXPECT_EQ(m.pmm.free_frames, frames);
	/* Two untouched groups of second-level tables: two frames, two allocation points. */
	for (uint64_t nth = 1; nth <= 2; nth++) {
		pmm_inject_failure(&m.pmm, nth);
		KEXPECT_EQ(mmu_map(&u, UVA + 8 * M1 - K4, RAM, 2 * K4, URW, 12), -MMK_ENOMEM);
		pmm_inject_failure(&m.pmm, 0);
		KEXPECT_EQ(m.pmm.free_frames, frames);
		KEXPECT_EQ(mmu_query(&u, UVA + 8 * M1, &q), -MMK_ENOENT);
	}
	KEXPECT_EQ(mmu_map(&u, UVA + 8 * M1 - K4, RAM, 2 * K4, URW, 12), 0);
	KEXPECT_EQ(mmu_space_destroy(&u, false), 0);
	simarm_machine_free(&m);
}

KTEST(mmu_armv7, asid_tagged_entries_are_invalidated)
{
	struct mmu_space a, b;
	uint64_t pa;
	KASSERT_EQ(simarm_machine_boot(&m, 64 * M1), 0);
	KASSERT_EQ(mmu_space_create(&m.mmu, &a), 0);
	KASSERT_EQ(mmu_space_create(&m.mmu, &b), 0);
	mmu_activate(&a);
	unsigned asid_a = simarm.asid;
	KASSERT_EQ(mmu_map(&a, UVA, RAM + 8 * M1, 8 * K4, URW, 0), 0);
	for (unsigned i = 0; i < 8; i++)
		KEXPECT_TRUE(simarm_translate(UVA + i * K4, true, &pa));
	KEXPECT_EQ(mmu_protect(&a, UVA, K4, MMK_PROT_READ | MMK_PROT_USER), 0); /* TLBIMVA */
	KEXPECT_EQ(simarm_stale_tlb_entries(true), 0);
	mmu_activate(&b);
	KEXPECT_NE(simarm.asid, asid_a);
	KEXPECT_EQ(mmu_unmap(&a, UVA + K4, K4, false), 0); /* inactive: TLBIASID */
	mmu_activate(&a);
	KEXPECT_EQ(simarm_stale_tlb_entries(true), 0);
	KEXPECT_FALSE(simarm_translate(UVA + K4, false, &pa));
	KASSERT_EQ(mmu_map(&m.mmu.kernel, 0xC0000000u, RAM + 20 * M1, K4, RW | MMK_PROT_GLOBAL, 0), 0);
	KEXPECT_TRUE(simarm_translate(0xC0000000u, true, &pa));
	KEXPECT_EQ(mmu_unmap(&m.mmu.kernel, 0xC0000000u, K4, false), 0); /* TLBIMVAA */
	KEXPECT_EQ(simarm_stale_tlb_entries(true), 0);
	mmu_activate(&m.mmu.kernel);
	KEXPECT_EQ(mmu_space_destroy(&a, false), 0);
	KEXPECT_EQ(mmu_space_destroy(&b, false), 0);
	simarm_machine_free(&m);
}
