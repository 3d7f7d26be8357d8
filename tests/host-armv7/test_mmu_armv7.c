/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The ARMv7 MMU backend (arch/armv7/mmu.c) on a simulated ARMv7 (hosted/armv7/sim.c),
 * checked against the reference VMSAv7 walk (hosted/armv7/refmmu.c) and the simulated
 * ASID-tagged TLB.
 */
#include <mmukit/errno.h>
#include <mmukit/ktest.h>
#include <mmukit/mmu.h>
#include <mmukit/pmm.h>
#include <mmukit/services.h>

#include "sim.h"

#define RW (MMK_PROT_READ | MMK_PROT_WRITE)
#define URW (RW | MMK_PROT_USER)
#define K4 0x1000u
#define K64 0x10000u
#define M1 0x100000u
#define UVA 0x10000000u
#define RAM 0x40000000u

static struct simarm_machine m;

static bool walk(const struct mmk_mmu_space *s, uint32_t va, struct refarm_translation *t)
{
	return refarm_walk(simarm.ram, SIMARM_RAM_BASE, simarm.ram_size, (uint32_t)s->root,
			   (uint32_t)m.mmu.kernel.root, va, t);
}

static bool agrees(const struct mmk_mmu_space *s, uint32_t va)
{
	struct refarm_translation t;
	struct mmk_mmu_mapping q;
	bool present = walk(s, va, &t);
	int err = mmk_mmu_query(s, va, &q);
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
	struct mmk_mmu_mapping q;
	KEXPECT_EQ(simarm.ttbr1, m.mmu.kernel.root);
	KASSERT_EQ(mmk_mmu_query(&m.mmu.kernel, 0x80000000u + 5 * M1 + 7, &q), 0);
	KEXPECT_EQ(q.pa, RAM + 5 * M1);
	KEXPECT_EQ(q.page_shift, 20);
	KEXPECT_TRUE(q.flags & MMK_PROT_GLOBAL);
	KEXPECT_FALSE(q.flags & MMK_PROT_USER);
	KEXPECT_TRUE(agrees(&m.mmu.kernel, 0x80000000u + 5 * M1 + 7));
	KEXPECT_EQ(mmk_mmu_query(&m.mmu.kernel, 0x80000000u + 64 * M1, &q), -MMK_ENOENT); /* past RAM */
	KEXPECT_EQ(mmk_mmu_query(&m.mmu.kernel, RAM, &q), -MMK_ENOENT); /* no identity map */
	KEXPECT_EQ(mmk_pmm_refcount(&m.pmm, m.mmu.kernel.root), 1);
	simarm_machine_free(&m);
}

KTEST(mmu_armv7, every_page_size_and_packed_second_level_tables)
{
	struct mmk_mmu_space u;
	struct mmk_mmu_mapping q;
	KASSERT_EQ(simarm_machine_boot(&m, 64 * M1), 0);
	uint64_t before = m.pmm.free_frames;
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &u), 0);
	KEXPECT_EQ(u.root % 0x2000, 0); /* TTBR0 tables are 8 KiB aligned */
	KEXPECT_EQ(mmk_mmu_map(&u, UVA, RAM + 8 * M1, M1, URW, 0), 0);             /* a section */
	KEXPECT_EQ(mmk_mmu_map(&u, UVA + M1, RAM + 9 * M1, 2 * K64, URW, 0), 0);   /* 2 large */
	KEXPECT_EQ(mmk_mmu_map(&u, UVA + 3 * M1 + K4, RAM + 12 * M1 + K4, K4,
			   MMK_PROT_READ | MMK_PROT_USER | MMK_PROT_EXEC, 0), 0);  /* small, RO, X */
	KEXPECT_EQ(mmk_mmu_map(&u, UVA + 2 * M1, RAM + 13 * M1, K4, URW | MMK_CACHE_UC, 0), 0);
	KEXPECT_EQ(u.table_pages, 1); /* three second-level tables, one group, one frame */
	KASSERT_EQ(mmk_mmu_query(&u, UVA + 77, &q), 0);
	KEXPECT_EQ(q.page_shift, 20);
	KASSERT_EQ(mmk_mmu_query(&u, UVA + M1 + K64 + 5, &q), 0);
	KEXPECT_EQ(q.page_shift, 16);
	KEXPECT_EQ(q.pa, RAM + 9 * M1 + K64);
	KASSERT_EQ(mmk_mmu_query(&u, UVA + 2 * M1, &q), 0);
	KEXPECT_EQ(q.flags & MMK_CACHE_MASK, MMK_CACHE_UC);
	/* UC is Device (TEX 000 C 0 B 1); a Strongly-ordered entry (B 0), which mmukit
	 * never writes, still reads back as UC, not as the write-back default. */
	const uint32_t *l1 = simarm_phys(u.root);
	uint32_t *l2 = simarm_phys(l1[(UVA + 2 * M1) >> 20] & 0xFFFFFC00u);
	KEXPECT_EQ(l2[0] & 0x1CCu, 0x4u); /* TEX (bits 8:6), C, B */
	l2[0] &= ~0x4u;
	KASSERT_EQ(mmk_mmu_query(&u, UVA + 2 * M1, &q), 0);
	KEXPECT_EQ(q.flags & MMK_CACHE_MASK, MMK_CACHE_UC);
	l2[0] |= 0x4u;
	KASSERT_EQ(mmk_mmu_query(&u, UVA + 3 * M1 + K4, &q), 0);
	KEXPECT_FALSE(q.flags & MMK_PROT_WRITE);
	KEXPECT_TRUE(q.flags & MMK_PROT_EXEC);
	for (uint32_t va = UVA; va < UVA + 4 * M1; va += K4)
		if (!agrees(&u, va))
			KEXPECT_TRUE(agrees(&u, va));
	KEXPECT_TRUE(agrees(&u, 0x80000000u + M1)); /* the kernel half, through TTBR1 */
	KEXPECT_EQ(mmk_mmu_unmap(&u, UVA, M1, NULL), 0);
	KEXPECT_EQ(mmk_mmu_unmap(&u, UVA + M1, 2 * K64, NULL), 0);
	KEXPECT_EQ(mmk_mmu_unmap(&u, UVA + 2 * M1, K4, NULL), 0);
	KEXPECT_EQ(u.table_pages, 1); /* one table of the group still maps */
	KEXPECT_EQ(mmk_mmu_unmap(&u, UVA + 3 * M1 + K4, K4, NULL), 0);
	KEXPECT_EQ(u.table_pages, 0); /* the group frame went back */
	KEXPECT_EQ(mmk_mmu_space_destroy(&u, NULL, NULL), 0);
	KEXPECT_EQ(m.pmm.free_frames, before);
	simarm_machine_free(&m);
}

