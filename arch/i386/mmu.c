/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The i386 page-table format: 32-bit two-level paging (Intel SDM Vol 3A 4.3) for the
 * engine (core/pt.c). Bit layouts: arch/i386/pte.h.
 *
 * Virtual memory of every space:
 *
 *   0x00000000 +------------------------+
 *              | never mapped (NULL)    |
 *   0x00001000 +------------------------+  PDE 0..767: this space's own tables
 *              | user space             |
 *   0xC0000000 +------------------------+  PDE 768..1020: kernel tables, shared by
 *              | kernel: the window on  |  every space (a new kernel table is written
 *              | low RAM, image, heap,  |  into every page directory)
 *              | MMIO                   |
 *   0xFF400000 +------------------------+  PDE 1021: the PD slots - every space's page
 *              | page directories       |  directory mapped at 0xFF400000 + slot*4K, so
 *              | (+ 2 scratch pages)    |  each has a kernel address of its own; the
 *   0xFF800000 +------------------------+  last two are scratch pages
 *              | alternate window       |  PDE 1022 -> another space's PD: its tables
 *              |                        |  at 0xFF800000 + i*4K, its PD at 0xFFBFF000
 *   0xFFC00000 +------------------------+  PDE 1023 -> this PD (recursive slot):
 *              | recursive window       |  table i at 0xFFC00000 + i*4K, the PD itself
 *   0xFFFFF000 | (PD at 0xFFFFF000)     |  at 0xFFFFF000
 *              +------------------------+
 *
 * Tables are only ever touched through these windows: a directory at its slot address,
 * a table of the active space (or of the kernel half, the same in every directory)
 * through the recursive window, a table of another space through the alternate one. A
 * page that is nobody's table yet (a new directory, a table being filled before it is
 * linked) is reached through the scratch page. The engine never touches PDE 1021-1023:
 * its kernel half ends at 0xFF400000.
 *
 * TLB (SDM Vol 3A 4.10.4): a removed or reduced mapping of the active space, or of the
 * kernel half (visible in every space), is invalidated with INVLPG, or with one full
 * flush past the threshold. Window pages whose meaning changes are invalidated too: a
 * freed table's pages in the recursive and alternate windows, a scratch page when it
 * is pointed elsewhere, and the whole alternate window (a CR3 load: its pages are never
 * global) when the slot is retargeted. Inactive user spaces need nothing else: loading
 * CR3 flushes their non-global entries.
 *
 * mmu->md.word[SLOTS_WORD] holds the frame of the PD slots table.
 */
#include <mmukit/errno.h>
#include <mmukit/mmu.h>
#include <mmukit/pmm.h>
#include <mmukit/pt.h>
#include <mmukit/services.h>

#include "cpu.h"
#include "pte.h"

#define USER_BASE 0x00001000u
#define KERNEL_BASE 0xC0000000u
#define SLOTS_BASE 0xFF400000u /* PDE 1021 */
#define ALT_BASE 0xFF800000u   /* PDE 1022 */
#define SELF_BASE 0xFFC00000u  /* PDE 1023 */
#define PDI_KERNEL 768u
#define PDI_SLOTS 1021u
#define PDI_ALT 1022u
#define PDI_SELF 1023u
#define KERNEL_SLOT 0u            /* the kernel directory's */
#define SCRATCH_SLOT 1023u        /* new tables, zero and copy destination */
#define SCRATCH_SOURCE_SLOT 1022u /* copy source */
#define FIRST_SCRATCH_SLOT SCRATCH_SOURCE_SLOT
#define SLOTS_WORD 0

#define FEATURE_PSE 1u
#define FEATURE_PGE 2u

#define WINDOW_ENTRY (PTE_P | PTE_RW) /* a directory entry or slot the backend owns */

/* ------------------------------------------------------------------ windows */

static pte_t *active_pd(void)
{
	return i386_window(SELF_BASE + PDI_SELF * 4096u);
}

/* The PD slots table, as a page of the recursive window. */
static pte_t *slot_table(void)
{
	return i386_window(SELF_BASE + PDI_SLOTS * 4096u);
}

/* Scratch page `slot` shows frame pa; returns it. */
static pte_t *scratch_map(unsigned slot, mmk_paddr_t pa)
{
	MMK_ASSERT(pa < 4 * MMK_GIB);
	uint32_t va = SLOTS_BASE + slot * 4096u;
	pte_t *slots = slot_table();
	pte_t want = (pte_t)pa | WINDOW_ENTRY;
	if (((slots[slot] ^ want) & ~(pte_t)PTE_AD) != 0) {
		slots[slot] = want;
		i386_invlpg(va);
	}
	return i386_window(va);
}

