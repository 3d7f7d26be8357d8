/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The ARMv7 page-table format: VMSAv7 short descriptors (ARM ARM B3.5) for the engine
 * (core/pt.c). Bit layouts: arch/armv7/pte.h.
 *
 *   0x00000000  never mapped
 *   0x00001000  user space: TTBR0, one 8 KiB first-level table per space (TTBCR.N = 1),
 *               ASID-tagged, non-global
 *   0x80000000  kernel: TTBR1, one 16 KiB table shared by every space by the hardware
 *               itself. RAM (up to 1 GiB) linearly at 0x80000000, the heap up from
 *               0xC0000000, MMIO down from 0xFFF00000, vectors at 0xFFFF0000
 *
 * Two levels: L1 entries map 1 MiB sections or point to 1 KiB L2 tables of 4 KiB small
 * pages and 64 KiB large pages (16 identical entries). One frame holds the four L2
 * tables of four consecutive L1 entries (a 4 MiB group): the engine shares it and frees
 * it when none of the four is a table any more. Every table is reached through the
 * linear map. While the kernel space is active TTBR0 holds an empty user table
 * (md.idle_root), so user addresses fault. Where the CPU has PXN (ID_MMFR0.VMSA >= 4,
 * the Cortex-A15 and every LPAE CPU) the user half's L1 table entries and user-reachable
 * sections carry it: the kernel never executes user memory.
 * TLB (the invalidate hook): TLBIMVA with the ASID for pages of the active user space,
 * TLBIMVAA for kernel pages, TLBIASID for a space edited while inactive (its entries and
 * cached walks are all tagged), TLBIALL past the flush threshold or at an ASID
 * roll-over. A freed L2 table's L1 entry is invalidated by its address like a page:
 * the walk caches hold L1 entries and are dropped by the same operations (Cortex-A15
 * TRM 5.6). Barriers and cache maintenance live behind cpu.h (arch/armv7/cpu.c): new
 * entries are published with DSB+ISB, and frames are synced for instruction fetch
 * before they become executable.
 * Accessed and dirty: the access flag is off (SCTLR.AFE = 0: AP[0] is a permission bit,
 * ARM ARM B3.7.1) and short descriptors have no dirty bit, so every leaf reports
 * accessed, and dirty when it is writable; nothing is cleared (mmk_mmu_clear_accessed).
 */
#include <mmukit/errno.h>
#include <mmukit/memmap.h>
#include <mmukit/mmu.h>
#include <mmukit/pmm.h>
#include <mmukit/pt.h>
#include <mmukit/services.h>

#include "cpu.h"
#include "pte.h"

#define LINEAR_BASE 0x80000000u
#define LINEAR_MAX (1u << 30)
#define ASID_BITS 8

/* ------------------------------------------------------------ entries */

#define FEATURE_PXN 1u

/*
 * One leaf shape (ARM ARM B3.5.1): AP[0] always set (kernel 01, user 11, B3.7.1 table
 * B3-8), AP[1] for user access, APX for read-only; XN; nG for every user space's leaf
 * (kernel leaves are global); a user-reachable section is PXN where the CPU has it.
 * TEX, C, B (B3.8.2, table B3-10): WB normal write-back, WT normal write-through, WC
 * normal non-cacheable, UC shareable Device - ordered, uncached, writes may be buffered,
 * what device registers want (Strongly-ordered is never made; read, it is UC).
 */
#define LEAF_ATTRS(ap, apx, xn, ng, tex, b, c, pxn)                                      \
	{                                                                                 \
		.base = 1u << (ap), .always = MMK_PROT_READ, .kernel_flags = MMK_PROT_GLOBAL, \
		.flag = {{MMK_PROT_WRITE, 0, apx, 0}, {MMK_PROT_USER, 2u << (ap), 0, 0},     \
			 {MMK_PROT_USER, pxn, 0, FEATURE_PXN}, {MMK_PROT_EXEC, 0, xn, 0},    \
			 {MMK_PROT_GLOBAL, 0, ng, 0}},                                        \
		.cache = {1u << (tex) | (c) | (b), c, 1u << (tex), b},                        \
		.cache_mask = 7u << (tex) | (c) | (b),                                        \
		.cache_read = {0, 0, 0, 7u << (tex) | (c)}, /* Strongly-ordered too: UC */   \
	}

static const struct mmk_pt_attrs small_attrs =
	LEAF_ATTRS(L2_AP_SHIFT, L2_APX, L2_SMALL_XN, L2_NG, L2_SMALL_TEX_SHIFT, L2_B, L2_C, 0);
static const struct mmk_pt_attrs large_attrs =
	LEAF_ATTRS(L2_AP_SHIFT, L2_APX, L2_LARGE_XN, L2_NG, L2_LARGE_TEX_SHIFT, L2_B, L2_C, 0);
static const struct mmk_pt_attrs section_attrs =
	LEAF_ATTRS(SECT_AP_SHIFT, SECT_APX, SECT_XN, SECT_NG, SECT_TEX_SHIFT, SECT_B, SECT_C,
		   SECT_PXN);

/* An L1 entry pointing to an L2 table, domain 0 (ARM ARM B3.5.1, figure B3-4); in the
 * user half PXN where the CPU has it, so no user page below it runs at PL1. */
static mmk_pte_t table_bits(const struct mmk_mmu *mmu, unsigned level, mmk_vaddr_t va)
{
	(void)level;
	return va < LINEAR_BASE && (mmu->features & FEATURE_PXN) ? L1_TABLE | L1_TABLE_PXN : L1_TABLE;
}

/* ------------------------------------------------------------ spaces, TLB, caches */

static void zero_pages(mmk_paddr_t pa, unsigned pages)
{
	for (unsigned i = 0; i < pages; i++)
		armv7_zero_page(armv7_phys(pa + (mmk_paddr_t)i * MMK_PAGE_SIZE));
}