KTEST(mmu_armv7, partial_unmap_and_protect_split_sections_and_large_pages)
{
	struct mmk_mmu_space u;
	struct mmk_mmu_mapping q;
	KASSERT_EQ(simarm_machine_boot(&m, 64 * M1), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &u), 0);
	KASSERT_EQ(mmk_mmu_map(&u, UVA, RAM + 8 * M1, M1, URW, 20), 0);
	KASSERT_EQ(mmk_mmu_map(&u, UVA + 4 * M1, RAM + 16 * M1, K64, URW, 16), 0);
	KEXPECT_EQ(mmk_mmu_unmap(&u, UVA + 5 * K4, K4, NULL), 0);
	KEXPECT_EQ(mmk_mmu_query(&u, UVA + 5 * K4, &q), -MMK_ENOENT);
	KASSERT_EQ(mmk_mmu_query(&u, UVA + 6 * K4, &q), 0);
	KEXPECT_EQ(q.page_shift, 12);
	KEXPECT_EQ(q.pa, RAM + 8 * M1 + 6 * K4);
	KEXPECT_EQ(mmk_mmu_protect(&u, UVA + 4 * M1 + K4, K4, MMK_PROT_READ | MMK_PROT_USER, NULL), 0);
	KASSERT_EQ(mmk_mmu_query(&u, UVA + 4 * M1 + K4, &q), 0);
	KEXPECT_FALSE(q.flags & MMK_PROT_WRITE);
	KASSERT_EQ(mmk_mmu_query(&u, UVA + 4 * M1 + 2 * K4, &q), 0);
	KEXPECT_TRUE(q.flags & MMK_PROT_WRITE);
	KEXPECT_EQ(q.page_shift, 12);
	for (uint32_t va = UVA; va < UVA + 5 * M1; va += K4)
		if (!agrees(&u, va))
			KEXPECT_TRUE(agrees(&u, va));
	KEXPECT_EQ(mmk_mmu_space_destroy(&u, NULL, NULL), 0);
	simarm_machine_free(&m);
}

/* Frames become executable only after their code is made visible (cpu.h, B2.2.7). */
KTEST(mmu_armv7, frames_made_executable_are_synced_first)
{
	struct mmk_mmu_space u;
	KASSERT_EQ(simarm_machine_boot(&m, 64 * M1), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &u), 0);
	uint64_t pages = simarm.code_pages_synced, batches = simarm.code_syncs_done;
	KEXPECT_EQ(mmk_mmu_map(&u, UVA, RAM + 8 * M1, 4 * K4, URW, 0), 0); /* data: nothing */
	KEXPECT_EQ(simarm.code_pages_synced, pages);
	KEXPECT_EQ(mmk_mmu_map(&u, UVA + K64, RAM + 9 * M1, 3 * K4,
			   MMK_PROT_READ | MMK_PROT_USER | MMK_PROT_EXEC, 0), 0);
	KEXPECT_EQ(simarm.code_pages_synced, pages + 3);
	KEXPECT_EQ(simarm.code_syncs_done, batches + 1);
	/* Two of the data pages become code, each synced on its own (frames of neighbouring
	 * leaves need not be neighbours); code staying code, or a refused call, syncs nothing. */
	KEXPECT_EQ(mmk_mmu_protect(&u, UVA + K4, 2 * K4, MMK_PROT_READ | MMK_PROT_USER | MMK_PROT_EXEC,
				   NULL), 0);
	KEXPECT_EQ(simarm.code_pages_synced, pages + 5);
	KEXPECT_EQ(simarm.code_syncs_done, batches + 3);
	KEXPECT_EQ(mmk_mmu_protect(&u, UVA + K4, K4, MMK_PROT_READ | MMK_PROT_EXEC | MMK_PROT_USER,
				   NULL), 0);
	KEXPECT_EQ(simarm.code_pages_synced, pages + 5);
	KEXPECT_EQ(mmk_mmu_protect(&u, UVA, 5 * K4, MMK_PROT_READ | MMK_PROT_USER | MMK_PROT_EXEC,
				   NULL),
		   -MMK_ENOENT);
	KEXPECT_EQ(mmk_mmu_map(&u, UVA, RAM, K4, MMK_PROT_READ | MMK_PROT_USER | MMK_PROT_EXEC, 0),
		   -MMK_EEXIST);
	KEXPECT_EQ(simarm.code_pages_synced, pages + 5);
	KEXPECT_EQ(mmk_mmu_unmap(&u, UVA, 4 * K4, NULL), 0);
	KEXPECT_EQ(mmk_mmu_unmap(&u, UVA + K64, 3 * K4, NULL), 0);
	KEXPECT_EQ(mmk_mmu_space_destroy(&u, NULL, NULL), 0);
	simarm_machine_free(&m);
}

