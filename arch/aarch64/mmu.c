/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The AArch64 page-table format: VMSAv8-64 stage 1, EL1&0, 4 KiB granule, 48-bit
 * virtual addresses, four lookup levels (ARM ARM D8.2), for the engine (core/pt.c).
 * The engine numbers levels from the leaves: its 0..3 are the manual's levels 3..0.
 *
 *   0x0000000000000000  never mapped (NULL)
 *   0x0000000000001000  user space: TTBR0_EL1, one root per space, tagged by its ASID
 *   0x0000FFFFFFFFFFFF  (TTBR0 bits 63:48); the kernel space runs on an empty root
 *   ...                 (md.idle_root, ASID 0), so no user entry survives it
 *   0xFFFF000000000000  TTBR1_EL1, the kernel's own root: the direct map of RAM
 *                       (DIRECT_MAP + pa) in 1 GiB / 2 MiB blocks
 *   0xFFFF800000000000  kernel window: heap (and guarded stacks) up, MMIO down from
 *   0xFFFFFF8000000000
 *   0xFFFFFFFF40000000  + UART pa: the console page (a fixed boot mapping)
 *   0xFFFFFFFF80000000  + (pa - RAM GiB): the image, text RX, rodata R, data RW
 *
 * Leaves: AF always set (the access flag is not used for tracking: every leaf reports
 * accessed, and dirty when writable); kernel leaves global and UXN, user leaves nG and
 * PXN; memory types through MAIR_EL1 (set by boot.S): 0 WB, 1 WT, 2 normal
 * non-cacheable (WC), 3 Device-nGnRE (UC). A block or page replaced by another kind is
 * made invalid and invalidated first (break-before-make, ARM ARM D8.14, the engine's).
 *
 * TLB (ARM ARM D8.13; TLBI C5.5): a changed leaf is invalidated with TLBI VALE1IS for
 * its space's ASID, or VAALE1IS for the kernel's global ones; an entry that pointed to
 * a table (freed with the batch) with VAE1IS / VAAE1IS, which also drop the walk cache.
 * A whole space: ASIDE1IS (user) or VMALLE1IS (kernel). An inactive space is invalidated
 * at once by its ASID; one whose ASID is of an older generation has nothing cached.
 * Every sequence is DSB ISHST, TLBIs, DSB ISH, ISB (cpu.c). New entries: DSB + ISB.
 */
#include <mmukit/errno.h>
#include <mmukit/memmap.h>
#include <mmukit/mmu.h>
#include <mmukit/pmm.h>
#include <mmukit/pt.h>
#include <mmukit/services.h>

#include "cpu.h"

#define DIRECT_MAP_VA 0xFFFF000000000000ull

/* Stage 1 descriptor bits, 4 KiB granule (ARM ARM D8.3). */
#define D_VALID (1ull << 0)
#define D_TABLE (1ull << 1) /* levels 0-2: table (else block); level 3: page */
#define D_ATTR(i) ((uint64_t)(i) << 2) /* AttrIndx[2:0] (D8.5) */
#define D_ATTR_MASK (7ull << 2)
#define D_AP_EL0 (1ull << 6) /* AP[1]: EL0 may access (D8.4) */
#define D_AP_RO (1ull << 7)  /* AP[2]: read-only */
#define D_SH_INNER (3ull << 8)
#define D_AF (1ull << 10)
#define D_NG (1ull << 11)
#define D_PXN (1ull << 53)
#define D_UXN (1ull << 54)
#define D_ADDR 0x0000FFFFFFFFF000ull

/* MAIR_EL1 indexes (boot.S sets the register). */
enum { ATTR_WB, ATTR_WT, ATTR_NC, ATTR_DEVICE };

/* TCR_EL1 (ARM ARM D13.2): AS, 16-bit ASIDs. */
#define TCR_AS (1ull << 36)
#define ASID_ALLOCATOR_MAX 12 /* MMK_ASID_MAX_BITS: what mmukit's allocator tracks */

/* ------------------------------------------------------------ entries */

/*
 * AP[2:1] (D8.4.1): AP[1] EL0 access, AP[2] read-only. Execute-never: a user page never
 * runs at EL1 (PXN), a kernel page never at EL0 (UXN), and one without EXEC at neither.
 * AF always set; kernel leaves global, user ones nG. Memory types through MAIR_EL1.
 */
static const struct mmk_pt_attrs leaf_attrs = {
	.base = D_AF,
	.always = MMK_PROT_READ,
	.kernel_flags = MMK_PROT_GLOBAL,
	.flag = {{MMK_PROT_WRITE, 0, D_AP_RO, 0}, {MMK_PROT_USER, D_AP_EL0 | D_PXN, D_UXN, 0},
		 {MMK_PROT_EXEC, 0, D_UXN | D_PXN, 0}, {MMK_PROT_GLOBAL, 0, D_NG, 0}},
	.cache = {D_ATTR(ATTR_WB) | D_SH_INNER, D_ATTR(ATTR_WT) | D_SH_INNER,
		  D_ATTR(ATTR_NC) | D_SH_INNER, D_ATTR(ATTR_DEVICE)},
	.cache_mask = D_ATTR_MASK | D_SH_INNER,
};

/* Tables restrict nothing (no APTable / XNTable): the leaves decide. */
static mmk_pte_t table_bits(const struct mmk_mmu *mmu, unsigned level, mmk_vaddr_t va)
{
	(void)mmu;
	(void)level;
	(void)va;
	return D_VALID | D_TABLE;
}

/* The ASID a user space's entries can be cached under, or 0: none (never activated,
 * or tagged in a generation the allocator has flushed since). */
static unsigned cached_asid(const struct mmk_mmu_space *s)
{
	const struct mmk_asid_allocator *a = &s->mmu->asids;
	uint64_t gen = s->asid_generation & ~(uint64_t)((1u << a->bits) - 1);
	return gen == a->generation ? asid_of(a, s->asid_generation) : 0;
}

static void invalidate(struct mmk_mmu_space *s, const struct mmk_mmu_batch_page *pages,
		       unsigned n, bool all)
{
	unsigned asid = s->is_kernel ? 0 : cached_asid(s);
	if (!s->is_kernel && asid == 0)
		return;
	aarch64_tlbi_begin();
	if (all && s->is_kernel)
		aarch64_tlbi_all();
	else if (all)
		aarch64_tlbi_asid(asid);
	for (unsigned i = 0; i < n && !all; i++) {
		bool leaf = !pages[i].table; /* a freed table: its walk-cache entries too */
		if (s->is_kernel)
			aarch64_tlbi_va_all_asids(pages[i].va, leaf);
		else
			aarch64_tlbi_va(pages[i].va, asid, leaf);
	}
	aarch64_tlbi_end();
}

static void publish(struct mmk_mmu *mmu)
{
	(void)mmu;
	aarch64_tables_written();
}

/* Frames about to be executable: D-cache cleaned to PoU, I-cache invalidated. */
static void sync_exec(struct mmk_mmu *mmu, mmk_paddr_t pa, uint64_t size)
{
	(void)mmu;
	aarch64_sync_code(aarch64_phys(pa), size);
}

static const struct mmk_pt_format aarch64_format = {
	.name = "VMSAv8-64 4K", .levels = 4,
	.level = {
		{12, 9, 12, 0, 0, 0, "L3"},
		{21, 9, 12, D_VALID | D_TABLE, D_VALID | D_TABLE, D_ADDR, "L2"},
		{30, 9, 12, D_VALID | D_TABLE, D_VALID | D_TABLE, D_ADDR, "L1"},
		{39, 9, 12, D_VALID | D_TABLE, D_VALID | D_TABLE, D_ADDR, "L0"},
	},
	.size_count = 3, .sizes = {
		{12, 0, D_VALID | D_TABLE, D_VALID | D_TABLE, D_ADDR, 0, &leaf_attrs},
		{21, 1, D_VALID | D_TABLE, D_VALID, 0x0000FFFFFFE00000ull, 0, &leaf_attrs},
		{30, 2, D_VALID | D_TABLE, D_VALID, 0x0000FFFFC0000000ull, 0, &leaf_attrs},
	},
	.entry_bytes = 8, .va_bits = 48, .valid = D_VALID, .pa_limit = 1ull << 48,
	.user_base = 0x1000, .user_end = 0x0001000000000000ull,
	.kernel_base = DIRECT_MAP_VA,
	.kernel_end = 0xFFFFFFFFFFFFF000ull, /* the last page stays unmapped */
	.break_before_make = true,
	.phys = aarch64_phys, .kernel_pointer = aarch64_kernel_pointer,
	.zero_page = aarch64_zero_page, .copy_page = aarch64_copy_page,
	.leaf_bits = mmk_pt_leaf_bits, .table_bits = table_bits, .invalidate = invalidate,
	.publish = publish, .sync_exec = sync_exec,
};

/* TTBR0_EL1 = root | ASID << 48 (D13.2): one write switches both, no reserved ASID step. */
void mmk_mmu_activate(struct mmk_mmu_space *space)
{
	struct mmk_mmu *mmu = space->mmu;
	uint64_t ttbr0 = mmu->md.idle_root; /* the kernel space: ASID 0, nothing mapped */
	if (!space->is_kernel)
		ttbr0 = space->root | (uint64_t)mmk_pt_space_tag(space) << 48;
	aarch64_write_ttbr0(ttbr0);
	mmk_pt_activated(space);
}

/* ------------------------------------------------------------ init */

static unsigned hardware_asid_bits(void)
{
	return ((aarch64_read_mmfr0() >> 4) & 0xF) == 2 ? 16 : 8;
}

/* The tables are built; TTBR1 takes the new root, TTBR0 the empty one (ASID 0). */
static void switch_tables(struct mmk_mmu *mmu)
{
	uint64_t tcr = aarch64_read_tcr();
	if (hardware_asid_bits() == 16)
		tcr |= TCR_AS;
	aarch64_write_tcr(tcr);
	aarch64_replace_ttbr1(mmu->kernel.root, mmu->md.idle_root);
	mmk_mmu_activate(&mmu->kernel);
	mmk_pt_flush_all(mmu); /* the boot's identity entries (global) and all else cached */
}

int mmk_mmu_init(struct mmk_mmu *mmu, struct mmk_pmm *pmm, const struct mmk_mmu_boot *boot)
{
	mmk_pt_setup(mmu, &aarch64_format, pmm, 0);
	mmu->direct_base = aarch64_direct_base();
	mmu->md.table_limit = boot->window_limit;
	unsigned bits = hardware_asid_bits();
	MMK_ASSERT(mmk_asid_init(&mmu->asids, bits < ASID_ALLOCATOR_MAX ? bits : ASID_ALLOCATOR_MAX,
				 mmk_pt_flush_all, mmu) == 0);
	mmk_paddr_t idle;
	int err = boot->window_limit ? mmk_pmm_alloc_below(pmm, boot->window_limit, &idle)
				     : mmk_pmm_alloc(pmm, &idle);
	if (err)
		return err;
	aarch64_zero_page(aarch64_phys(idle));
	mmu->md.idle_root = idle;
	err = mmk_pt_root_create(mmu, &mmu->kernel, true);
	if (!err) {
		/* The direct map: every range the firmware does not keep for itself. */
		struct mmk_pt_window direct = {DIRECT_MAP_VA, 0, 1ull << 47,
					       1u << MMK_MEM_RESERVED | 1u << MMK_MEM_BAD |
						       1u << MMK_MEM_ACPI_NVS};
		err = mmk_pt_map_boot(mmu, boot, &direct, false);
	}
	if (err) {
		MMK_ASSERT(mmk_pmm_free(pmm, idle) == 0);
		return err;
	}
	switch_tables(mmu);
	mmu->md.table_limit = 0; /* the new direct map reaches every frame */
	return 0;
}
