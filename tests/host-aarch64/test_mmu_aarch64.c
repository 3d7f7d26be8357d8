/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The AArch64 MMU backend (arch/aarch64/mmu.c) on a simulated AArch64
 * (hosted/aarch64/sim.c), checked against the reference VMSAv8-64 walk
 * (hosted/aarch64/refmmu.c) and the simulated TLB and walk cache: what is machine
 * specific - the descriptor encodings, mmk_mmu_init's mappings and switch, the TLB
 * hook by ASID. The portable behaviour is tests/vm/'s, run over the same simulator.
 */
#include <mmukit/errno.h>
#include <mmukit/ktest.h>
#include <mmukit/mmu.h>
#include <mmukit/pmm.h>
#include <mmukit/services.h>

#include "cpu.h"
#include "sim.h"

#define R MMK_PROT_READ
#define RW (MMK_PROT_READ | MMK_PROT_WRITE)
#define URW (RW | MMK_PROT_USER)
#define K4 0x1000ull
#define M2 0x200000ull
#define G1 0x40000000ull
#define MIB 0x100000ull
#define RAM SIMA64_RAM_BASE
#define DIRECT SIMA64_DIRECT_MAP
#define UVA 0x0000004000000000ull /* an L0 slot of its own */
#define KWIN 0xFFFF800000000000ull /* the kernel window */
#define CONSOLE_VA 0xFFFFFFFF49000000ull
#define UART_PA 0x09000000ull

static struct sima64_machine m;

/* The reference walk of va in space s (its root in TTBR0 unless it is the kernel's). */
static enum refa64_fault ref(const struct mmk_mmu_space *s, uint64_t va, struct refa64_translation *t)
{
	struct refa64_ram mem = {sima64.ram, RAM, sima64.ram_size};
	struct refa64_regs regs = {s->is_kernel ? m.mmu.md.idle_root : s->root,
				   m.mmu.kernel.root, false};
	return refa64_walk(&mem, &regs, va, t);
}

/* mmk_mmu_query and the reference walk agree on va. */
static bool agrees(const struct mmk_mmu_space *s, uint64_t va)
{
	struct refa64_translation t;
	struct mmk_mmu_mapping q;
	enum refa64_fault f = ref(s, va, &t);
	int err = mmk_mmu_query(s, va, &q);
	if (f != REFA64_OK)
		return err == -MMK_ENOENT;
	bool user = q.flags & MMK_PROT_USER, exec = q.flags & MMK_PROT_EXEC;
	return err == 0 && q.pa + (va - q.va) == t.pa && (1ull << q.page_shift) == t.page_size &&
	       !!(q.flags & MMK_PROT_WRITE) == t.priv_write && user == t.user_read &&
	       (user ? t.user_exec == exec && !t.priv_exec : t.priv_exec == exec && !t.user_exec) &&
	       !!(q.flags & MMK_PROT_GLOBAL) == t.global;
}

static unsigned valid_tlb_entries(unsigned asid)
{
	unsigned n = 0;
	for (unsigned i = 0; i < SIMA64_TLB_ENTRIES; i++)
		n += sima64.tlb[i].valid && !sima64.tlb[i].global && sima64.tlb[i].asid == asid;
	return n;
}