/* True when the active directory's alternate slot shows space's directory. */
static bool alt_shows(const struct mmk_mmu_space *space)
{
	pte_t alt = active_pd()[PDI_ALT];
	return (alt & PTE_P) && (alt & PTE_FRAME) == space->root;
}

/* Points the active directory's alternate slot at space's directory. */
static void alt_target(const struct mmk_mmu_space *space)
{
	pte_t *pd = active_pd();
	pte_t old = pd[PDI_ALT];
	if ((old & PTE_P) && (old & PTE_FRAME) == space->root)
		return;
	pd[PDI_ALT] = (pte_t)space->root | WINDOW_ENTRY;
	mmk_pt_cache_drop(space->mmu); /* its window pointers now show another space */
	if (old & PTE_P) { /* every alternate-window page changed meaning */
		i386_write_cr3(i386_read_cr3());
		space->mmu->stats.tlb_full_flushes++;
	}
}

/*
 * Whole-page fill and copy. In the i386 kernel with dword string instructions (one
 * instruction for the page; byte strings are slow under QEMU's TCG, wider ones fast);
 * the host build of this file runs a plain loop.
 */
static void fill_page(void *page)
{
#if defined(__i386__)
	void *d = page;
	uint32_t n = ENTRIES;
	__asm__ volatile("cld; rep stosl" : "+D"(d), "+c"(n) : "a"(0) : "memory");
#else
	for (unsigned i = 0; i < ENTRIES; i++)
		((pte_t *)page)[i] = 0;
#endif
}

static void copy_page(void *to, const void *from)
{
#if defined(__i386__)
	uint32_t n = ENTRIES;
	__asm__ volatile("cld; rep movsl" : "+D"(to), "+S"(from), "+c"(n) : : "memory");
#else
	for (unsigned i = 0; i < ENTRIES; i++)
		((pte_t *)to)[i] = ((const pte_t *)from)[i];
#endif
}

/* A copy's source page, beside frame()'s destination. */
static void *source_frame(struct mmk_mmu *mmu, mmk_paddr_t pa)
{
	(void)mmu;
	return scratch_map(SCRATCH_SOURCE_SLOT, pa);
}

static void *kernel_pointer(mmk_vaddr_t va)
{
	return i386_window((uint32_t)va);
}

/* ------------------------------------------------------------------ entries */

/*
 * SDM Vol 3A tables 4-4 (4 MiB page: PS, the size's kind) and 4-6 (4 KiB page). Without
 * PAE nothing can be made non-executable: every page reports EXEC. 11.12.3: without a
 * PAT of our own PWT/PCD select WB, WT, UC- and UC; WC is mapped UC-.
 */
static const struct mmk_pt_attrs leaf_attrs = {
	.base = PTE_P,
	.always = MMK_PROT_READ | MMK_PROT_EXEC,
	.flag = {{MMK_PROT_WRITE, PTE_RW, 0, 0}, {MMK_PROT_USER, PTE_US, 0, 0},
		 {MMK_PROT_GLOBAL, PTE_G, 0, FEATURE_PGE}},
	.cache = {0, PTE_PWT, PTE_PCD, PTE_PCD | PTE_PWT},
	.cache_mask = PTE_PCD | PTE_PWT,
};

/* SDM Vol 3A table 4-5: tables allow everything, the leaves decide; no user access
 * below a kernel directory entry, ever. */
static mmk_pte_t table_bits(const struct mmk_mmu *mmu, unsigned level, mmk_vaddr_t va)
{
	(void)mmu;
	(void)level;
	return PTE_P | PTE_RW | (va < KERNEL_BASE ? PTE_US : 0);
}

/*
 * The directory at its slot address; a table of the active space or of the kernel half
 * through the recursive window, else through the alternate one (retargeted first).
 * During mmk_mmu_init nothing is active yet and the kernel space is edited from the
 * boot directory through the alternate window.
 */
static void *table(const struct mmk_mmu_space *space, unsigned level, mmk_vaddr_t va,
		   mmk_paddr_t pa)
{
	(void)pa;
	if (level == 1)
		return i386_window((uint32_t)(uintptr_t)space->md.root_va);
	const struct mmk_mmu *mmu = space->mmu;
	uint32_t base = SELF_BASE;
	if (space != mmu->active && !(space->is_kernel && mmu->active)) {
		alt_target(space);
		base = ALT_BASE;
	}
	return i386_window(base + pd_index((uint32_t)va) * 4096u);
}

