/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The riscv64 page-table formats, Sv39 and Sv48 (RISC-V priv 4.4, 4.5), for the engine
 * (core/pt.c). One PTE layout at every level (pte.h); mmk_mmu_init picks Sv48 when satp
 * accepts MODE 9 (written, read back), else Sv39.
 *
 *   0x0000000000001000  user space, per space, ASID-tagged   root entries 0..255
 *   0x0000004000000000  end of user space (Sv39)
 *   0x0000800000000000  end of user space (Sv48)
 *   0xFFFF800000000000  Sv48's kernel half starts (unused below the next line)
 *   0xFFFFFFC000000000  Sv39's kernel half: the direct map of   root entries 256..511:
 *                       physical [0, 128 GiB), RAM in 1 GiB /   the kernel's, copied
 *                       2 MiB pages, global, A/D preset         into every root
 *   0xFFFFFFE000000000  kernel window: heap up ...
 *   0xFFFFFFFF00000000  ... MMIO down
 *   0xFFFFFFFF80000000  the image: text RX, rodata R, data RW
 *
 * Entries: a leaf has R, W or X (R always: READ is implied by WRITE and EXEC), U for
 * user pages, G for every kernel leaf, A always and D when writable, so a hart that does
 * not update them itself (4.3.1, Svade) never faults for them until
 * mmk_mmu_clear_accessed clears them (riscv64_mmu_fix_accessed then sets them again).
 * A table entry has only V (and G in the kernel half). There are no memory-type bits
 * without Svpbmt: the PMAs decide (virt: MMIO is I/O). The portable type is kept in the
 * two RSW bits (9:8), which the hardware ignores, so it reads back.
 *
 * TLB (4.2.1 SFENCE.VMA): per page with the space's ASID (or every ASID for the
 * kernel's global leaves); the whole ASID, or everything for the kernel, when a batch
 * passes the threshold or frees a table - an address fence drops only leaf entries.
 * With ASIDs (ASIDLEN probed by writing ones to satp.ASID) a space keeps its entries
 * across switches and an inactive one is fenced by its ASID at once; without, every
 * switch fences ASID 0 (all non-global entries).
 */
#include <mmukit/errno.h>
#include <mmukit/fault.h>
#include <mmukit/memmap.h>
#include <mmukit/pmm.h>
#include <mmukit/pt.h>
#include <mmukit/services.h>

#include "cpu.h"
#include "layout.h"
#include "pte.h"

#define FEATURE_SV48 1u
#define RSW_CACHE 0x300ull /* bits 9:8, reserved for software: MMK_CACHE_* as they are */
#define ENTRIES 512u

/* ------------------------------------------------------------ entries */

/* 4.3.1, 4.4.1: R always (READ is implied), A always and D with W (no fault for them
 * on a hart without Svadu), G for every kernel leaf; the memory type in RSW (9:8). */
static const struct mmk_pt_attrs leaf_attrs = {
	.base = PTE_V | PTE_R | PTE_A,
	.always = MMK_PROT_READ,
	.kernel_flags = MMK_PROT_GLOBAL,
	.flag = {{MMK_PROT_WRITE, PTE_W | PTE_D, 0, 0}, {MMK_PROT_EXEC, PTE_X, 0, 0},
		 {MMK_PROT_USER, PTE_U, 0, 0}, {MMK_PROT_GLOBAL, PTE_G, 0, 0}},
	.cache = {MMK_CACHE_WB, MMK_CACHE_WT, MMK_CACHE_WC, MMK_CACHE_UC},
	.cache_mask = RSW_CACHE,
};

/* 4.4.1: a pointer has R = W = X = 0; D, A, U are reserved there. */
static mmk_pte_t table_bits(const struct mmk_mmu *mmu, unsigned level, mmk_vaddr_t va)
{
	return PTE_V | (va >= mmu->fmt->kernel_base ? PTE_G : 0);
}

/* ------------------------------------------------------------ spaces, TLB */

static bool frees_table(const struct mmk_mmu_batch_page *pages, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (pages[i].table)
			return true;
	return false;
}

static void invalidate(struct mmk_mmu_space *s, const struct mmk_mmu_batch_page *pages,
		       unsigned n, bool all)
{
	struct mmk_mmu *mmu = s->mmu;
	bool whole = all || frees_table(pages, n);
	if (s->is_kernel) { /* global leaves: fences without an ASID reach them */
		if (whole)
			riscv64_sfence_all();
		for (unsigned i = 0; i < n && !whole; i++)
			riscv64_sfence_page(pages[i].va);
		return;
	}
	if (s != mmu->active) {
		/* Tagged: its entries live on under its ASID (0: never active). Untagged:
		 * the switch away from it fenced them. */
		if (mmu->asids.bits && s->asid)
			riscv64_sfence_asid(s->asid);
		return;
	}
	if (whole) {
		riscv64_sfence_asid(s->asid);
		return;
	}
	for (unsigned i = 0; i < n; i++)
		riscv64_sfence_page_asid(pages[i].va, s->asid);
}