KTEST(mmu_aarch64, init_maps_ram_in_the_direct_map_with_blocks_and_switches)
{
	KASSERT_EQ(sima64_machine_boot(&m, 2 * G1 + 3 * M2), 0);
	struct mmk_mmu_space *k = &m.mmu.kernel;
	struct mmk_mmu_mapping q;
	KEXPECT_EQ(sima64.ttbr1, k->root);
	KEXPECT_EQ(sima64.ttbr0, m.mmu.md.idle_root); /* ASID 0, an empty table */
	KEXPECT_NE(m.mmu.md.idle_root, 0);
	KEXPECT_TRUE(sima64.tcr & (1ull << 36));      /* TCR_EL1.AS: 16-bit ASIDs */
	KEXPECT_EQ(m.mmu.asids.bits, 12);             /* all the allocator tracks */
	KEXPECT_GE(sima64.tlbi_all, 1);               /* the boot's entries dropped */
	KASSERT_EQ(mmk_mmu_query(k, DIRECT + RAM + 12345, &q), 0);
	KEXPECT_EQ(q.pa, RAM);
	KEXPECT_EQ(q.page_shift, 30);
	KEXPECT_EQ(q.flags, RW | MMK_PROT_GLOBAL | MMK_MAP_ACCESSED | MMK_MAP_DIRTY);
	KEXPECT_TRUE(agrees(k, DIRECT + RAM + 12345));
	KASSERT_EQ(mmk_mmu_query(k, DIRECT + RAM + 2 * G1 + M2, &q), 0); /* the tail: 2 MiB */
	KEXPECT_EQ(q.page_shift, 21);
	KEXPECT_EQ(mmk_mmu_query(k, DIRECT + RAM + 2 * G1 + 3 * M2, &q), -MMK_ENOENT);
	KEXPECT_EQ(mmk_mmu_query(k, DIRECT + UART_PA, &q), -MMK_ENOENT); /* devices: no */
	KASSERT_EQ(mmk_mmu_query(k, SIMA64_KERNEL_VA + 2 * MIB, &q), 0); /* the image */
	KEXPECT_EQ(q.pa, SIMA64_KERNEL_PA);
	KEXPECT_TRUE(q.flags & MMK_PROT_EXEC);
	KEXPECT_EQ(sima64.code_syncs, 1); /* made executable: synced first */
	uint64_t pa;
	KEXPECT_FALSE(sima64_translate(SIMA64_KERNEL_PA, false, &pa)); /* no identity map */
	KEXPECT_TRUE(sima64_translate(DIRECT + RAM + G1 + 5, true, &pa) && pa == RAM + G1 + 5);
	sima64_machine_free(&m);

	sima64_offer(8, 0);
	KASSERT_EQ(sima64_machine_boot(&m, 64 * MIB), 0);
	KEXPECT_FALSE(sima64.tcr & (1ull << 36));
	KEXPECT_EQ(m.mmu.asids.bits, 8);
	sima64_machine_free(&m);
	sima64_offer(16, 0);
}

/* The descriptor bits the reference walker sees for each kind of mapping. */
KTEST(mmu_aarch64, leaves_encode_permissions_execute_never_and_memory_types)
{
	static const struct {
		unsigned flags;
		bool user;
		unsigned attr, ap; /* AttrIndx, AP[2:1] */
		bool pxn, uxn, ng;
	} cases[] = {
		{URW, true, 0, 1, true, true, true},
		{R | MMK_PROT_USER | MMK_PROT_EXEC, true, 0, 3, true, false, true},
		{RW | MMK_CACHE_WT, true, 1, 0, true, true, true},           /* kernel-only page */
		{R | MMK_PROT_EXEC, false, 0, 2, false, true, false},
		{RW | MMK_CACHE_WC, false, 2, 0, true, true, false},
		{RW | MMK_CACHE_UC, false, 3, 0, true, true, false},
	};
	struct mmk_mmu_space u;
	KASSERT_EQ(sima64_machine_boot(&m, 64 * MIB), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &u), 0);
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mmk_mmu_space *s = cases[i].user ? &u : &m.mmu.kernel;
		uint64_t va = (cases[i].user ? UVA : KWIN) + i * K4;
		KASSERT_EQ(mmk_mmu_map(s, va, RAM + 8 * MIB + i * K4, K4, cases[i].flags, 0), 0);
		struct refa64_translation t;
		KASSERT_EQ(ref(s, va, &t), REFA64_OK);
		uint64_t d = t.descriptor;
		KEXPECT_EQ(d & 3, 3);                    /* a level 3 page */
		KEXPECT_TRUE(d & (1ull << 10));          /* AF */
		KEXPECT_EQ((d >> 2) & 7, cases[i].attr);
		KEXPECT_EQ((d >> 6) & 3, cases[i].ap);
		KEXPECT_EQ(!!(d & (1ull << 53)), cases[i].pxn);
		KEXPECT_EQ(!!(d & (1ull << 54)), cases[i].uxn);
		KEXPECT_EQ(!!(d & (1ull << 11)), cases[i].ng);
		KEXPECT_EQ((d >> 8) & 3, cases[i].attr == 3 ? 0u : 3u); /* inner shareable */
		KEXPECT_TRUE(agrees(s, va));
		struct mmk_mmu_mapping q;
		KASSERT_EQ(mmk_mmu_query(s, va, &q), 0);
		unsigned want = cases[i].flags | (cases[i].user ? 0 : MMK_PROT_GLOBAL);
		KEXPECT_EQ(q.flags & ~(MMK_MAP_ACCESSED | MMK_MAP_DIRTY), want);
	}
	KEXPECT_EQ(mmk_mmu_unmap(&m.mmu.kernel, KWIN + 3 * K4, 3 * K4, NULL), 0);
	KEXPECT_EQ(mmk_mmu_space_destroy(&u, NULL, NULL), 0);
	sima64_machine_free(&m);
}