/*
 * The TLB side of a batch (TLB maintenance operations, ARM ARM B4.2.2, table B4-9). An
 * inactive space's entries are all tagged with its ASID (or it never had one, and the
 * TLB holds nothing of it).
 */
static void invalidate(struct mmk_mmu_space *s, const struct mmk_mmu_batch_page *pages,
		       unsigned n, bool all)
{
	if (!s->is_kernel && s != s->mmu->active) {
		if (s->asid)
			armv7_tlbi_asid(s->asid);
		return;
	}
	if (all) {
		if (s->is_kernel)
			armv7_tlbi_all();
		else
			armv7_tlbi_asid(s->asid);
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		if (s->is_kernel)
			armv7_tlbi_va_all_asids((uint32_t)pages[i].va);
		else
			armv7_tlbi_va_asid((uint32_t)pages[i].va, s->asid);
	}
}

static void publish(struct mmk_mmu *mmu)
{
	(void)mmu;
	armv7_tables_written();
}

/* Frames [pa, pa+size) about to become executable: their code made visible (cpu.h). */
static void sync_exec(struct mmk_mmu *mmu, mmk_paddr_t pa, uint64_t size)
{
	(void)mmu;
	for (uint64_t off = 0; off < size; off += MMK_PAGE_SIZE)
		armv7_sync_code(pa + off);
	armv7_sync_code_done();
}

static void *kernel_pointer(mmk_vaddr_t va)
{
	return armv7_kernel_pointer((uint32_t)va);
}

static const struct mmk_pt_format armv7_format = {
	.name = "ARMv7 short-descriptor", .levels = 2,
	.level = {
		{12, 8, 10, 0, 0, 0, "L2"},
		{20, 12, 14, L1_TYPE_MASK, L1_TABLE, L1_TABLE_BASE, "L1"},
	},
	/* B3.5.1: small xN = 1x, large 01; a section 1 PXN with bit 18 clear */
	.size_count = 3, .sizes = {
		{12, 0, L2_SMALL, L2_SMALL, L2_SMALL_BASE, 0, &small_attrs},
		{16, 0, L2_TYPE_MASK, L2_LARGE, L2_LARGE_BASE, 0, &large_attrs},
		{20, 1, L1_SECTION_KIND | SECT_SUPER, L1_SECTION_KIND, L1_SECTION_BASE, 0,
		 &section_attrs},
	},
	.entry_bytes = 4, .va_bits = 32,
	.valid = 3, /* type bits 00: fault */
	.pa_limit = 1ull << 32, /* no supersections: 32-bit physical addresses */
	.user_base = 0x00001000u, .user_end = 0x80000000u, .kernel_base = 0x80000000u,
	.kernel_end = 0xFFFFF000u, /* the last page stays unmapped */
	.shared_kernel_root = false, .user_root_order = 1, .kernel_root_order = 2,
	.phys = armv7_phys, .kernel_pointer = kernel_pointer, .zero_page = armv7_zero_page,
	.copy_page = armv7_copy_page, .leaf_bits = mmk_pt_leaf_bits, .table_bits = table_bits,
	.invalidate = invalidate, .publish = publish, .sync_exec = sync_exec,
};

void mmk_mmu_activate(struct mmk_mmu_space *space)
{
	struct mmk_mmu *mmu = space->mmu;
	if (space->is_kernel)
		armv7_switch_user_table((uint32_t)mmu->md.idle_root, 0);
	else
		armv7_switch_user_table((uint32_t)space->root, mmk_pt_space_tag(space));
	mmk_pt_activated(space);
}

/* ------------------------------------------------------------ init */

int mmk_mmu_init(struct mmk_mmu *mmu, struct mmk_pmm *pmm, const struct mmk_mmu_boot *boot)
{
	mmk_pt_setup(mmu, &armv7_format, pmm, armv7_has_pxn() ? FEATURE_PXN : 0);
	mmu->direct_base = armv7_direct_base(); /* the boot's table has the linear map too */
	MMK_ASSERT(mmk_asid_init(&mmu->asids, ASID_BITS, mmk_pt_flush_all, mmu) == 0);
	int err = mmk_pt_root_create(mmu, &mmu->kernel, true);
	if (err)
		return err;
	err = mmk_pmm_alloc_block(pmm, 1, &mmu->md.idle_root); /* TTBR0 while the kernel runs */
	if (err) {
		mmk_pt_kernel_teardown(mmu);
		return err;
	}
	zero_pages(mmu->md.idle_root, 2);
	/* RAM linearly at 0x80000000: up to 1 GiB from the image's GiB, read-write and never
	 * executable; then the image gets its own rights inside it. */
	mmk_paddr_t ram_base = boot->kernel_pa & ~(mmk_paddr_t)(LINEAR_MAX - 1);
	struct mmk_pt_window linear = {LINEAR_BASE, ram_base, ram_base + LINEAR_MAX,
				       1u << MMK_MEM_RESERVED | 1u << MMK_MEM_BAD |
					       1u << MMK_MEM_UNREACHABLE};
	err = mmk_pt_map_boot(mmu, boot, &linear, true);
	if (err) { /* the kernel space is gone; so goes the idle root */
		MMK_ASSERT(mmk_pmm_free_block(pmm, mmu->md.idle_root, 1) == 0);
		return err;
	}
	/* TTBR1 first, then TTBR0: the code running now is in the kernel half. The boot's
	 * entries (global, identity included) go with one TLBIALL after both. */
	armv7_set_kernel_table((uint32_t)mmu->kernel.root);
	mmk_mmu_activate(&mmu->kernel);
	mmk_pt_flush_all(mmu);
	return 0;
}