/* Frames about to become executable: stores to them reach instruction fetch. */
static void sync_exec(struct mmk_mmu *mmu, mmk_paddr_t pa, uint64_t size)
{
	riscv64_fence_i();
}

#define POINTERS(shift, name) {shift, 9, 12, PTE_V | PTE_RWX, PTE_V, PTE_PPN, name}

static const struct mmk_pt_format sv39_format = {
	.name = "Sv39", .levels = 3,
	/* One PTE layout at every level (4.4.1): a pointer is V with R = W = X = 0. */
	.level = {{12, 9, 12, 0, 0, 0, "PTE0"}, POINTERS(21, "PTE1"), POINTERS(30, "PTE2")},
	.size_count = 3, .sizes = {
		{12, 0, 0, 0, PTE_PPN, 0, &leaf_attrs},
		{21, 1, 0, 0, PTE_PPN & ~0x7FC00ull, 0, &leaf_attrs},    /* 2 MiB: PPN[0] zero */
		{30, 2, 0, 0, PTE_PPN & ~0xFFFFC00ull, 0, &leaf_attrs}, /* 1 GiB: PPN[1:0] zero */
	},
	.entry_bytes = 8, .pa_shift = 2, .va_bits = 39, .valid = PTE_V, .accessed = PTE_A,
	.dirty = PTE_D, .pa_limit = 1ull << 56, .user_base = 0x1000,
	.user_end = 0x0000004000000000ull, .kernel_base = 0xFFFFFFC000000000ull,
	.kernel_end = 0xFFFFFFFFFFFFF000ull, /* the last page stays unmapped */
	.shared_kernel_root = true, /* the engine's default root: kernel entries copied */
	.phys = riscv64_phys, .kernel_pointer = riscv64_kernel_pointer,
	.zero_page = riscv64_zero_page, .copy_page = riscv64_copy_page,
	.leaf_bits = mmk_pt_leaf_bits, .table_bits = table_bits, .invalidate = invalidate,
	.sync_exec = sync_exec,
};

/* Sv48 (4.5): Sv39 with one more level above and a wider user half; the same sizes
 * (no 512 GiB pages), the same kernel addresses. */
static struct mmk_pt_format sv48_format;

static const struct mmk_pt_format *sv48_from_sv39(void)
{
	sv48_format = sv39_format;
	sv48_format.name = "Sv48";
	sv48_format.levels = 4;
	sv48_format.level[3] = (struct mmk_pt_level)POINTERS(39, "PTE3");
	sv48_format.va_bits = 48;
	sv48_format.user_end = 0x0000800000000000ull;
	sv48_format.kernel_base = 0xFFFF800000000000ull;
	return &sv48_format;
}

/* Set by the boot ("sv39" on the command line): do not try MODE 9. */
static bool sv39_only;

void riscv64_mmu_sv39_only(void)
{
	sv39_only = true;
}

static uint64_t satp_mode(const struct mmk_mmu *mmu)
{
	return (mmu->features & FEATURE_SV48) ? SATP_MODE_SV48 : SATP_MODE_SV39;
}

void mmk_mmu_activate(struct mmk_mmu_space *space)
{
	struct mmk_mmu *mmu = space->mmu;
	unsigned asid = 0; /* the kernel space's, and every space's without ASIDs */
	if (mmu->asids.bits && !space->is_kernel)
		asid = mmk_pt_space_tag(space);
	riscv64_write_satp(satp_mode(mmu) << SATP_MODE_SHIFT | (uint64_t)asid << SATP_ASID_SHIFT |
			   space->root >> 12);
	if (!mmu->active)
		riscv64_sfence_all(); /* the boot's entries, global ones too */
	else if (!mmu->asids.bits)
		riscv64_sfence_asid(0); /* the previous space's entries */
	mmk_pt_activated(space);
}

/* 4.3.1 step 5 for S-mode (user false) or U-mode, with sstatus.SUM. */
static bool leaf_allows(mmk_pte_t e, unsigned access, bool user, bool sum)
{
	if ((e & PTE_U) ? !user && (access == MMK_ACCESS_EXEC || !sum) : user)
		return false;
	return access == MMK_ACCESS_WRITE ? (e & PTE_W) != 0
	       : access == MMK_ACCESS_EXEC ? (e & PTE_X) != 0 : (e & PTE_R) != 0;
}