KTEST(mmu_aarch64, init_protects_image_sections_and_makes_the_console_page)
{
	uint64_t kva = SIMA64_KERNEL_VA + 2 * MIB;
	struct mmk_mmu_boot boot = {
		.kernel_size = MIB,
		.sections = {{kva, SIMA64_KERNEL_PA, 64 * K4, R | MMK_PROT_EXEC},
			     {kva + 64 * K4, SIMA64_KERNEL_PA + 64 * K4, 32 * K4, R},
			     {kva + 96 * K4, SIMA64_KERNEL_PA + 96 * K4, MIB - 96 * K4, RW}},
		.section_count = 3,
		.fixed = {{CONSOLE_VA, UART_PA, K4, RW | MMK_CACHE_UC}},
		.fixed_count = 1,
	};
	sima64_machine_prepare(&m, 64 * MIB);
	KASSERT_EQ(sima64_machine_start(&m, &boot), 0);
	struct mmk_mmu_space *k = &m.mmu.kernel;
	struct refa64_translation t;
	KASSERT_EQ(ref(k, kva + 5 * K4, &t), REFA64_OK);
	KEXPECT_TRUE(t.priv_exec && !t.priv_write && t.global);
	KASSERT_EQ(ref(k, kva + 70 * K4, &t), REFA64_OK);
	KEXPECT_TRUE(!t.priv_exec && !t.priv_write);
	KASSERT_EQ(ref(k, kva + 200 * K4, &t), REFA64_OK);
	KEXPECT_TRUE(!t.priv_exec && t.priv_write && !t.user_read);
	KEXPECT_EQ(t.page_size, K4);
	KASSERT_EQ(ref(k, CONSOLE_VA + 0x18, &t), REFA64_OK);
	KEXPECT_EQ(t.pa, UART_PA + 0x18);
	KEXPECT_EQ(t.attr_index, 3); /* Device-nGnRE */
	KEXPECT_TRUE(!t.priv_exec && !t.user_exec);
	for (uint64_t va = kva; va < kva + MIB; va += K4)
		if (!agrees(k, va))
			KEXPECT_TRUE(agrees(k, va));
	sima64_machine_free(&m);
}

KTEST(mmu_aarch64, init_out_of_memory_at_every_allocation_keeps_nothing)
{
	sima64_machine_prepare(&m, 64 * MIB);
	uint64_t frames = m.pmm.free_frames;
	unsigned failures = 0, tries = 0;
	for (uint64_t nth = 1;; nth++, tries++) {
		mmk_pmm_inject_failure(&m.pmm, nth);
		int err = sima64_machine_start(&m, NULL);
		mmk_pmm_inject_failure(&m.pmm, 0);
		if (err == 0)
			break;
		if (err != -MMK_ENOMEM || m.pmm.free_frames != frames || sima64.ttbr1 != 0 ||
		    sima64.ttbr0 != 0 || mmk_pmm_check(&m.pmm) != 0)
			failures++;
	}
	KEXPECT_EQ(failures, 0);
	KEXPECT_GE(tries, 5); /* idle root, kernel root, L1 and L2 of the direct map, ... */
	KEXPECT_EQ(frames - m.pmm.free_frames, tries);
	sima64_machine_free(&m);
}

