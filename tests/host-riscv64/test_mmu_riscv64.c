/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The riscv64 MMU backend (arch/riscv64/mmu.c) on a simulated hart
 * (hosted/riscv64/sim.c), checked against the reference Sv39/Sv48 walk
 * (hosted/riscv64/refmmu.c) and the simulated TLB and table-entry cache.
 */
#include <mmukit/errno.h>
#include <mmukit/fault.h>
#include <mmukit/ktest.h>
#include <mmukit/mmu.h>
#include <mmukit/pmm.h>
#include <mmukit/services.h>

#include "cpu.h"
#include "layout.h"
#include "pte.h"
#include "sim.h"

#define RW (MMK_PROT_READ | MMK_PROT_WRITE)
#define URW (RW | MMK_PROT_USER)
#define K4 0x1000ull
#define M2 0x200000ull
#define G1 0x40000000ull
#define RAM SIMRV_RAM_BASE
#define UVA 0x0000002000000000ull /* a root entry of its own in Sv39 and Sv48 */

static struct simrv_machine m;

static const struct simrv_cpu sv39 = {.has_sv48 = false, .asid_bits = 16, .hw_ad = true};
static const struct simrv_cpu sv48 = {.has_sv48 = true, .asid_bits = 16, .hw_ad = true};

static bool walk(const struct mmk_mmu_space *s, uint64_t va, struct rvref_translation *t)
{
	uint64_t satp = (simrv.satp & ~0x00000FFFFFFFFFFFull & ~(0xFFFFull << 44)) | s->root >> 12;
	return rvref_walk(simrv.ram, RAM, simrv.ram_size, satp, va, t);
}

/* The backend's query and the reference walk say the same about va. */
static bool agrees(const struct mmk_mmu_space *s, uint64_t va)
{
	struct rvref_translation t;
	struct mmk_mmu_mapping q;
	bool present = walk(s, va, &t);
	int err = mmk_mmu_query(s, va, &q);
	if (!present)
		return err == -MMK_ENOENT;
	return err == 0 && q.pa + (va - q.va) == t.pa && (1ull << q.page_shift) == t.page_size &&
	       !!(q.flags & MMK_PROT_WRITE) == t.w && !!(q.flags & MMK_PROT_USER) == t.u &&
	       !!(q.flags & MMK_PROT_EXEC) == t.x && t.r && t.a &&
	       (t.d || !(q.flags & MMK_PROT_WRITE));
}

static uint64_t satp_mode(void)
{
	return simrv.satp >> 60;
}

KTEST(mmu_riscv64, init_picks_sv48_where_satp_takes_it_else_sv39)
{
	KASSERT_EQ(simrv_machine_boot(&m, 64 * MMK_MIB, sv39), 0);
	KEXPECT_EQ(satp_mode(), 8);
	KEXPECT_EQ(mmk_mmu_user_end(&m.mmu), 1ull << 38);
	KEXPECT_EQ(mmk_mmu_kernel_base(&m.mmu), 0xFFFFFFC000000000ull);
	KEXPECT_EQ(simrv.satp & 0x00000FFFFFFFFFFFull, m.mmu.kernel.root >> 12);
	KEXPECT_EQ(m.mmu.asids.bits, 12u); /* ASIDLEN 16, capped by the allocator */
	KEXPECT_EQ(simrv.fence_all, 3u);   /* around the Sv48 trial, and the switch */
	simrv_machine_free(&m);
	KASSERT_EQ(simrv_machine_boot(&m, 64 * MMK_MIB, sv48), 0);
	KEXPECT_EQ(satp_mode(), 9);
	KEXPECT_EQ(mmk_mmu_user_end(&m.mmu), 1ull << 47);
	KEXPECT_EQ(mmk_mmu_kernel_base(&m.mmu), 0xFFFF800000000000ull);
	simrv_machine_free(&m);
	struct simrv_cpu no_asids = sv39;
	no_asids.asid_bits = 0;
	KASSERT_EQ(simrv_machine_boot(&m, 64 * MMK_MIB, no_asids), 0);
	KEXPECT_EQ(m.mmu.asids.bits, 0u);
	simrv_machine_free(&m);
}

