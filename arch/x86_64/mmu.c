/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The x86_64 page-table format: 4-level paging (Intel SDM Vol 3A 4.5) for the engine
 * (core/pt.c). Bit layouts: arch/x86_64/pte.h.
 *
 *   0x0000000000000000  never mapped (NULL)
 *   0x0000000000001000  user space                   PML4 0..255: this space's own
 *   0x00007FFFFFFFFFFF
 *   0xFFFF800000000000  HHDM: all usable RAM, 1 GiB   PML4 256..511: the kernel's,
 *                       pages where CPUID has them,   shared by every space (a new
 *                       else 2 MiB                    kernel PML4 entry is written
 *   ...                 kernel window (heap, MMIO)    into every PML4)
 *   0xFFFFFF8000000000  top 512 GiB: the kernel; its image at 0xFFFFFFFF80000000
 *
 * Tables are reached through the HHDM, so a space that is not active is edited like
 * the active one. TLB: INVLPG per page, a full flush past the threshold. With PCIDs
 * (CPUID, CR4.PCIDE) every user space gets one from the ASID allocator when it is
 * activated, and CR3 is loaded with the no-flush bit; a space edited while inactive is
 * marked and its PCID's entries are dropped by that load instead (a CR3 load without
 * bit 63, SDM Vol 3A 4.10.4.1), or at once with INVPCID where the CPU has it. Kernel-half
 * leaves are then always global, so INVLPG drops them under every PCID; a generation
 * roll-over of the allocator flushes everything (toggling CR4.PGE).
 */
#include <mmukit/errno.h>
#include <mmukit/memmap.h>
#include <mmukit/mmu.h>
#include <mmukit/pmm.h>
#include <mmukit/pt.h>
#include <mmukit/services.h>

#include "cpu.h"
#include "pte.h"

#define HHDM_BASE 0xFFFF800000000000ull
#define PCID_BITS 12

#define FEATURE_1G 1u
#define FEATURE_NX 2u
#define FEATURE_PGE 4u
#define FEATURE_PCID 8u
#define FEATURE_INVPCID 16u

/* ------------------------------------------------------------ entries */

/*
 * SDM Vol 3A 4.5, tables 4-18 to 4-20: PS is the large sizes' kind; NX where EFER.NXE
 * is on. With PCIDs kernel leaves are always global, so INVLPG reaches them under every
 * PCID. 11.12.3: with the power-on PAT, PWT/PCD select WB, WT, UC- and UC (WC: UC-).
 */
static const struct mmk_pt_attrs leaf_attrs = {
	.base = PTE_P,
	.always = MMK_PROT_READ,
	.kernel_flags = MMK_PROT_GLOBAL,
	.kernel_needs = FEATURE_PCID,
	.flag = {{MMK_PROT_WRITE, PTE_RW, 0, 0}, {MMK_PROT_USER, PTE_US, 0, 0},
		 {MMK_PROT_GLOBAL, PTE_G, 0, FEATURE_PGE}, {MMK_PROT_EXEC, 0, PTE_NX, FEATURE_NX}},
	.cache = {0, PTE_PWT, PTE_PCD, PTE_PCD | PTE_PWT},
	.cache_mask = PTE_PCD | PTE_PWT,
};

/* Tables allow everything; the leaves decide (a kernel table never allows user access). */
static mmk_pte_t table_bits(const struct mmk_mmu *mmu, unsigned level, mmk_vaddr_t va)
{
	(void)mmu;
	(void)level;
	return PTE_P | PTE_RW | (va < mmu->fmt->user_end ? PTE_US : 0);
}

/* Its PCID's entries go now (INVPCID) or at its next CR3 load. */
static void drop_tagged(struct mmk_mmu *mmu, struct mmk_mmu_space *s)
{
	if (s->asid == 0)
		return; /* never loaded: nothing cached under a PCID of its own */
	if (mmu->features & FEATURE_INVPCID)
		x86_64_invpcid_context(s->asid);
	else
		s->tlb_stale = true;
}

/* True when the batch frees table pages (or the whole space goes). */
static bool frees_tables(const struct mmk_mmu_batch_page *pages, unsigned n, bool all)
{
	for (unsigned i = 0; i < n && !all; i++)
		all = pages[i].table;
	return all;
}

static void invalidate(struct mmk_mmu_space *s, const struct mmk_mmu_batch_page *pages,
		       unsigned n, bool all)
{
	struct mmk_mmu *mmu = s->mmu;
	if (!s->is_kernel && s != mmu->active) {
		/* Without INVPCID its PCID's entries would stay until its next CR3 load, which a
		 * space losing tables may never get: those go before the tables do (mmu.h). */
		if ((mmu->features & FEATURE_PCID) && !(mmu->features & FEATURE_INVPCID) &&
		    s->asid != 0 && frees_tables(pages, n, all))
			mmk_pt_flush_all(mmu);
		else if (mmu->features & FEATURE_PCID)
			drop_tagged(mmu, s);
		return; /* else: its next CR3 load drops its entries */
	}
	if (all) {
		if (s->is_kernel)
			x86_64_flush_tlb_global();
		else
			x86_64_write_cr3(x86_64_read_cr3());
		return;
	}
	/* INVLPG also drops paging-structure caches: right for freed tables too. */
	for (unsigned i = 0; i < n; i++)
		x86_64_invlpg(pages[i].va);
}