KTEST(mmu_aarch64, a_bad_fixed_mapping_fails_init_and_keeps_nothing)
{
	struct mmk_mmu_boot boot = {.fixed = {{CONSOLE_VA, UART_PA, K4, URW}}, .fixed_count = 1};
	sima64_machine_prepare(&m, 64 * MIB);
	uint64_t frames = m.pmm.free_frames;
	KEXPECT_EQ(sima64_machine_start(&m, &boot), -MMK_EPERM); /* user in the kernel */
	boot.fixed[0].flags = RW;
	boot.fixed[0].va = CONSOLE_VA + 1;
	KEXPECT_EQ(sima64_machine_start(&m, &boot), -MMK_EALIGN);
	boot.fixed[0].va = SIMA64_KERNEL_VA + 2 * MIB; /* over the image */
	KEXPECT_EQ(sima64_machine_start(&m, &boot), -MMK_EEXIST);
	KEXPECT_EQ(m.pmm.free_frames, frames);
	KEXPECT_EQ(sima64.ttbr1, 0);
	sima64_machine_free(&m);
}

/* An edit of a space that is not running is invalidated at once, by its ASID. */
KTEST(mmu_aarch64, spaces_are_tagged_and_invalidated_by_asid)
{
	struct mmk_mmu_space a, b;
	uint64_t pa;
	KASSERT_EQ(sima64_machine_boot(&m, 64 * MIB), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &a), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &b), 0);
	KASSERT_EQ(mmk_mmu_map(&a, UVA, RAM + 8 * MIB, 8 * K4, URW, 0), 0);
	KASSERT_EQ(mmk_mmu_map(&b, UVA, RAM + 9 * MIB, 8 * K4, URW, 0), 0);
	mmk_mmu_activate(&a);
	KEXPECT_EQ(sima64.ttbr0, a.root | (uint64_t)a.asid << 48);
	for (unsigned i = 0; i < 8; i++)
		KEXPECT_TRUE(sima64_translate(UVA + i * K4, true, &pa) && pa == RAM + 8 * MIB + i * K4);
	mmk_mmu_activate(&b);
	KEXPECT_NE(a.asid, b.asid);
	for (unsigned i = 0; i < 8; i++)
		KEXPECT_TRUE(sima64_translate(UVA + i * K4, true, &pa) && pa == RAM + 9 * MIB + i * K4);
	KEXPECT_EQ(valid_tlb_entries(a.asid), 8); /* a's entries stay while b runs */
	uint64_t vale = sima64.tlbi_vale;
	KEXPECT_EQ(mmk_mmu_unmap(&a, UVA, K4, NULL), 0);           /* a is not running */
	KEXPECT_EQ(mmk_mmu_protect(&a, UVA + K4, K4, R | MMK_PROT_USER, NULL), 0);
	KEXPECT_EQ(sima64.tlbi_vale, vale + 2);
	KEXPECT_EQ(valid_tlb_entries(a.asid), 6);
	KEXPECT_EQ(valid_tlb_entries(b.asid), 8);                  /* b's untouched */
	mmk_mmu_activate(&a);
	KEXPECT_EQ(sima64_stale_tlb_entries(true), 0);
	KEXPECT_FALSE(sima64_translate(UVA, false, &pa));
	KEXPECT_FALSE(sima64_translate(UVA + K4, true, &pa));
	KEXPECT_TRUE(sima64_translate(UVA + 2 * K4, true, &pa));
	/* Past the threshold: one ASIDE1 for the whole space. */
	uint64_t by_asid = sima64.tlbi_asid;
	mmk_mmu_activate(&b);
	KASSERT_EQ(mmk_mmu_map(&a, UVA + M2, RAM + 10 * MIB, 64 * K4, URW, 12), 0);
	mmk_mmu_activate(&a);
	for (unsigned i = 0; i < 64; i++)
		KEXPECT_TRUE(sima64_translate(UVA + M2 + i * K4, true, &pa));
	mmk_mmu_activate(&b);
	KEXPECT_EQ(mmk_mmu_unmap(&a, UVA + M2, 64 * K4, NULL), 0);
	KEXPECT_EQ(sima64.tlbi_asid, by_asid + 1);
	KEXPECT_EQ(valid_tlb_entries(b.asid), 8);
	mmk_mmu_activate(&a);
	KEXPECT_EQ(sima64_stale_tlb_entries(true), 0);
	mmk_mmu_activate(&m.mmu.kernel);
	KEXPECT_EQ(sima64.ttbr0, m.mmu.md.idle_root);
	KEXPECT_FALSE(sima64_translate(UVA + 2 * K4, false, &pa)); /* no user entry under it */
	KEXPECT_EQ(mmk_mmu_space_destroy(&a, NULL, NULL), 0);
	KEXPECT_EQ(mmk_mmu_space_destroy(&b, NULL, NULL), 0);
	KEXPECT_EQ(sima64.tlbi_outside, 0); /* every TLBI inside DSB brackets */
	sima64_machine_free(&m);
}