KTEST(mmu_riscv64, init_maps_ram_in_the_direct_map_with_the_largest_pages)
{
	const struct simrv_cpu *cpus[] = {&sv39, &sv48};
	for (unsigned c = 0; c < 2; c++) {
		KASSERT_EQ(simrv_machine_boot(&m, 2 * G1, *cpus[c]), 0);
		struct mmk_mmu_space *k = &m.mmu.kernel;
		struct mmk_mmu_mapping q;
		KASSERT_EQ(mmk_mmu_query(k, DIRECT_BASE + RAM + G1 + 12345, &q), 0);
		KEXPECT_EQ(q.pa, RAM + G1);
		KEXPECT_EQ(q.page_shift, 30u);
		KEXPECT_TRUE(agrees(k, DIRECT_BASE + RAM + G1 + 12345));
		/* The first GiB starts after the firmware's 2 MiB: megapages. */
		KASSERT_EQ(mmk_mmu_query(k, DIRECT_BASE + RAM + 3 * M2, &q), 0);
		KEXPECT_EQ(q.page_shift, 21u);
		KEXPECT_EQ(mmk_mmu_query(k, DIRECT_BASE + RAM, &q), -MMK_ENOENT); /* OpenSBI's */
		KASSERT_EQ(mmk_mmu_query(k, DIRECT_BASE + RAM + 3 * M2, &q), 0);
		KEXPECT_FALSE(q.flags & MMK_PROT_EXEC);
		KEXPECT_TRUE(q.flags & MMK_PROT_GLOBAL);
		struct rvref_translation t;
		KASSERT_TRUE(walk(k, DIRECT_BASE + RAM + 3 * M2, &t));
		KEXPECT_TRUE(t.global && t.a && t.d && !t.u);
		KASSERT_EQ(mmk_mmu_query(k, SIMRV_KERNEL_OFFSET + SIMRV_KERNEL_PA, &q), 0); /* image */
		KEXPECT_EQ(q.pa, SIMRV_KERNEL_PA);
		KEXPECT_TRUE(q.flags & MMK_PROT_EXEC);
		KEXPECT_EQ(mmk_mmu_query(k, SIMRV_KERNEL_PA, &q), -MMK_ENOENT); /* no identity */
		KEXPECT_EQ(mmk_mmu_query(k, DIRECT_BASE + RAM + 2 * G1, &q), -MMK_ENOENT);
		KEXPECT_EQ(mmk_mmu_page_shifts(&m.mmu), (1u << 12) | (1u << 21) | (1u << 30));
		simrv_machine_free(&m);
	}
}