KTEST(mmu_armv7, bad_input_and_out_of_memory_change_nothing)
{
	struct mmk_mmu_space u;
	struct mmk_mmu_mapping q;
	KASSERT_EQ(simarm_machine_boot(&m, 64 * M1), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &u), 0);
	KASSERT_EQ(mmk_mmu_map(&u, UVA, RAM + 8 * M1, K4, URW, 0), 0);
	uint64_t frames = m.pmm.free_frames;
	KEXPECT_EQ(mmk_mmu_map(&u, UVA + 8, RAM, K4, URW, 0), -MMK_EALIGN);
	KEXPECT_EQ(mmk_mmu_map(&u, UVA + K4, RAM, K64, URW, 16), -MMK_EALIGN);
	KEXPECT_EQ(mmk_mmu_map(&u, UVA, RAM, K4, URW, 21), -MMK_EINVAL);
	KEXPECT_EQ(mmk_mmu_map(&u, 0, RAM, K4, URW, 0), -MMK_ERANGE);
	KEXPECT_EQ(mmk_mmu_map(&u, 0x80000000u, RAM, K4, URW, 0), -MMK_ERANGE);
	KEXPECT_EQ(mmk_mmu_map(&u, UVA, RAM, K4, URW, 0), -MMK_EEXIST);
	KEXPECT_EQ(mmk_mmu_map(&m.mmu.kernel, 0xC0000000u, RAM, K4, URW, 0), -MMK_EPERM);
	KEXPECT_EQ(mmk_mmu_unmap(&u, UVA, 2 * K4, NULL), -MMK_ENOENT);
	KEXPECT_EQ(m.pmm.free_frames, frames);
	/* Two untouched groups of second-level tables: two frames, two allocation points. */
	for (uint64_t nth = 1; nth <= 2; nth++) {
		mmk_pmm_inject_failure(&m.pmm, nth);
		KEXPECT_EQ(mmk_mmu_map(&u, UVA + 8 * M1 - K4, RAM, 2 * K4, URW, 12), -MMK_ENOMEM);
		mmk_pmm_inject_failure(&m.pmm, 0);
		KEXPECT_EQ(m.pmm.free_frames, frames);
		KEXPECT_EQ(mmk_mmu_query(&u, UVA + 8 * M1, &q), -MMK_ENOENT);
	}
	KEXPECT_EQ(mmk_mmu_map(&u, UVA + 8 * M1 - K4, RAM, 2 * K4, URW, 12), 0);
	KEXPECT_EQ(mmk_mmu_space_destroy(&u, NULL, NULL), 0);
	simarm_machine_free(&m);
}

KTEST(mmu_armv7, asid_tagged_entries_are_invalidated)
{
	struct mmk_mmu_space a, b;
	uint64_t pa;
	KASSERT_EQ(simarm_machine_boot(&m, 64 * M1), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &a), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &b), 0);
	mmk_mmu_activate(&a);
	unsigned asid_a = simarm.asid;
	KASSERT_EQ(mmk_mmu_map(&a, UVA, RAM + 8 * M1, 8 * K4, URW, 0), 0);
	for (unsigned i = 0; i < 8; i++)
		KEXPECT_TRUE(simarm_translate(UVA + i * K4, true, &pa));
	KEXPECT_EQ(mmk_mmu_protect(&a, UVA, K4, MMK_PROT_READ | MMK_PROT_USER, NULL), 0); /* TLBIMVA */
	KEXPECT_EQ(simarm_stale_tlb_entries(true), 0);
	mmk_mmu_activate(&b);
	KEXPECT_NE(simarm.asid, asid_a);
	KEXPECT_EQ(mmk_mmu_unmap(&a, UVA + K4, K4, NULL), 0); /* inactive: TLBIASID */
	mmk_mmu_activate(&a);
	KEXPECT_EQ(simarm_stale_tlb_entries(true), 0);
	KEXPECT_FALSE(simarm_translate(UVA + K4, false, &pa));
	KASSERT_EQ(mmk_mmu_map(&m.mmu.kernel, 0xC0000000u, RAM + 20 * M1, K4, RW | MMK_PROT_GLOBAL, 0), 0);
	KEXPECT_TRUE(simarm_translate(0xC0000000u, true, &pa));
	KEXPECT_EQ(mmk_mmu_unmap(&m.mmu.kernel, 0xC0000000u, K4, NULL), 0); /* TLBIMVAA */
	KEXPECT_EQ(simarm_stale_tlb_entries(true), 0);
	mmk_mmu_activate(&m.mmu.kernel);
	KEXPECT_EQ(mmk_mmu_space_destroy(&a, NULL, NULL), 0);
	KEXPECT_EQ(mmk_mmu_space_destroy(&b, NULL, NULL), 0);
	simarm_machine_free(&m);
}