/* A table freed with the batch is invalidated at every level (VAE1), not the leaf only. */
KTEST(mmu_aarch64, a_freed_table_leaves_no_walk_cache_entry)
{
	struct mmk_mmu_space u;
	uint64_t pa;
	KASSERT_EQ(sima64_machine_boot(&m, 64 * MIB), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &u), 0);
	mmk_mmu_activate(&u);
	KASSERT_EQ(mmk_mmu_map(&u, UVA, RAM + 8 * MIB, K4, URW, 0), 0);
	KEXPECT_TRUE(sima64_translate(UVA, true, &pa)); /* caches the level-3 table too */
	uint64_t va_ops = sima64.tlbi_va;
	KEXPECT_EQ(mmk_mmu_unmap(&u, UVA, K4, NULL), 0); /* the last page: its table goes */
	KEXPECT_GT(sima64.tlbi_va, va_ops);
	KEXPECT_EQ(sima64_stale_tlb_entries(true), 0);
	/* The freed table's frame is reused for another table; the walk must not see it. */
	KASSERT_EQ(mmk_mmu_map(&u, UVA + 4 * G1, RAM + 9 * MIB, K4, URW, 0), 0);
	KEXPECT_FALSE(sima64_translate(UVA, false, &pa));
	KEXPECT_EQ(sima64_stale_tlb_entries(true), 0);
	mmk_mmu_activate(&m.mmu.kernel);
	KEXPECT_EQ(mmk_mmu_space_destroy(&u, NULL, NULL), 0);
	sima64_machine_free(&m);
}

/* Kernel entries are global: dropped for every ASID (VAAE1 / VMALLE1). */
KTEST(mmu_aarch64, kernel_entries_are_global_and_invalidated_for_every_asid)
{
	struct mmk_mmu_space u;
	uint64_t pa;
	KASSERT_EQ(sima64_machine_boot(&m, 64 * MIB), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &u), 0);
	mmk_mmu_activate(&u);
	KASSERT_EQ(mmk_mmu_map(&m.mmu.kernel, KWIN, RAM + 8 * MIB, 64 * K4, RW, 0), 0);
	for (unsigned i = 0; i < 64; i++)
		KEXPECT_TRUE(sima64_translate(KWIN + i * K4, true, &pa));
	mmk_mmu_activate(&m.mmu.kernel);
	uint64_t vaa = sima64.tlbi_vaa;
	KEXPECT_EQ(mmk_mmu_protect(&m.mmu.kernel, KWIN, K4, R, NULL), 0);
	KEXPECT_EQ(mmk_mmu_unmap(&m.mmu.kernel, KWIN + K4, 2 * K4, NULL), 0);
	KEXPECT_EQ(sima64.tlbi_vaa, vaa + 3);
	KEXPECT_FALSE(sima64_translate(KWIN, true, &pa));
	KEXPECT_FALSE(sima64_translate(KWIN + K4, false, &pa));
	KEXPECT_EQ(sima64_stale_tlb_entries(true), 0);
	uint64_t all = sima64.tlbi_all;
	KEXPECT_EQ(mmk_mmu_unmap(&m.mmu.kernel, KWIN + 3 * K4, 61 * K4, NULL), 0); /* past 32 */
	KEXPECT_EQ(sima64.tlbi_all, all + 1);
	mmk_mmu_activate(&u);
	KEXPECT_EQ(sima64_stale_tlb_entries(true), 0);
	KEXPECT_FALSE(sima64_translate(KWIN + 40 * K4, false, &pa));
	mmk_mmu_activate(&m.mmu.kernel);
	KEXPECT_EQ(mmk_mmu_space_destroy(&u, NULL, NULL), 0);
	sima64_machine_free(&m);
}