/*
 * A page of zeros, a page copied: one string instruction each, rep stosq / rep movsq
 * with the direction flag clear (SDM Vol 2B, "STOS", "MOVS", "REP"), as a small kernel
 * clears pages on a CPU without fast short strings. Runs on the host build too (x86_64).
 */
static void zero_page(void *page)
{
	void *d = page;
	uint64_t n = MMK_PAGE_SIZE / 8;
	__asm__ volatile("cld; rep stosq" : "+D"(d), "+c"(n) : "a"(0ull) : "memory");
}

static void copy_page(void *to, const void *from)
{
	uint64_t n = MMK_PAGE_SIZE / 8;
	__asm__ volatile("cld; rep movsq" : "+D"(to), "+S"(from), "+c"(n) : : "memory");
}

static const struct mmk_pt_format x86_64_format = {
	.name = "x86_64 4-level", .levels = 4,
	.level = {
		{12, 9, 12, 0, 0, 0, "PTE"},
		{21, 9, 12, PTE_P | PTE_PS, PTE_P, PTE_FRAME, "PDE"},
		{30, 9, 12, PTE_P | PTE_PS, PTE_P, PTE_FRAME, "PDPTE"},
		{39, 9, 12, PTE_P | PTE_PS, PTE_P, PTE_FRAME, "PML4E"},
	},
	.size_count = 3, .sizes = {
		{12, 0, 0, 0, PTE_FRAME, 0, &leaf_attrs},
		{21, 1, PTE_PS, PTE_PS, 0x000FFFFFFFE00000ull, 0, &leaf_attrs},
		{30, 2, PTE_PS, PTE_PS, 0x000FFFFFC0000000ull, FEATURE_1G, &leaf_attrs},
	},
	.entry_bytes = 8, .va_bits = 48, .valid = PTE_P, .accessed = PTE_A, .dirty = PTE_D,
	.pa_limit = 1ull << 52, .user_base = 0x1000, .user_end = 0x0000800000000000ull,
	.kernel_base = HHDM_BASE,
	.kernel_end = 0xFFFFFFFFFFFFF000ull, /* the last page stays unmapped */
	.shared_kernel_root = true,
	.phys = x86_64_phys, .kernel_pointer = x86_64_kernel_pointer,
	.zero_page = zero_page, .copy_page = copy_page,
	.leaf_bits = mmk_pt_leaf_bits, .table_bits = table_bits, .invalidate = invalidate,
};

void mmk_mmu_activate(struct mmk_mmu_space *space)
{
	struct mmk_mmu *mmu = space->mmu;
	uint64_t cr3 = space->root;
	if (mmu->features & FEATURE_PCID) {
		cr3 |= space->is_kernel ? 0 : mmk_pt_space_tag(space); /* the kernel's: PCID 0 */
		if (!space->tlb_stale)
			cr3 |= CR3_NOFLUSH;
		space->tlb_stale = false;
	}
	x86_64_write_cr3(cr3);
	mmk_pt_activated(space);
}

/* ------------------------------------------------------------ init */

static uint64_t cpu_features(void)
{
	uint64_t features = 0;
	if (x86_64_has_1g_pages())
		features |= FEATURE_1G;
	if (x86_64_has_nx())
		features |= FEATURE_NX;
	if (x86_64_has_pge())
		features |= FEATURE_PGE;
	if ((features & FEATURE_PGE) && x86_64_has_pcid() && (x86_64_read_cr3() & 0xFFF) == 0) {
		features |= FEATURE_PCID;
		if (x86_64_has_invpcid())
			features |= FEATURE_INVPCID;
	}
	return features;
}

int mmk_mmu_init(struct mmk_mmu *mmu, struct mmk_pmm *pmm, const struct mmk_mmu_boot *boot)
{
	mmk_pt_setup(mmu, &x86_64_format, pmm, cpu_features());
	mmu->direct_base = x86_64_direct_base();
	mmu->md.table_limit = boot->window_limit;
	if (mmu->features & FEATURE_PGE)
		x86_64_enable_pge();
	if (mmu->features & FEATURE_PCID) {
		x86_64_enable_pcid();
		MMK_ASSERT(mmk_asid_init(&mmu->asids, PCID_BITS, mmk_pt_flush_all, mmu) == 0);
	}
	int err = mmk_pt_root_create(mmu, &mmu->kernel, true);
	if (err)
		return err;
	/* tlb_stale: the first load drops what PCID 0 held from the boot tables. */
	mmu->kernel.tlb_stale = true;
	/* The HHDM: every range the firmware does not keep for itself. */
	struct mmk_pt_window hhdm = {HHDM_BASE, 0, 1ull << 46,
				     1u << MMK_MEM_RESERVED | 1u << MMK_MEM_BAD | 1u << MMK_MEM_ACPI_NVS};
	err = mmk_pt_map_boot(mmu, boot, &hhdm, false);
	if (err)
		return err;
	mmk_mmu_activate(&mmu->kernel);
	mmu->md.table_limit = 0; /* the new HHDM reaches every frame */
	return 0;
}