static void *frame(struct mmk_mmu *mmu, mmk_paddr_t pa)
{
	(void)mmu;
	return scratch_map(SCRATCH_SLOT, pa);
}

/* ------------------------------------------------------------------ spaces, TLB */

/*
 * A new directory, filled through the scratch page: the kernel half copied from the
 * kernel directory (the CPU's accessed bits masked), the slots, an empty alternate
 * slot and the recursive slot; then given a free PD slot (MMK_ENOSPC: none left).
 */
static int root_init(struct mmk_mmu *mmu, struct mmk_mmu_space *space)
{
	pte_t *slots = slot_table();
	unsigned slot = KERNEL_SLOT;
	if (!space->is_kernel) {
		for (slot = KERNEL_SLOT + 1; slot < FIRST_SCRATCH_SLOT && (slots[slot] & PTE_P); slot++)
			;
		if (slot == FIRST_SCRATCH_SLOT)
			return -MMK_ENOSPC;
	}
	const pte_t *kernel_pd = space->is_kernel ? NULL : i386_window(SLOTS_BASE + KERNEL_SLOT * 4096u);
	pte_t *pd = scratch_map(SCRATCH_SLOT, space->root);
	for (unsigned i = 0; i < ENTRIES; i++)
		pd[i] = kernel_pd && i >= PDI_KERNEL ? kernel_pd[i] & ~(pte_t)PTE_AD : 0;
	pd[PDI_SLOTS] = (pte_t)mmu->md.word[SLOTS_WORD] | WINDOW_ENTRY;
	pd[PDI_ALT] = 0;
	pd[PDI_SELF] = (pte_t)space->root | WINDOW_ENTRY;
	slots[slot] = (pte_t)space->root | WINDOW_ENTRY;
	space->md.root_va = (void *)(uintptr_t)(SLOTS_BASE + slot * 4096u);
	return 0;
}

/* The boot directory loses the windows mmk_mmu_init gave it; the slots table goes. */
static void close_boot_windows(struct mmk_mmu *mmu)
{
	pte_t *pd = active_pd();
	pd[PDI_SLOTS] = 0;
	pd[PDI_ALT] = 0;
	pd[PDI_SELF] = 0;
	i386_write_cr3(i386_read_cr3());
	MMK_ASSERT(mmk_pmm_free(mmu->pmm, mmu->md.word[SLOTS_WORD]) == 0);
	mmu->stats.tables_freed++;
}

/*
 * A directory about to be freed: no directory keeps it as its alternate target, and
 * its slot is free. The kernel's only while mmk_mmu_init fails.
 */
static void root_fini(struct mmk_mmu *mmu, struct mmk_mmu_space *space)
{
	if (space->is_kernel) {
		close_boot_windows(mmu);
		space->table_pages--;
		return;
	}
	for (struct mmk_mmu_space *s = mmu->spaces; s; s = s->next) {
		pte_t *pd = i386_window((uint32_t)(uintptr_t)s->md.root_va);
		if ((pd[PDI_ALT] & PTE_P) && (pd[PDI_ALT] & PTE_FRAME) == space->root) {
			pd[PDI_ALT] = 0;
			if (s == mmu->active) { /* its window pages and cached PDE go */
				i386_write_cr3(i386_read_cr3());
				mmu->stats.tlb_full_flushes++;
			}
		}
	}
	uint32_t va = (uint32_t)(uintptr_t)space->md.root_va;
	slot_table()[(va - SLOTS_BASE) >> PT_SHIFT] = 0;
	i386_invlpg(va);
	space->md.root_va = NULL;
}

/*
 * SDM Vol 3A 4.10.4.1: INVLPG drops va's TLB entry and the paging-structure caches, so
 * it also covers a freed table's directory entry. A freed table's pages in the
 * recursive and alternate windows go too. A full flush: CR4.PGE toggled for the kernel
 * half (global entries), a CR3 load for a user space - which also drops the alternate
 * window's pages (never global) of a space edited there.
 */
static void invalidate(struct mmk_mmu_space *s, const struct mmk_mmu_batch_page *pages,
		       unsigned n, bool all)
{
	bool seen = s->is_kernel || s == s->mmu->active; /* the CPU translates with it */
	if (all) {
		if (s->is_kernel)
			i386_flush_tlb_global();
		else if (seen || alt_shows(s)) /* its tables are in that window */
			i386_write_cr3(i386_read_cr3());
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		uint32_t va = (uint32_t)pages[i].va;
		if (seen)
			i386_invlpg(va);
		if (pages[i].table && (seen || alt_shows(s))) /* where its tables show */
			i386_invlpg((seen ? SELF_BASE : ALT_BASE) + pd_index(va) * 4096u);
	}
}