/* A block split by a partial unmap: break-before-make, the block invalidated first. */
KTEST(mmu_aarch64, splitting_a_block_breaks_before_it_makes)
{
	struct mmk_mmu_space u;
	struct mmk_mmu_mapping q;
	uint64_t pa;
	KASSERT_EQ(sima64_machine_boot(&m, 64 * MIB), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &u), 0);
	mmk_mmu_activate(&u);
	KASSERT_EQ(mmk_mmu_map(&u, UVA, RAM + 8 * MIB, M2, URW, 21), 0);
	KEXPECT_TRUE(sima64_translate(UVA + 5 * K4, true, &pa));
	uint64_t vale = sima64.tlbi_vale;
	KEXPECT_EQ(mmk_mmu_unmap(&u, UVA + 5 * K4, K4, NULL), 0);
	KEXPECT_GE(sima64.tlbi_vale, vale + 2); /* the block (break), then the page */
	KASSERT_EQ(mmk_mmu_query(&u, UVA + 6 * K4, &q), 0);
	KEXPECT_EQ(q.page_shift, 12);
	KEXPECT_EQ(sima64_stale_tlb_entries(true), 0);
	KEXPECT_FALSE(sima64_translate(UVA + 5 * K4, false, &pa));
	KEXPECT_TRUE(sima64_translate(UVA + 6 * K4, true, &pa) && pa == RAM + 8 * MIB + 6 * K4);
	mmk_mmu_activate(&m.mmu.kernel);
	KEXPECT_EQ(mmk_mmu_space_destroy(&u, NULL, NULL), 0);
	sima64_machine_free(&m);
}

/* 8-bit ASIDs run out: the generation rolls over behind one VMALLE1. */
KTEST(mmu_aarch64, asid_roll_over_flushes_everything_once)
{
	static struct mmk_mmu_space s[300];
	uint64_t pa;
	sima64_offer(8, 0);
	KASSERT_EQ(sima64_machine_boot(&m, 64 * MIB), 0);
	uint64_t all = sima64.tlbi_all;
	for (unsigned i = 0; i < 300; i++) {
		KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &s[i]), 0);
		KASSERT_EQ(mmk_mmu_map(&s[i], UVA, RAM + 8 * MIB + (i % 16) * K4, K4, URW, 0), 0);
		mmk_mmu_activate(&s[i]);
		KEXPECT_TRUE(sima64_translate(UVA, false, &pa) && pa == RAM + 8 * MIB + (i % 16) * K4);
	}
	KEXPECT_EQ(sima64.tlbi_all, all + 1);
	KEXPECT_EQ(m.mmu.asids.rollovers, 1);
	/* An edit of a space tagged before the roll-over needs nothing: none is cached. */
	uint64_t vale = sima64.tlbi_vale;
	KEXPECT_EQ(mmk_mmu_unmap(&s[0], UVA, K4, NULL), 0);
	KEXPECT_EQ(sima64.tlbi_vale, vale);
	mmk_mmu_activate(&s[0]);
	KEXPECT_FALSE(sima64_translate(UVA, false, &pa));
	KEXPECT_EQ(sima64_stale_tlb_entries(true), 0);
	mmk_mmu_activate(&m.mmu.kernel);
	for (unsigned i = 0; i < 300; i++)
		KEXPECT_EQ(mmk_mmu_space_destroy(&s[i], NULL, NULL), 0);
	sima64_machine_free(&m);
	sima64_offer(16, 0);
}

KTEST(mmu_aarch64, frames_made_executable_are_synced_first)
{
	struct mmk_mmu_space u;
	KASSERT_EQ(sima64_machine_boot(&m, 64 * MIB), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &u), 0);
	uint64_t syncs = sima64.code_syncs;
	KASSERT_EQ(mmk_mmu_map(&u, UVA, RAM + 8 * MIB, K4, URW, 0), 0);
	KEXPECT_EQ(sima64.code_syncs, syncs);
	KASSERT_EQ(mmk_mmu_map(&u, UVA + K4, RAM + 9 * MIB, K4, R | MMK_PROT_USER | MMK_PROT_EXEC, 0), 0);
	KEXPECT_EQ(sima64.code_syncs, syncs + 1);
	KEXPECT_EQ(mmk_mmu_protect(&u, UVA, K4, R | MMK_PROT_USER | MMK_PROT_EXEC, NULL), 0);
	KEXPECT_EQ(sima64.code_syncs, syncs + 2);
	KEXPECT_EQ(mmk_mmu_space_destroy(&u, NULL, NULL), 0);
	sima64_machine_free(&m);
}