KTEST(mmu_riscv64, entries_are_encoded_as_the_manual_says)
{
	struct mmk_mmu_space u;
	KASSERT_EQ(simrv_machine_boot(&m, 64 * MMK_MIB, sv39), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &u), 0);
	KASSERT_EQ(mmk_mmu_map(&u, UVA, RAM + 8 * MMK_MIB, K4, URW, 0), 0);
	KASSERT_EQ(mmk_mmu_map(&u, UVA + K4, RAM + 9 * MMK_MIB, K4,
			       MMK_PROT_EXEC | MMK_PROT_USER, 0), 0);
	KASSERT_EQ(mmk_mmu_map(&u, UVA + 2 * K4, RAM + 10 * MMK_MIB, K4, MMK_PROT_READ, 0), 0);
	struct rvref_translation t;
	KASSERT_TRUE(walk(&u, UVA, &t));
	/* 4.4.1: PPN at bit 10, V R W U A D; not global in a user space. */
	KEXPECT_EQ(t.pte, ((RAM + 8 * MMK_MIB) >> 2) | 0x01 | 0x02 | 0x04 | 0x10 | 0x40 | 0x80);
	KEXPECT_EQ(t.tables, 2u);
	KEXPECT_FALSE(t.global);
	KASSERT_TRUE(walk(&u, UVA + K4, &t));
	KEXPECT_EQ(t.pte & 0xFF, 0x01u | 0x02 | 0x08 | 0x10 | 0x40); /* R X U A, not D */
	KASSERT_TRUE(walk(&u, UVA + 2 * K4, &t));
	KEXPECT_EQ(t.pte & 0xFF, 0x01u | 0x02 | 0x40); /* kernel-only in a user space */
	/* Table entries: V only (4.4.1: D, A, U reserved). */
	uint64_t root_entry = ((uint64_t *)riscv64_phys(u.root))[(UVA >> 30) & 511];
	KEXPECT_EQ(root_entry & 0x3FF, 0x01u);
	/* Kernel leaves and tables are global; the memory type reads back (RSW). */
	mmk_vaddr_t kva = 0xFFFFFFE000000000ull;
	KASSERT_EQ(mmk_mmu_map(&m.mmu.kernel, kva, 0x10000000, K4, RW | MMK_CACHE_UC, 0), 0);
	KASSERT_TRUE(walk(&m.mmu.kernel, kva, &t));
	KEXPECT_TRUE(t.global);
	KEXPECT_EQ(t.pte & 0x3FF, 0x300u | 0x01 | 0x02 | 0x04 | 0x20 | 0x40 | 0x80);
	struct mmk_mmu_mapping q;
	KASSERT_EQ(mmk_mmu_query(&u, kva, &q), 0); /* the kernel half, seen from u */
	KEXPECT_EQ(q.flags & MMK_CACHE_MASK, MMK_CACHE_UC);
	KEXPECT_TRUE(agrees(&u, kva));
	KEXPECT_TRUE(agrees(&u, UVA));
	KEXPECT_TRUE(agrees(&u, UVA + K4));
	simrv_machine_free(&m);
}

KTEST(mmu_riscv64, megapages_gigapages_splits_and_the_reference_walk_agree)
{
	const struct simrv_cpu *cpus[] = {&sv39, &sv48};
	for (unsigned c = 0; c < 2; c++) {
		struct mmk_mmu_space u;
		KASSERT_EQ(simrv_machine_boot(&m, 64 * MMK_MIB, *cpus[c]), 0);
		uint64_t before = m.pmm.free_frames;
		KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &u), 0);
		KASSERT_EQ(mmk_mmu_map(&u, UVA, 0x100000000ull, G1, URW, 0), 0);
		KASSERT_EQ(mmk_mmu_map(&u, UVA + G1, RAM + 4 * M2, M2 + K4, URW, 0), 0);
		struct mmk_mmu_mapping q;
		KASSERT_EQ(mmk_mmu_query(&u, UVA + 5, &q), 0);
		KEXPECT_EQ(q.page_shift, 30u);
		KASSERT_EQ(mmk_mmu_query(&u, UVA + G1 + 7, &q), 0);
		KEXPECT_EQ(q.page_shift, 21u);
		for (uint64_t off = 0; off < G1; off += G1 / 8 + K4)
			KEXPECT_TRUE(agrees(&u, UVA + off));
		KEXPECT_TRUE(agrees(&u, UVA + G1 + M2));
		/* Protect a page in the middle of the gigapage: split twice. */
		KASSERT_EQ(mmk_mmu_protect(&u, UVA + 3 * M2 + K4, K4,
					   MMK_PROT_READ | MMK_PROT_USER, NULL), 0);
		KASSERT_EQ(mmk_mmu_query(&u, UVA + 3 * M2 + K4, &q), 0);
		KEXPECT_EQ(q.page_shift, 12u);
		KEXPECT_FALSE(q.flags & MMK_PROT_WRITE);
		for (uint64_t off = 0; off < 8 * M2; off += M2 / 2 + K4)
			KEXPECT_TRUE(agrees(&u, UVA + off));
		KEXPECT_TRUE(agrees(&u, UVA + 3 * M2 + K4));
		KEXPECT_EQ(simrv_stale_tlb_entries(true), 0u);
		KEXPECT_EQ(mmk_mmu_space_destroy(&u, NULL, NULL), 0);
		KEXPECT_EQ(m.pmm.free_frames, before);
		simrv_machine_free(&m);
	}
}