KTEST(mmu_armv7, full_flushes_past_the_threshold_leave_no_stale_entries)
{
	struct mmk_mmu_space a;
	uint64_t pa;
	KASSERT_EQ(simarm_machine_boot(&m, 64 * M1), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &a), 0);
	mmk_mmu_activate(&a);
	KASSERT_EQ(mmk_mmu_map(&a, UVA, RAM + 8 * M1, 64 * K4, URW, 12), 0);
	for (unsigned i = 0; i < 64; i++)
		KEXPECT_TRUE(simarm_translate(UVA + i * K4, true, &pa));
	uint64_t by_asid = simarm.tlbi_asid, all = simarm.tlbi_all;
	KEXPECT_EQ(mmk_mmu_protect(&a, UVA, 40 * K4, MMK_PROT_READ | MMK_PROT_USER, NULL), 0);
	KEXPECT_EQ(simarm.tlbi_asid, by_asid + 1); /* the active space: its ASID (TLBIASID) */
	KEXPECT_EQ(simarm_stale_tlb_entries(true), 0);
	KEXPECT_EQ(mmk_mmu_unmap(&a, UVA + 16 * K4, 48 * K4, NULL), 0);
	KEXPECT_EQ(simarm.tlbi_asid, by_asid + 2);
	KEXPECT_EQ(simarm_stale_tlb_entries(true), 0);
	KEXPECT_FALSE(simarm_translate(UVA + 20 * K4, false, &pa));
	/* The kernel's, global: everything goes (TLBIALL). */
	KASSERT_EQ(mmk_mmu_map(&m.mmu.kernel, 0xC0000000u, RAM + 20 * M1, 40 * K4,
			       RW | MMK_PROT_GLOBAL, 12), 0);
	for (unsigned i = 0; i < 40; i++)
		KEXPECT_TRUE(simarm_translate(0xC0000000u + i * K4, true, &pa));
	KEXPECT_EQ(mmk_mmu_unmap(&m.mmu.kernel, 0xC0000000u, 40 * K4, NULL), 0);
	KEXPECT_EQ(simarm.tlbi_all, all + 1);
	KEXPECT_EQ(simarm_stale_tlb_entries(true), 0);
	mmk_mmu_activate(&m.mmu.kernel);
	KEXPECT_EQ(mmk_mmu_space_destroy(&a, NULL, NULL), 0);
	simarm_machine_free(&m);
}

/* What a batch's release callback saw: its calls, and TLB entries still holding them. */
struct released {
	unsigned calls;
	mmk_paddr_t pa[64];
	uint64_t size[64];
	unsigned tlb_held;
	uint32_t rewalk; /* nonzero: a walk of this address on every call (a CPU's speculation) */
	bool free;       /* the frames are single PMM frames: free them */
};

static void record_release(void *ctx, mmk_paddr_t pa, uint64_t size)
{
	struct released *r = ctx;
	uint64_t ignored;
	r->tlb_held += simarm_tlb_entries_for(pa, size);
	if (r->calls < 64) {
		r->pa[r->calls] = pa;
		r->size[r->calls] = size;
	}
	r->calls++;
	if (r->rewalk)
		(void)simarm_translate(r->rewalk, false, &ignored);
	if (r->free)
		mmk_pmm_release_frames(&m.pmm, pa, size);
}

/* Bytes of [lo, hi) the recorded calls released, counting a frame each time. */
static uint64_t released_in(const struct released *r, mmk_paddr_t lo, mmk_paddr_t hi)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < r->calls && i < 64; i++) {
		mmk_paddr_t a = r->pa[i] > lo ? r->pa[i] : lo;
		mmk_paddr_t b = r->pa[i] + r->size[i] < hi ? r->pa[i] + r->size[i] : hi;
		n += b > a ? b - a : 0;
	}
	return n;
}

static uint64_t released_total(const struct released *r)
{
	return released_in(r, 0, UINT64_MAX);
}

/* Unmaps [va, va+size) of s with a batch of its own releasing through r. */
static int unmap_released(struct mmk_mmu_space *s, uint32_t va, uint32_t size, struct released *r)
{
	struct mmk_mmu_batch b;
	mmk_mmu_batch_begin(&b, s, record_release, r);
	int err = mmk_mmu_unmap(s, va, size, &b);
	mmk_mmu_batch_finish(&b);
	return err;
}

/*
 * Regression (i386 panicked here): a large page and a section over PMM blocks that were
 * split into single frames, unmapped in part and then in whole, the frames released one
 * by one. Every release comes after the TLB let go of the frames and covers exactly what
 * was removed; every frame is back at the end.
 */
