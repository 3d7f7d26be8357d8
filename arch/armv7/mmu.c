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

/* Page sizes, the engine's size indexes. */
#define SMALL 0
#define LARGE 1
#define SECTION 2

/* ------------------------------------------------------------ entries */

/*
 * TEX, C, B (ARM ARM B3.8.2, table B3-10). MMIO (MMK_CACHE_UC) is Device: ordered,
 * uncached, but writes may be buffered - what device registers want; Strongly-ordered
 * (TEX 000, C 0, B 0) would also wait for each write to complete, and nothing portable
 * asks for that.
 */
static void memory_type(unsigned flags, unsigned *tex, bool *c, bool *b)
{
	switch (flags & MMK_CACHE_MASK) {
	case MMK_CACHE_WT: *tex = 0; *c = true; *b = false; break;  /* normal, write-through */
	case MMK_CACHE_WC: *tex = 1; *c = false; *b = false; break; /* normal, non-cacheable */
	case MMK_CACHE_UC: *tex = 0; *c = false; *b = true; break;  /* shareable device */
	default: *tex = 1; *c = true; *b = true; break;             /* normal, write-back */
	}
}

/* AP[2:0] (ARM ARM B3.7.1, table B3-8): kernel RW 001, kernel RO 101, user RW 011, user RO 111. */
static unsigned access_bits(unsigned flags)
{
	unsigned ap = (flags & MMK_PROT_USER) ? 3 : 1;
	if (!(flags & MMK_PROT_WRITE))
		ap |= 4;
	return ap;
}

/* A leaf of a user space is non-global (nG): its TLB entries carry the ASID. A section
 * user mode can reach is PXN where the CPU has it: the kernel never runs user memory. */
static mmk_pte_t leaf_bits(const struct mmk_mmu *mmu, unsigned flags, unsigned size, bool user)
{
	(void)mmu;
	unsigned tex, ap = access_bits(flags);
	bool c, b;
	memory_type(flags, &tex, &c, &b);
	bool xn = !(flags & MMK_PROT_EXEC);
	if (size == SECTION)
		return L1_SECTION | (b ? SECT_B : 0) | (c ? SECT_C : 0) | (xn ? SECT_XN : 0) |
		       (ap & 3) << SECT_AP_SHIFT | tex << SECT_TEX_SHIFT | (ap & 4 ? SECT_APX : 0) |
		       (user ? SECT_NG : 0) |
		       ((flags & MMK_PROT_USER) && armv7_has_pxn() ? SECT_PXN : 0);
	pte_t common = (b ? L2_B : 0) | (c ? L2_C : 0) | (ap & 3) << L2_AP_SHIFT |
		       (ap & 4 ? L2_APX : 0) | (user ? L2_NG : 0);
	if (size == LARGE)
		return L2_LARGE | common | tex << L2_LARGE_TEX_SHIFT | (xn ? L2_LARGE_XN : 0);
	return L2_SMALL | common | tex << L2_SMALL_TEX_SHIFT | (xn ? L2_SMALL_XN : 0);
}

/* The portable flags of a leaf entry of that size. */
static unsigned leaf_flags(const struct mmk_mmu *mmu, mmk_pte_t e, unsigned size)
{
	(void)mmu;
	bool sect = size == SECTION;
	unsigned ap = sect ? (e >> SECT_AP_SHIFT & 3) | (e & SECT_APX ? 4 : 0)
			   : (e >> L2_AP_SHIFT & 3) | (e & L2_APX ? 4 : 0);
	unsigned tex = e >> (sect ? SECT_TEX_SHIFT : size == LARGE ? L2_LARGE_TEX_SHIFT
								  : L2_SMALL_TEX_SHIFT) & 7;
	bool xn = e & (sect ? SECT_XN : size == LARGE ? L2_LARGE_XN : L2_SMALL_XN);
	bool ng = e & (sect ? SECT_NG : L2_NG);
	bool c = e & (sect ? SECT_C : L2_C), b = e & (sect ? SECT_B : L2_B);
	unsigned f = MMK_PROT_READ;
	if (!(ap & 4))
		f |= MMK_PROT_WRITE;
	if ((ap & 3) == 3 || (ap & 3) == 2)
		f |= MMK_PROT_USER;
	if (!xn)
		f |= MMK_PROT_EXEC;
	if (!ng)
		f |= MMK_PROT_GLOBAL;
	if (tex == 0 && c && !b)
		f |= MMK_CACHE_WT;
	else if (tex == 1 && !c && !b)
		f |= MMK_CACHE_WC;
	else if (tex == 0 && !c)
		f |= MMK_CACHE_UC; /* shareable device (B), or strongly-ordered (mmukit makes none) */
	return f;
}