/* Reads through the simulated TLB, filling it (S-mode, SUM set). */
static bool load(uint64_t va, uint64_t *pa)
{
	return simrv_translate(va, RVREF_READ, pa);
}

KTEST(mmu_riscv64, unmap_and_protect_fence_the_page_in_the_spaces_asid)
{
	struct mmk_mmu_space a, b;
	uint64_t pa;
	KASSERT_EQ(simrv_machine_boot(&m, 64 * MMK_MIB, sv39), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &a), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &b), 0);
	KASSERT_EQ(mmk_mmu_map(&a, UVA, RAM + 8 * MMK_MIB, 4 * K4, URW, 0), 0);
	KASSERT_EQ(mmk_mmu_map(&b, UVA, RAM + 9 * MMK_MIB, 4 * K4, URW, 0), 0);
	mmk_mmu_activate(&a);
	unsigned asid_a = a.asid;
	KEXPECT_NE(asid_a, 0u);
	KEXPECT_EQ(simrv_asid(), asid_a);
	KASSERT_TRUE(load(UVA, &pa));
	KEXPECT_EQ(pa, RAM + 8 * MMK_MIB);
	mmk_mmu_activate(&b);
	KEXPECT_NE(b.asid, asid_a);
	KASSERT_TRUE(load(UVA, &pa));
	KEXPECT_EQ(pa, RAM + 9 * MMK_MIB); /* a's entry is not b's */
	mmk_mmu_activate(&a);
	KASSERT_TRUE(load(UVA, &pa));
	KASSERT_TRUE(simrv_translate(UVA + K4, RVREF_WRITE, &pa));
	uint64_t fences = simrv.fence_page_asid;
	KASSERT_EQ(mmk_mmu_unmap(&a, UVA, K4, NULL), 0);
	KEXPECT_EQ(simrv.fence_page_asid, fences + 1);
	KEXPECT_FALSE(load(UVA, &pa));
	KASSERT_EQ(mmk_mmu_protect(&a, UVA + K4, K4, MMK_PROT_READ | MMK_PROT_USER, NULL), 0);
	KEXPECT_FALSE(simrv_translate(UVA + K4, RVREF_WRITE, &pa));
	KEXPECT_EQ(simrv_stale_tlb_entries(true), 0u);
	/* b's entries (filled under its ASID) survive the switches. */
	mmk_mmu_activate(&b);
	KEXPECT_EQ(simrv.fence_asid, 0u);
	mmk_mmu_activate(&a);
	KEXPECT_EQ(mmk_mmu_space_destroy(&b, NULL, NULL), 0);
	mmk_mmu_activate(&m.mmu.kernel);
	KEXPECT_EQ(mmk_mmu_space_destroy(&a, NULL, NULL), 0);
	KEXPECT_EQ(simrv_stale_tlb_entries(true), 0u);
	simrv_machine_free(&m);
}

KTEST(mmu_riscv64, an_inactive_space_is_fenced_by_its_asid_at_once)
{
	struct mmk_mmu_space a, b;
	uint64_t pa;
	KASSERT_EQ(simrv_machine_boot(&m, 64 * MMK_MIB, sv48), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &a), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &b), 0);
	KASSERT_EQ(mmk_mmu_map(&a, UVA, RAM + 8 * MMK_MIB, K4, URW, 0), 0);
	mmk_mmu_activate(&a);
	KASSERT_TRUE(load(UVA, &pa));
	mmk_mmu_activate(&b);
	KASSERT_EQ(mmk_mmu_unmap(&a, UVA, K4, NULL), 0);
	KEXPECT_EQ(simrv.fence_asid, 1u);
	mmk_mmu_activate(&a);
	KEXPECT_FALSE(load(UVA, &pa));
	KEXPECT_EQ(simrv_stale_tlb_entries(true), 0u);
	mmk_mmu_activate(&m.mmu.kernel);
	KEXPECT_EQ(mmk_mmu_space_destroy(&a, NULL, NULL), 0);
	KEXPECT_EQ(mmk_mmu_space_destroy(&b, NULL, NULL), 0);
	simrv_machine_free(&m);
}