KTEST(mmu_armv7, large_pages_over_split_blocks_release_exactly_their_frames)
{
	struct mmk_mmu_space u;
	mmk_paddr_t large, sect;
	uint64_t pa;
	KASSERT_EQ(simarm_machine_boot(&m, 64 * M1), 0);
	uint64_t frames = m.pmm.free_frames;
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &u), 0);
	mmk_mmu_activate(&u);
	KASSERT_EQ(mmk_pmm_alloc_block(&m.pmm, 4, &large), 0); /* 64 KiB */
	KASSERT_EQ(mmk_pmm_alloc_block(&m.pmm, 8, &sect), 0);  /* 1 MiB */
	KASSERT_EQ(mmk_pmm_split_block(&m.pmm, large, 4), 0);
	KASSERT_EQ(mmk_pmm_split_block(&m.pmm, sect, 8), 0);
	KASSERT_EQ(mmk_mmu_map(&u, UVA, large, K64, URW, 16), 0);
	KASSERT_EQ(mmk_mmu_map(&u, UVA + M1, sect, M1, URW, 20), 0);
	for (uint32_t off = 0; off < K64; off += K4)
		KEXPECT_TRUE(simarm_translate(UVA + off, true, &pa));
	for (uint32_t off = 0; off < M1; off += K64)
		KEXPECT_TRUE(simarm_translate(UVA + M1 + off, true, &pa));
	/* In part: one page of the large page, two large pages of the section. */
	struct released r = {.free = true};
	KEXPECT_EQ(unmap_released(&u, UVA + 5 * K4, K4, &r), 0);
	KEXPECT_EQ(released_total(&r), K4);
	KEXPECT_EQ(released_in(&r, large + 5 * K4, large + 6 * K4), K4);
	r = (struct released){.free = true};
	KEXPECT_EQ(unmap_released(&u, UVA + M1 + K64, 2 * K64, &r), 0);
	KEXPECT_EQ(released_total(&r), 2 * K64);
	KEXPECT_EQ(released_in(&r, sect + K64, sect + 3 * K64), 2 * K64);
	KEXPECT_EQ(r.tlb_held, 0);
	struct mmk_mmu_mapping q;
	KASSERT_EQ(mmk_mmu_query(&u, UVA + 6 * K4, &q), 0);
	KEXPECT_EQ(q.pa, large + 6 * K4);
	KASSERT_EQ(mmk_mmu_query(&u, UVA + M1 + 3 * K64, &q), 0);
	KEXPECT_EQ(q.pa, sect + 3 * K64);
	KEXPECT_EQ(q.page_shift, 16);
	/* In whole: what is left, in one batch. */
	r = (struct released){.free = true};
	struct mmk_mmu_batch b;
	mmk_mmu_batch_begin(&b, &u, record_release, &r);
	KEXPECT_EQ(mmk_mmu_unmap(&u, UVA, 5 * K4, &b), 0);
	KEXPECT_EQ(mmk_mmu_unmap(&u, UVA + 6 * K4, K64 - 6 * K4, &b), 0);
	KEXPECT_EQ(mmk_mmu_unmap(&u, UVA + M1, K64, &b), 0);
	KEXPECT_EQ(mmk_mmu_unmap(&u, UVA + M1 + 3 * K64, M1 - 3 * K64, &b), 0);
	KEXPECT_EQ(r.calls, 0); /* nothing before the finish */
	mmk_mmu_batch_finish(&b);
	KEXPECT_EQ(released_total(&r), K64 - K4 + M1 - 2 * K64);
	KEXPECT_EQ(released_in(&r, large, large + 5 * K4), 5 * K4);
	KEXPECT_EQ(released_in(&r, large + 6 * K4, large + K64), K64 - 6 * K4);
	KEXPECT_EQ(released_in(&r, sect, sect + K64), K64);
	KEXPECT_EQ(released_in(&r, sect + 3 * K64, sect + M1), M1 - 3 * K64);
	KEXPECT_EQ(r.tlb_held, 0);
	KEXPECT_EQ(simarm_stale_tlb_entries(true), 0);
	KEXPECT_EQ(u.table_pages, 0);
	mmk_mmu_activate(&m.mmu.kernel);
	KEXPECT_EQ(mmk_mmu_space_destroy(&u, NULL, NULL), 0);
	KEXPECT_EQ(m.pmm.free_frames, frames);
	KEXPECT_EQ(mmk_pmm_check(&m.pmm), 0);
	simarm_machine_free(&m);
}

/*
 * A table emptied by an unmap leaves the walk cache before its frame goes back, even when
 * a batch that filled up flushed early and the CPU walked through the emptied table
 * again since (a speculative walk, as the release callback does here): the 33rd frame
 * of the unmap flushes the first 32, before the prune clears the table's L1 entry.
 */
KTEST(mmu_armv7, a_freed_table_leaves_the_walk_cache_before_its_frame)
{
	struct mmk_mmu_space u;
	mmk_paddr_t block;
	uint64_t pa;
	const uint32_t last = UVA + 4 * M1 - 32 * K4; /* the last 32 pages of a group's last MiB */
	KASSERT_EQ(simarm_machine_boot(&m, 64 * M1), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &u), 0);
	mmk_mmu_activate(&u);
	KASSERT_EQ(mmk_pmm_alloc_block(&m.pmm, 7, &block), 0);
	for (uint32_t i = 0; i < 34; i++) /* frames apart: every leaf is a release of its own */
		KASSERT_EQ(mmk_mmu_map(&u, last + i * K4, block + 2 * i * K4, K4, URW, 0), 0);
	KEXPECT_EQ(u.table_pages, 2);
	for (uint32_t i = 0; i < 34; i++)
		KEXPECT_TRUE(simarm_translate(last + i * K4, true, &pa));
	struct released r = {.rewalk = last};
	KEXPECT_EQ(unmap_released(&u, last, 33 * K4, &r), 0); /* the next group keeps a page */
	KEXPECT_EQ(r.calls, 33);
	KEXPECT_EQ(released_total(&r), 33 * K4);
	KEXPECT_EQ(r.tlb_held, 0);
	KEXPECT_EQ(u.table_pages, 1);
	KEXPECT_EQ(simarm_stale_tlb_entries(true), 0);
	KEXPECT_EQ(simarm.tables_freed_cached, 0);
	KEXPECT_FALSE(simarm_translate(last, false, &pa));
	KEXPECT_TRUE(simarm_translate(last + 33 * K4, false, &pa));
	mmk_mmu_activate(&m.mmu.kernel);
	KEXPECT_EQ(mmk_mmu_space_destroy(&u, NULL, NULL), 0);
	KEXPECT_EQ(mmk_pmm_free_block(&m.pmm, block, 7), 0); /* the caller's frames */
	simarm_machine_free(&m);
}