static const struct mmk_pt_format i386_format = {
	.name = "i386 32-bit", .levels = 2,
	.level = {
		{PT_SHIFT, 10, 12, 0, 0, 0, "PTE"},
		{PD_SHIFT, 10, 12, PTE_P | PDE_PS, PTE_P, PTE_FRAME, "PDE"},
	},
	.size_count = 2, .sizes = {
		{PT_SHIFT, 0, 0, 0, PTE_FRAME, 0, &leaf_attrs},
		{PD_SHIFT, 1, PDE_PS, PDE_PS, PDE_LARGE_FRAME, FEATURE_PSE, &leaf_attrs},
	},
	.entry_bytes = 4, .va_bits = 32, .valid = PTE_P, .accessed = PTE_A, .dirty = PTE_D,
	.table_pa_limit = 4 * MMK_GIB, /* 32-bit entries */
	.pa_limit = 4 * MMK_GIB, .user_base = USER_BASE, .user_end = KERNEL_BASE,
	.kernel_base = KERNEL_BASE,
	.kernel_end = SLOTS_BASE, /* PDE 1021-1023 are the backend's windows */
	.shared_kernel_root = true,
	.kernel_pointer = kernel_pointer, .zero_page = fill_page, .copy_page = copy_page,
	.source_frame = source_frame, .leaf_bits = mmk_pt_leaf_bits, .table_bits = table_bits,
	.table = table, .frame = frame, .root_init = root_init, .root_fini = root_fini,
	.invalidate = invalidate,
};

void mmk_mmu_activate(struct mmk_mmu_space *space)
{
	i386_write_cr3((uint32_t)space->root);
	mmk_pt_cache_drop(space->mmu); /* the recursive window shows this space now */
	mmk_pt_activated(space);
}

/* ------------------------------------------------------------------ init */

/*
 * Gives the boot directory (active, reached through the boot's early window) a
 * recursive slot and the PD slots table, zeroed through the recursive window; the new
 * kernel directory is then built from there like any inactive space.
 */
static int open_boot_windows(struct mmk_mmu *mmu, const struct mmk_mmu_boot *boot)
{
	uint32_t boot_root = i386_read_cr3() & PTE_FRAME;
	pte_t *boot_pd = boot->phys_to_virt(boot_root);
	mmk_paddr_t slots;
	int err = mmk_pmm_alloc_below(mmu->pmm, 4 * MMK_GIB, &slots);
	if (err)
		return err;
	boot_pd[PDI_SELF] = boot_root | WINDOW_ENTRY;
	boot_pd[PDI_SLOTS] = (pte_t)slots | WINDOW_ENTRY;
	fill_page(slot_table());
	mmu->md.word[SLOTS_WORD] = slots;
	mmu->stats.tables_allocated++;
	return 0;
}

int mmk_mmu_init(struct mmk_mmu *mmu, struct mmk_pmm *pmm, const struct mmk_mmu_boot *boot)
{
	if (boot->window_limit == 0)
		return -MMK_EINVAL; /* the low-memory window is the kernel's own: say how much */
	uint64_t features = (i386_has_pse() ? FEATURE_PSE : 0) | (i386_has_pge() ? FEATURE_PGE : 0);
	mmk_pt_setup(mmu, &i386_format, pmm, features);
	if (features & FEATURE_PGE)
		i386_enable_pge();
	int err = open_boot_windows(mmu, boot);
	if (err)
		return err;
	struct mmk_mmu_space *k = &mmu->kernel;
	err = mmk_pt_root_create(mmu, k, true);
	if (err) {
		close_boot_windows(mmu);
		return err;
	}
	k->table_pages = 1; /* the slots table, shared by every space */
	/* Low memory the kernel uses directly (image, boot data, PMM metadata), global. */
	err = mmk_mmu_map(k, KERNEL_BASE, 0, mmk_align_up(boot->window_limit, LARGE_PAGE_SIZE),
			  MMK_PROT_READ | MMK_PROT_WRITE | MMK_PROT_EXEC | MMK_PROT_GLOBAL, 0);
	if (!err)
		err = mmk_pt_map_fixed(mmu, boot);
	if (err) {
		mmk_pt_kernel_teardown(mmu); /* root_fini closes the boot windows */
		return err;
	}
	mmk_mmu_activate(k); /* the image lies inside the window: mapped with it */
	return 0;
}