KTEST(mmu_riscv64, freeing_a_table_fences_the_whole_asid)
{
	struct mmk_mmu_space a;
	uint64_t pa;
	KASSERT_EQ(simrv_machine_boot(&m, 64 * MMK_MIB, sv39), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &a), 0);
	KASSERT_EQ(mmk_mmu_map(&a, UVA, RAM + 8 * MMK_MIB, K4, URW, 0), 0);
	mmk_mmu_activate(&a);
	KASSERT_TRUE(load(UVA, &pa)); /* caches the two table entries above the leaf */
	uint64_t fences = simrv.fence_asid;
	KASSERT_EQ(mmk_mmu_unmap(&a, UVA, K4, NULL), 0); /* empties, frees both tables */
	KEXPECT_EQ(simrv.fence_asid, fences + 1);
	KEXPECT_EQ(simrv_stale_tlb_entries(true), 0u);
	/* A gigapage where the tables were: no cached pointer may lead to them. */
	KASSERT_EQ(mmk_mmu_map(&a, UVA, 0x100000000ull, G1, URW, 0), 0);
	KASSERT_TRUE(load(UVA + 5, &pa));
	KEXPECT_EQ(pa, 0x100000005ull);
	KEXPECT_EQ(simrv_stale_tlb_entries(true), 0u);
	mmk_mmu_activate(&m.mmu.kernel);
	KEXPECT_EQ(mmk_mmu_space_destroy(&a, NULL, NULL), 0);
	simrv_machine_free(&m);
}

KTEST(mmu_riscv64, kernel_entries_are_global_and_fenced_for_every_asid)
{
	struct mmk_mmu_space a;
	uint64_t pa;
	KASSERT_EQ(simrv_machine_boot(&m, 64 * MMK_MIB, sv39), 0);
	mmk_vaddr_t kva = 0xFFFFFFE000000000ull;
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &a), 0);
	KASSERT_EQ(mmk_mmu_map(&m.mmu.kernel, kva, RAM + 8 * MMK_MIB, 2 * K4, RW, 0), 0);
	mmk_mmu_activate(&a);
	KASSERT_TRUE(load(kva, &pa)); /* a global entry, filled under a's ASID */
	mmk_mmu_activate(&m.mmu.kernel);
	KASSERT_TRUE(load(kva + K4, &pa));
	uint64_t fences = simrv.fence_page;
	KASSERT_EQ(mmk_mmu_unmap(&m.mmu.kernel, kva, 2 * K4, NULL), 0);
	KEXPECT_EQ(simrv.fence_page, fences + 2);
	KEXPECT_FALSE(load(kva, &pa));
	mmk_mmu_activate(&a);
	KEXPECT_FALSE(load(kva + K4, &pa));
	KEXPECT_EQ(simrv_stale_tlb_entries(true), 0u);
	mmk_mmu_activate(&m.mmu.kernel);
	KEXPECT_EQ(mmk_mmu_space_destroy(&a, NULL, NULL), 0);
	simrv_machine_free(&m);
}

KTEST(mmu_riscv64, without_asids_every_switch_fences_asid_0)
{
	struct mmk_mmu_space a, b;
	uint64_t pa;
	struct simrv_cpu cpu = sv39;
	cpu.asid_bits = 0;
	KASSERT_EQ(simrv_machine_boot(&m, 64 * MMK_MIB, cpu), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &a), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &b), 0);
	KASSERT_EQ(mmk_mmu_map(&a, UVA, RAM + 8 * MMK_MIB, K4, URW, 0), 0);
	KASSERT_EQ(mmk_mmu_map(&b, UVA, RAM + 9 * MMK_MIB, K4, URW, 0), 0);
	mmk_mmu_activate(&a);
	KASSERT_TRUE(load(UVA, &pa));
	mmk_mmu_activate(&b);
	KEXPECT_EQ(simrv.fence_asid, 2u);
	KASSERT_TRUE(load(UVA, &pa));
	KEXPECT_EQ(pa, RAM + 9 * MMK_MIB);
	KASSERT_EQ(mmk_mmu_unmap(&a, UVA, K4, NULL), 0); /* inactive: nothing cached */
	KEXPECT_EQ(simrv_stale_tlb_entries(true), 0u);
	mmk_mmu_activate(&a);
	KEXPECT_FALSE(load(UVA, &pa));
	mmk_mmu_activate(&m.mmu.kernel);
	KEXPECT_EQ(mmk_mmu_space_destroy(&a, NULL, NULL), 0);
	KEXPECT_EQ(mmk_mmu_space_destroy(&b, NULL, NULL), 0);
	simrv_machine_free(&m);
}