static int count_leaf(void *ctx, const struct mmk_mmu_mapping *mp)
{
	unsigned *seen = ctx;
	bool writable = mp->flags & MMK_PROT_WRITE;
	if ((mp->flags & MMK_MAP_ACCESSED) && !!(mp->flags & MMK_MAP_DIRTY) == writable)
		seen[writable]++;
	return 0;
}

/* No access flag, no dirty bit: every leaf is accessed, dirty when writable, and stays so. */
KTEST(mmu_armv7, accessed_and_dirty_are_reported_from_the_permissions)
{
	struct mmk_mmu_space u;
	KASSERT_EQ(simarm_machine_boot(&m, 64 * M1), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &u), 0);
	mmk_mmu_activate(&u);
	KASSERT_EQ(mmk_mmu_map(&u, UVA, RAM + 8 * M1, 3 * K4, URW, 0), 0);
	KASSERT_EQ(mmk_mmu_map(&u, UVA + M1, RAM + 9 * M1, M1, MMK_PROT_READ | MMK_PROT_USER, 0), 0);
	uint64_t ops = simarm.tlbi_mva + simarm.tlbi_asid + simarm.tlbi_all;
	for (int round = 0; round < 2; round++) {
		unsigned seen[2] = {0, 0}; /* read-only, writable */
		KEXPECT_EQ(mmk_mmu_clear_accessed(&u, UVA, 2 * M1, MMK_MAP_ACCESSED | MMK_MAP_DIRTY,
						  count_leaf, seen, NULL), 0);
		KEXPECT_EQ(seen[0], 1); /* the section */
		KEXPECT_EQ(seen[1], 3);
	}
	KEXPECT_EQ(simarm.tlbi_mva + simarm.tlbi_asid + simarm.tlbi_all, ops); /* nothing changed */
	mmk_mmu_activate(&m.mmu.kernel);
	KEXPECT_EQ(mmk_mmu_space_destroy(&u, NULL, NULL), 0);
	simarm_machine_free(&m);
}

/* ------------------------------------------------------------ mmk_mmu_init's boot mappings */

#define KVA 0x80100000u /* the image: RAM + 1 MiB (SIMARM_KERNEL_PA), linearly */
#define KPA (RAM + M1)
#define RO MMK_PROT_READ
#define RX (MMK_PROT_READ | MMK_PROT_EXEC)
#define RWX (RW | MMK_PROT_EXEC)
#define G MMK_PROT_GLOBAL
#define UART_VA 0xFFF00000u
#define UART_PA 0x09000000u
#define VECTORS_VA 0xFFFF0000u
#define VECTORS_PA (KPA + 0x3F000u) /* a frame of the image's text */

/* A 1 MiB image: text RX, rodata R, data RW (flags as the boot gives them, no GLOBAL). */
static void add_sections(struct mmk_mmu_boot *b)
{
	b->kernel_va = KVA;
	b->kernel_size = M1;
	b->sections[0] = (struct mmk_mmu_boot_section){KVA, KPA, 0x40000, RX};
	b->sections[1] = (struct mmk_mmu_boot_section){KVA + 0x40000, KPA + 0x40000, 0x20000, RO};
	b->sections[2] = (struct mmk_mmu_boot_section){KVA + 0x60000, KPA + 0x60000, 0xA0000, RW};
	b->section_count = 3;
}

/* The real kernel's two: the PL011 at 0xFFF00000 (device), the vector page. */
static void add_fixed(struct mmk_mmu_boot *b)
{
	b->fixed[0] = (struct mmk_mmu_boot_section){UART_VA, UART_PA, K4, RW | MMK_CACHE_UC};
	b->fixed[1] = (struct mmk_mmu_boot_section){VECTORS_VA, VECTORS_PA, K4, RX};
	b->fixed_count = 2;
}

/* What a leaf with these flags reports of its accessed/dirty state: with the access flag
 * off there is none, so always accessed, and dirty when writable. */
static unsigned reported(unsigned flags)
{
	return flags | MMK_MAP_ACCESSED | (flags & MMK_PROT_WRITE ? MMK_MAP_DIRTY : 0);
}

/* mmk_mmu_query at va: exactly these flags, this page size, va's own frame in the linear map
 * (or pa), and the reference walk agrees. */
static void expect_mapping(uint32_t va, uint64_t pa, unsigned flags, unsigned page_shift)
{
	struct mmk_mmu_mapping q;
	KEXPECT_EQ(mmk_mmu_query(&m.mmu.kernel, va, &q), 0);
	KEXPECT_EQ(q.pa + (va - q.va), pa);
	KEXPECT_EQ(q.flags, reported(flags));
	KEXPECT_EQ(q.page_shift, page_shift);
	KEXPECT_TRUE(agrees(&m.mmu.kernel, va));
}

static uint64_t lin_pa(uint32_t va)
{
	return RAM + (va - 0x80000000u);
}