bool riscv64_mmu_fix_accessed(struct mmk_mmu *mmu, mmk_vaddr_t va, unsigned access, bool user,
			      bool sum)
{
	struct mmk_mmu_space *s = va >= mmu->fmt->kernel_base ? &mmu->kernel : mmu->active;
	struct mmk_mmu_walk_step steps[MMK_PT_MAX_LEVELS];
	unsigned n = s ? mmk_mmu_walk_steps(s, va, steps, MMK_PT_MAX_LEVELS) : 0;
	if (n == 0 || !steps[n - 1].valid || steps[n - 1].is_table ||
	    !leaf_allows(steps[n - 1].entry, access, user, sum))
		return false;
	return mmk_mmu_set_referenced(s, va, access == MMK_ACCESS_WRITE) == 0;
}

/* ------------------------------------------------------------ init */

/* ASIDLEN (4.1.11): ones written to satp.ASID read back only where implemented. */
static unsigned probe_asid_bits(void)
{
	uint64_t old = riscv64_read_satp();
	riscv64_write_satp(old | SATP_ASID_MASK << SATP_ASID_SHIFT);
	uint64_t asid = (riscv64_read_satp() >> SATP_ASID_SHIFT) & SATP_ASID_MASK;
	riscv64_write_satp(old);
	unsigned bits = 0;
	while (asid & (1ull << bits))
		bits++;
	return bits;
}

/*
 * Whether satp takes MODE 9. The trial root maps the top 512 GiB (its entry 511) to
 * the current Sv39 root, which serves there as Sv48's level-2 table, so the kernel
 * keeps running while it is loaded; a hart without Sv48 ignores the write.
 */
static int probe_sv48(struct mmk_pmm *pmm, bool *sv48)
{
	mmk_paddr_t trial;
	int err = mmk_pmm_alloc(pmm, &trial);
	if (err)
		return err;
	uint64_t old = riscv64_read_satp();
	uint64_t *root = riscv64_phys(trial);
	for (unsigned i = 0; i < ENTRIES; i++)
		root[i] = 0;
	root[ENTRIES - 1] = ((old & SATP_PPN_MASK) << 10) | PTE_V | PTE_G;
	riscv64_sfence_all();
	riscv64_write_satp(SATP_MODE_SV48 << SATP_MODE_SHIFT | trial >> 12);
	*sv48 = riscv64_read_satp() >> SATP_MODE_SHIFT == SATP_MODE_SV48;
	riscv64_write_satp(old);
	riscv64_sfence_all();
	MMK_ASSERT(mmk_pmm_free(pmm, trial) == 0);
	return 0;
}

int mmk_mmu_init(struct mmk_mmu *mmu, struct mmk_pmm *pmm, const struct mmk_mmu_boot *boot)
{
	bool sv48 = false;
	int err = sv39_only ? 0 : probe_sv48(pmm, &sv48);
	if (err)
		return err;
	unsigned asid_bits = probe_asid_bits();
	if (asid_bits > MMK_ASID_MAX_BITS)
		asid_bits = MMK_ASID_MAX_BITS; /* the allocator's limit */
	mmk_pt_setup(mmu, sv48 ? sv48_from_sv39() : &sv39_format, pmm, sv48 ? FEATURE_SV48 : 0);
	mmu->md.table_limit = boot->window_limit;
	mmu->direct_base = riscv64_direct_base();
	if (asid_bits)
		MMK_ASSERT(mmk_asid_init(&mmu->asids, asid_bits, mmk_pt_flush_all, mmu) == 0);
	err = mmk_pt_root_create(mmu, &mmu->kernel, true);
	if (err)
		return err;
	/* RAM in the direct map; OpenSBI's memory (firmware), reserved and bad ranges not. */
	struct mmk_pt_window direct = {
		.va = DIRECT_BASE, .pa_start = 0, .pa_end = DIRECT_SIZE,
		.skip_types = 1u << MMK_MEM_RESERVED | 1u << MMK_MEM_BAD | 1u << MMK_MEM_ACPI_NVS |
			      1u << MMK_MEM_FIRMWARE};
	err = mmk_pt_map_boot(mmu, boot, &direct, false);
	if (err)
		return err;
	mmk_mmu_activate(&mmu->kernel);
	mmu->md.table_limit = 0;
	return 0;
}