static int count_leaf(void *ctx, const struct mmk_mmu_mapping *mp)
{
	unsigned *seen = ctx;
	*seen = mp->flags;
	return 0;
}

KTEST(mmu_riscv64, cleared_accessed_bits_come_back_by_hart_or_by_the_fault_path)
{
	for (int hw = 0; hw <= 1; hw++) {
		struct mmk_mmu_space a;
		uint64_t pa;
		struct simrv_cpu cpu = sv39;
		cpu.hw_ad = hw;
		KASSERT_EQ(simrv_machine_boot(&m, 64 * MMK_MIB, cpu), 0);
		KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &a), 0);
		KASSERT_EQ(mmk_mmu_map(&a, UVA, RAM + 8 * MMK_MIB, K4, URW, 0), 0);
		mmk_mmu_activate(&a);
		KASSERT_TRUE(simrv_translate(UVA, RVREF_WRITE, &pa)); /* A, D preset: no fault */
		unsigned flags = 0;
		KASSERT_EQ(mmk_mmu_clear_accessed(&a, UVA, K4, MMK_MAP_ACCESSED | MMK_MAP_DIRTY,
						  count_leaf, &flags, NULL), 0);
		KEXPECT_TRUE(flags & MMK_MAP_ACCESSED);
		KEXPECT_TRUE(flags & MMK_MAP_DIRTY);
		KEXPECT_EQ(simrv_stale_tlb_entries(true), 0u);
		bool ok = simrv_translate(UVA, RVREF_READ, &pa);
		KEXPECT_EQ(ok, hw != 0);
		if (!ok) {
			KEXPECT_EQ(simrv.ad_faults, 1u);
			KEXPECT_TRUE(riscv64_mmu_fix_accessed(&m.mmu, UVA, MMK_ACCESS_READ, false, true));
			KEXPECT_TRUE(simrv_translate(UVA, RVREF_READ, &pa));
		}
		KASSERT_EQ(mmk_mmu_clear_accessed(&a, UVA, K4, 0, count_leaf, &flags, NULL), 0);
		KEXPECT_TRUE(flags & MMK_MAP_ACCESSED);
		KEXPECT_FALSE(flags & MMK_MAP_DIRTY);
		ok = simrv_translate(UVA, RVREF_WRITE, &pa);
		KEXPECT_EQ(ok, hw != 0);
		if (!ok)
			KEXPECT_TRUE(riscv64_mmu_fix_accessed(&m.mmu, UVA, MMK_ACCESS_WRITE, false, true));
		KASSERT_EQ(mmk_mmu_clear_accessed(&a, UVA, K4, 0, count_leaf, &flags, NULL), 0);
		KEXPECT_TRUE(flags & MMK_MAP_DIRTY);
		/* Never for an access the leaf does not allow. */
		KEXPECT_FALSE(riscv64_mmu_fix_accessed(&m.mmu, UVA, MMK_ACCESS_EXEC, false, true));
		KEXPECT_FALSE(riscv64_mmu_fix_accessed(&m.mmu, UVA, MMK_ACCESS_READ, false, false));
		KEXPECT_FALSE(riscv64_mmu_fix_accessed(&m.mmu, UVA + K4, MMK_ACCESS_READ, true, false));
		KEXPECT_EQ(simrv_stale_tlb_entries(true), 0u);
		mmk_mmu_activate(&m.mmu.kernel);
		KEXPECT_EQ(mmk_mmu_space_destroy(&a, NULL, NULL), 0);
		simrv_machine_free(&m);
	}
}