/* The sections are 64 KiB aligned here: the section they are in becomes large pages. */
KTEST(mmu_armv7, init_protects_image_sections_in_large_pages)
{
	struct mmk_mmu_boot boot = {0};
	add_sections(&boot);
	KASSERT_EQ(simarm_machine_boot_with(&m, 64 * M1, &boot), 0);
	KEXPECT_EQ(simarm.ttbr1, m.mmu.kernel.root);
	for (uint32_t off = 0; off < 0x40000; off += 0x1F000) /* text */
		expect_mapping(KVA + off + 4, KPA + off + 4, RX | G, 16);
	expect_mapping(KVA + 0x3F000, KPA + 0x3F000, RX | G, 16);
	for (uint32_t off = 0x40000; off < 0x60000; off += 0xF000) /* rodata */
		expect_mapping(KVA + off, KPA + off, RO | G, 16);
	expect_mapping(KVA + 0x5F000, KPA + 0x5F000, RO | G, 16);
	for (uint32_t off = 0x60000; off < M1; off += 0x1F000) /* data */
		expect_mapping(KVA + off, KPA + off, RW | G, 16);
	expect_mapping(KVA + M1 - K4, KPA + M1 - K4, RW | G, 16);
	/* RAM around the image: 1 MiB sections, RW, never executable */
	expect_mapping(0x80000000u, RAM, RW | G, 20);
	expect_mapping(KVA + M1, KPA + M1, RW | G, 20);
	expect_mapping(0x80000000u + 63 * M1 + 5, lin_pa(0x80000000u + 63 * M1 + 5), RW | G, 20);
	KEXPECT_EQ(m.mmu.kernel.table_pages, 1); /* the image's section became one L2 table */
	for (uint32_t va = 0x80000000u; va < 0x80000000u + 4 * M1; va += K4)
		if (!agrees(&m.mmu.kernel, va))
			KEXPECT_TRUE(agrees(&m.mmu.kernel, va));
	/* through the simulated TLB: text and rodata refuse kernel writes, data takes them */
	uint64_t pa;
	KEXPECT_FALSE(simarm_translate(KVA, true, &pa));
	KEXPECT_TRUE(simarm_translate(KVA + 0x40000, false, &pa));
	KEXPECT_FALSE(simarm_translate(KVA + 0x40000, true, &pa));
	KEXPECT_TRUE(simarm_translate(KVA + 0x60000, true, &pa));
	KEXPECT_EQ(pa, KPA + 0x60000);
	simarm_machine_free(&m);
}

KTEST(mmu_armv7, init_maps_image_rwx_without_sections)
{
	/* kernel_size not a multiple of the page: rounded up to 0x8019F000; 64 KiB pages
	 * up to 0x80190000, 4 KiB pages in the last 64 KiB */
	struct mmk_mmu_boot boot = {.kernel_va = KVA, .kernel_size = 0x9E800};
	KASSERT_EQ(simarm_machine_boot_with(&m, 64 * M1, &boot), 0);
	expect_mapping(KVA, KPA, RWX | G, 16);
	expect_mapping(KVA + 0x50000, KPA + 0x50000, RWX | G, 16);
	expect_mapping(KVA + 0x9E000 + 0x900, KPA + 0x9E900, RWX | G, 12);
	expect_mapping(KVA + 0x9F000, KPA + 0x9F000, RW | G, 12); /* rest of its MiB: RW, NX */
	expect_mapping(KVA + 0xA0000, KPA + 0xA0000, RW | G, 16);
	expect_mapping(KVA + M1 - K4, KPA + M1 - K4, RW | G, 16);
	expect_mapping(KVA - K4, KPA - K4, RW | G, 20);
	expect_mapping(KVA + M1, KPA + M1, RW | G, 20);
	for (uint32_t va = 0x80000000u; va < 0x80000000u + 3 * M1; va += K4)
		if (!agrees(&m.mmu.kernel, va))
			KEXPECT_TRUE(agrees(&m.mmu.kernel, va));
	simarm_machine_free(&m);
}

KTEST(mmu_armv7, init_makes_fixed_mappings)
{
	struct mmk_mmu_boot boot = {0};
	add_sections(&boot);
	add_fixed(&boot);
	KASSERT_EQ(simarm_machine_boot_with(&m, 64 * M1, &boot), 0);
	struct mmk_mmu_mapping q;
	expect_mapping(UART_VA, UART_PA, RW | G | MMK_CACHE_UC, 12);
	expect_mapping(UART_VA + 0x18, UART_PA + 0x18, RW | G | MMK_CACHE_UC, 12);
	KASSERT_EQ(mmk_mmu_query(&m.mmu.kernel, UART_VA, &q), 0);
	KEXPECT_EQ(q.flags & MMK_CACHE_MASK, MMK_CACHE_UC);
	expect_mapping(VECTORS_VA, VECTORS_PA, RX | G, 12);
	expect_mapping(VECTORS_VA + 0xFFC, VECTORS_PA + 0xFFC, RX | G, 12);
	KASSERT_EQ(mmk_mmu_query(&m.mmu.kernel, VECTORS_VA, &q), 0);
	KEXPECT_EQ(q.flags & MMK_CACHE_MASK, MMK_CACHE_WB);
	/* only those pages */
	static const uint32_t around[] = {UART_VA - K4, UART_VA + K4, VECTORS_VA - K4,
					  VECTORS_VA + K4, 0xFFFFF000u};
	for (unsigned i = 0; i < sizeof(around) / sizeof(around[0]); i++) {
		KEXPECT_EQ(mmk_mmu_query(&m.mmu.kernel, around[i], &q), -MMK_ENOENT);
		KEXPECT_TRUE(agrees(&m.mmu.kernel, around[i]));
	}
	uint64_t pa;
	KEXPECT_TRUE(simarm_translate(UART_VA + 4, true, &pa));
	KEXPECT_EQ(pa, UART_PA + 4);
	KEXPECT_FALSE(simarm_translate(VECTORS_VA, true, &pa)); /* read-only */
	simarm_machine_free(&m);
}