/* An L1 entry pointing to an L2 table, domain 0 (ARM ARM B3.5.1, figure B3-4); in the
 * user half PXN where the CPU has it, so no user page below it runs at PL1. */
static mmk_pte_t table_bits(const struct mmk_mmu *mmu, unsigned level, mmk_vaddr_t va)
{
	(void)mmu;
	(void)level;
	return va < LINEAR_BASE && armv7_has_pxn() ? L1_TABLE | L1_TABLE_PXN : L1_TABLE;
}

/* Tables and roots through the linear map, which shows RAM in order (a 16 KiB root
 * is four consecutive pages there). */
static void *table(const struct mmk_mmu_space *space, unsigned level, mmk_vaddr_t va,
		   mmk_paddr_t pa)
{
	(void)space;
	(void)level;
	(void)va;
	return armv7_phys(pa);
}

static void *frame(struct mmk_mmu *mmu, mmk_paddr_t pa)
{
	(void)mmu;
	return armv7_phys(pa);
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

static const struct mmk_pt_format armv7_format = {
	.name = "ARMv7 short-descriptor",
	.levels = 2,
	.level = {
		{12, 8, 10, 0, 0, 0, "L2"},
		{20, 12, 14, L1_TYPE_MASK, L1_TABLE, L1_TABLE_BASE, "L1"},
	},
	.size_count = 3,
	.sizes = { /* B3.5.1: small xN = 1x, large 01; a section 1 PXN with bit 18 clear */
		{12, 0, L2_SMALL, L2_SMALL, L2_SMALL_BASE, 0},
		{16, 0, L2_TYPE_MASK, L2_LARGE, L2_LARGE_BASE, 0},
		{20, 1, L1_SECTION_KIND | SECT_SUPER, L1_SECTION_KIND, L1_SECTION_BASE, 0},
	},
	.entry_bytes = 4,
	.va_bits = 32,
	.valid = 3, /* type bits 00: fault */
	.pa_limit = 1ull << 32, /* no supersections: 32-bit physical addresses */
	.user_base = 0x00001000u,
	.user_end = 0x80000000u,
	.kernel_base = 0x80000000u,
	.kernel_end = 0xFFFFF000u, /* the last page stays unmapped */
	.shared_kernel_root = false,
	.user_root_order = 1,
	.kernel_root_order = 2,
	.stable_tables = true,
	.flush_threshold = 32,
	.leaf_bits = leaf_bits,
	.leaf_flags = leaf_flags,
	.table_bits = table_bits,
	.table = table,
	.frame = frame,
	.invalidate = invalidate,
	.publish = publish,
	.sync_exec = sync_exec,
};

static void flush_all_asids(void *ctx)
{
	struct mmk_mmu *mmu = ctx;
	armv7_tlbi_all();
	mmu->stats.tlb_full_flushes++;
}

void mmk_mmu_activate(struct mmk_mmu_space *space)
{
	struct mmk_mmu *mmu = space->mmu;
	if (space->is_kernel) {
		armv7_switch_user_table((uint32_t)mmu->md.idle_root, 0);
	} else {
		bool rolled_over;
		space->asid = mmk_asid_activate(&mmu->asids, &space->asid_generation, &rolled_over);
		armv7_switch_user_table((uint32_t)space->root, space->asid);
	}
	mmu->active = space;
	mmu->stats.space_switches++;
}

void *mmk_mmu_kernel_pointer(struct mmk_mmu *mmu, mmk_vaddr_t va)
{
	(void)mmu;
	return armv7_kernel_pointer((uint32_t)va);
}

void mmk_mmu_zero_frame(struct mmk_mmu *mmu, mmk_paddr_t pa)
{
	(void)mmu;
	armv7_zero_page(armv7_phys(pa));
}

void mmk_mmu_copy_frame(struct mmk_mmu *mmu, mmk_paddr_t dst, mmk_paddr_t src)
{
	(void)mmu;
	armv7_copy_page(armv7_phys(dst), armv7_phys(src));
}

/* ------------------------------------------------------------ init */

int mmk_mmu_init(struct mmk_mmu *mmu, struct mmk_pmm *pmm, const struct mmk_mmu_boot *boot)
{
	mmk_pt_setup(mmu, &armv7_format, pmm, 0);
	mmu->direct_base = armv7_direct_base(); /* the boot's table has the linear map too */
	MMK_ASSERT(mmk_asid_init(&mmu->asids, ASID_BITS, flush_all_asids, mmu) == 0);
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
	armv7_tlbi_all();
	mmu->stats.tlb_full_flushes++;
	return 0;
}