KTEST(mmu_riscv64, init_maps_sections_and_fixed_mappings)
{
	struct mmk_mmu_boot b = {0};
	uint64_t kva = SIMRV_KERNEL_OFFSET + SIMRV_KERNEL_PA;
	b.sections[0] = (struct mmk_mmu_boot_section){kva, SIMRV_KERNEL_PA, 2 * K4,
						      MMK_PROT_READ | MMK_PROT_EXEC};
	b.sections[1] = (struct mmk_mmu_boot_section){kva + 2 * K4, SIMRV_KERNEL_PA + 2 * K4, K4,
						      MMK_PROT_READ};
	b.sections[2] = (struct mmk_mmu_boot_section){kva + 3 * K4, SIMRV_KERNEL_PA + 3 * K4,
						      5 * K4, RW};
	b.section_count = 3;
	b.fixed[0] = (struct mmk_mmu_boot_section){CONSOLE_VA, VIRT_UART_PA, K4,
						   RW | MMK_PROT_GLOBAL | MMK_CACHE_UC};
	b.fixed_count = 1;
	simrv_machine_prepare(&m, 64 * MMK_MIB, sv48);
	KASSERT_EQ(simrv_machine_start(&m, &b), 0);
	struct mmk_mmu_mapping q;
	KASSERT_EQ(mmk_mmu_query(&m.mmu.kernel, kva, &q), 0);
	KEXPECT_EQ(q.flags & (RW | MMK_PROT_EXEC), MMK_PROT_READ | MMK_PROT_EXEC);
	KASSERT_EQ(mmk_mmu_query(&m.mmu.kernel, kva + 2 * K4, &q), 0);
	KEXPECT_EQ(q.flags & (RW | MMK_PROT_EXEC), MMK_PROT_READ);
	KASSERT_EQ(mmk_mmu_query(&m.mmu.kernel, kva + 7 * K4, &q), 0);
	KEXPECT_EQ(q.flags & (RW | MMK_PROT_EXEC), RW);
	KASSERT_EQ(mmk_mmu_query(&m.mmu.kernel, CONSOLE_VA, &q), 0);
	KEXPECT_EQ(q.pa, VIRT_UART_PA);
	KEXPECT_EQ(q.flags & MMK_CACHE_MASK, MMK_CACHE_UC);
	KEXPECT_TRUE(agrees(&m.mmu.kernel, CONSOLE_VA));
	simrv_machine_free(&m);
	/* A bad fixed entry fails init and keeps nothing. */
	b.fixed[0].flags |= MMK_PROT_USER;
	simrv_machine_prepare(&m, 64 * MMK_MIB, sv48);
	uint64_t before = m.pmm.free_frames;
	KEXPECT_EQ(simrv_machine_start(&m, &b), -MMK_EPERM);
	KEXPECT_EQ(m.pmm.free_frames, before);
	KEXPECT_EQ(simrv.satp, 0u);
	simrv_machine_free(&m);
}

KTEST(mmu_riscv64, init_out_of_memory_at_every_allocation_keeps_nothing)
{
	unsigned failures = 0;
	for (unsigned n = 1; n < 64; n++) {
		simrv_machine_prepare(&m, 64 * MMK_MIB, sv39);
		uint64_t before = m.pmm.free_frames;
		mmk_pmm_inject_failure(&m.pmm, n);
		int err = simrv_machine_start(&m, NULL);
		mmk_pmm_inject_failure(&m.pmm, 0);
		if (err == 0) {
			simrv_machine_free(&m);
			break;
		}
		failures++;
		KEXPECT_EQ(err, -MMK_ENOMEM);
		KEXPECT_EQ(m.pmm.free_frames, before);
		KEXPECT_EQ(simrv.satp, 0u);
		simrv_machine_free(&m);
	}
	KEXPECT_GT(failures, 2u);
}