/* mmk_mmu_init fails with err, having kept nothing: PMM as before, boot tables still in use. */
static void expect_init_fails(const struct mmk_mmu_boot *boot, int err)
{
	uint64_t frames = m.pmm.free_frames;
	KEXPECT_EQ(simarm_machine_start(&m, boot), err);
	KEXPECT_EQ(m.pmm.free_frames, frames);
	KEXPECT_EQ(mmk_pmm_check(&m.pmm), 0);
	KEXPECT_EQ(simarm.ttbr1, 0); /* never switched */
}

KTEST(mmu_armv7, init_rejects_bad_fixed_mappings_keeping_nothing)
{
	simarm_machine_prepare(&m, 64 * M1);
	uint64_t frames = m.pmm.free_frames;
	struct mmk_mmu_boot boot = {0};
	add_sections(&boot); /* the image's table and the vector page's are made first */
	add_fixed(&boot);
	boot.fixed[0].flags |= MMK_PROT_USER;
	expect_init_fails(&boot, -MMK_EPERM);
	add_fixed(&boot);
	boot.fixed[0].va = UART_VA + 0x800;
	expect_init_fails(&boot, -MMK_EALIGN);
	add_fixed(&boot); /* on the linear map's first section */
	boot.fixed[0] = (struct mmk_mmu_boot_section){0x80000000u, UART_PA, K4, RW | MMK_CACHE_UC};
	expect_init_fails(&boot, -MMK_EEXIST);
	add_fixed(&boot); /* after the vector page, over it */
	boot.fixed[2] = (struct mmk_mmu_boot_section){VECTORS_VA, UART_PA, K4, RW | MMK_CACHE_UC};
	boot.fixed_count = 3;
	expect_init_fails(&boot, -MMK_EEXIST);
	KEXPECT_EQ(m.pmm.free_frames, frames);
	add_fixed(&boot); /* the same machine still boots */
	KEXPECT_EQ(simarm_machine_start(&m, &boot), 0);
	KEXPECT_LT(m.pmm.free_frames, frames);
	expect_mapping(UART_VA, UART_PA, RW | G | MMK_CACHE_UC, 12);
	simarm_machine_free(&m);
}

KTEST(mmu_armv7, init_out_of_memory_at_every_allocation_keeps_nothing)
{
	struct mmk_mmu_boot boot = {0};
	add_sections(&boot);
	add_fixed(&boot);
	simarm_machine_prepare(&m, 64 * M1);
	uint64_t frames = m.pmm.free_frames;
	unsigned failures = 0;
	int err = -MMK_ENOMEM;
	for (uint64_t nth = 1; nth <= 64 && err; nth++) {
		mmk_pmm_inject_failure(&m.pmm, nth);
		err = simarm_machine_start(&m, &boot);
		if (err) {
			failures++;
			KEXPECT_EQ(err, -MMK_ENOMEM);
			KEXPECT_EQ(m.pmm.free_frames, frames);
			KEXPECT_EQ(mmk_pmm_check(&m.pmm), 0);
			KEXPECT_EQ(simarm.ttbr1, 0);
		}
	}
	mmk_pmm_inject_failure(&m.pmm, 0); /* armed past the last allocation: disarm */
	mmk_printf("    # mmk_mmu_init: %u allocation points\n", failures);
	KASSERT_EQ(err, 0);
	KEXPECT_GE(failures, 3);
	KEXPECT_EQ(simarm.ttbr1, m.mmu.kernel.root);
	expect_mapping(KVA, KPA, RX | G, 16);
	expect_mapping(KVA + 0x60000, KPA + 0x60000, RW | G, 16);
	expect_mapping(UART_VA, UART_PA, RW | G | MMK_CACHE_UC, 12);
	expect_mapping(VECTORS_VA, VECTORS_PA, RX | G, 12);
	simarm_machine_free(&m);
}

/* Regression: splitting a section of the linear map split the PMM block behind it. */
KTEST(mmu_armv7, splitting_the_linear_map_leaves_pmm_blocks_whole)
{
	struct mmk_mmu_mapping q;
	mmk_paddr_t pa;
	KASSERT_EQ(simarm_machine_boot(&m, 64 * M1), 0);
	KASSERT_EQ(mmk_pmm_alloc_block(&m.pmm, 8, &pa), 0); /* 1 MiB: one section of the map */
	mmk_vaddr_t va = 0x80000000u + (uint32_t)(pa - RAM);
	KASSERT_EQ(mmk_mmu_query(&m.mmu.kernel, va, &q), 0);
	KEXPECT_EQ(q.page_shift, 20);
	KEXPECT_EQ(mmk_mmu_protect(&m.mmu.kernel, va + K4, K4, MMK_PROT_READ | MMK_PROT_GLOBAL, NULL), 0);
	KASSERT_EQ(mmk_mmu_query(&m.mmu.kernel, va, &q), 0);
	KEXPECT_EQ(q.page_shift, 12); /* split */
	KEXPECT_EQ(mmk_pmm_free_block(&m.pmm, pa, 8), 0); /* still the caller's block */
	KEXPECT_EQ(mmk_pmm_check(&m.pmm), 0);
	simarm_machine_free(&m);
}
