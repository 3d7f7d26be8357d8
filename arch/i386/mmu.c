/*
 * The i386 MMU backend: 32-bit two-level paging (Intel SDM Vol 3A 4.3) behind
 * include/mmukit/mmu.h. Bit layouts: arch/i386/pte.h.
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
 *              | (+ 2 scratch pages)    |  each has a kernel address (seed 004); the
 *   0xFF800000 +------------------------+  last two are scratch pages
 *              | alternate window       |  PDE 1022 -> another space's PD: its tables
 *              |                        |  at 0xFF800000 + i*4K, its PD at 0xFFBFF000
 *   0xFFC00000 +------------------------+  PDE 1023 -> this PD (recursive slot):
 *              | recursive window       |  table i at 0xFFC00000 + i*4K, the PD itself
 *   0xFFFFF000 | (PD at 0xFFFFF000)     |  at 0xFFFFF000 (seeds 000, 002, 004)
 *              +------------------------+
 *
 * Tables are only ever touched through these windows: a new table becomes reachable
 * the moment its PDE is written, and is zeroed there. A page that is not yet anybody's
 * table (a new page directory, a table about to replace a 4 MiB page) is filled
 * through the scratch page.
 *
 * TLB (SDM Vol 3A 4.10.4): a removed or reduced mapping of the active space, or of the
 * kernel half (visible in every space), is invalidated with INVLPG, or with one full
 * flush when more than flush_threshold pages changed. Window pages whose meaning
 * changes (a freed table, a retargeted alternate slot, the scratch page) are
 * invalidated the same way. Inactive user spaces need nothing: loading CR3 flushes
 * their non-global entries.
 */
#include <mmukit/errno.h>
#include <mmukit/mmu.h>
#include <mmukit/pmm.h>
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
#define SCRATCH_SLOT 1023u        /* new tables, zero and copy destination */
#define SCRATCH_SOURCE_SLOT 1022u /* copy source */
#define FIRST_SCRATCH_SLOT SCRATCH_SOURCE_SLOT
#define FLUSH_THRESHOLD 32u /* pages; see bench/ for where INVLPG stops paying */

#define FEATURE_PSE 1u
#define FEATURE_PGE 2u

#define TABLE_USER (PTE_P | PTE_RW | PTE_US) /* leaves decide the access */
#define TABLE_KERNEL (PTE_P | PTE_RW)        /* no user access below, ever */

/* Where one space's tables are reached from now: the recursive or the alternate window. */
struct view {
	uint32_t base;
};

/* ------------------------------------------------------------------ windows */

static pte_t *window_page(uint32_t va)
{
	return i386_window(va);
}

static pte_t *view_pd(struct view v)
{
	return window_page(v.base + PDI_SELF * 4096u);
}

static pte_t *view_table(struct view v, unsigned pdi)
{
	return window_page(v.base + pdi * 4096u);
}

static pte_t *active_pd(void)
{
	return window_page(SELF_BASE + PDI_SELF * 4096u);
}

static pte_t *slot_table(void)
{
	return window_page(SELF_BASE + PDI_SLOTS * 4096u);
}

static void zero_page(pte_t *page)
{
	for (unsigned i = 0; i < ENTRIES; i++)
		page[i] = 0;
}

static bool same_frame(pte_t a, pte_t b)
{
	return ((a ^ b) & ~(pte_t)PTE_AD) == 0;
}

/* Points the active directory's alternate slot at the directory root. */
static void alt_target(struct mmk_mmu *mmu, uint32_t root)
{
	pte_t *pd = active_pd();
	pte_t want = root | PTE_P | PTE_RW;
	if (same_frame(pd[PDI_ALT], want))
		return;
	bool was_present = pd[PDI_ALT] & PTE_P;
	pd[PDI_ALT] = want;
	if (was_present) {
		/* Every alternate-window page (and the PD's own page view) changed meaning. */
		i386_write_cr3(i386_read_cr3());
		mmu->stats.tlb_full_flushes++;
	}
}

/* Scratch page `slot` shows frame pa; returns it. */
static pte_t *scratch_slot_map(struct mmk_mmu *mmu, unsigned slot, uint32_t pa)
{
	uint32_t va = SLOTS_BASE + slot * 4096u;
	slot_table()[slot] = pa | PTE_P | PTE_RW;
	i386_invlpg(va);
	mmu->stats.tlb_page_invalidations++;
	return window_page(va);
}

static pte_t *scratch_map(struct mmk_mmu *mmu, uint32_t pa)
{
	return scratch_slot_map(mmu, SCRATCH_SLOT, pa);
}

/*
 * Whole-page fill and copy. In the i386 kernel with dword string instructions (one
 * instruction for the page; PLATFORM-NOTES: byte strings are slow under TCG, wider
 * ones fast); the host build of this file runs a plain loop.
 */
static void fill_page(void *page)
{
#if defined(__i386__)
	void *d = page;
	uint32_t n = ENTRIES;
	__asm__ volatile("cld; rep stosl" : "+D"(d), "+c"(n) : "a"(0) : "memory");
#else
	zero_page(page);
#endif
}

static void copy_page(void *dst, const void *src)
{
#if defined(__i386__)
	void *d = dst;
	const void *s = src;
	uint32_t n = ENTRIES;
	__asm__ volatile("cld; rep movsl" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
#else
	pte_t *to = dst;
	const pte_t *from = src;
	for (unsigned i = 0; i < ENTRIES; i++)
		to[i] = from[i];
#endif
}

void mmk_mmu_zero_frame(struct mmk_mmu *mmu, mmk_paddr_t pa)
{
	MMK_ASSERT(pa < 4 * MMK_GIB);
	fill_page(scratch_map(mmu, (uint32_t)pa));
}

void mmk_mmu_copy_frame(struct mmk_mmu *mmu, mmk_paddr_t dst, mmk_paddr_t src)
{
	MMK_ASSERT(dst < 4 * MMK_GIB && src < 4 * MMK_GIB);
	const pte_t *from = scratch_slot_map(mmu, SCRATCH_SOURCE_SLOT, (uint32_t)src);
	copy_page(scratch_map(mmu, (uint32_t)dst), from);
}

/* A space's directory at its own kernel address (its PD slot, seed 004). */
static pte_t *space_pd(const struct mmk_mmu_space *space)
{
	return window_page((uint32_t)(uintptr_t)space->root_va);
}

static struct view view_of(const struct mmk_mmu_space *space)
{
	struct mmk_mmu *mmu = space->mmu;
	if (space == mmu->active || (space->is_kernel && mmu->active != NULL))
		return (struct view){SELF_BASE};
	alt_target(mmu, (uint32_t)space->root);
	return (struct view){ALT_BASE};
}

/* Writes PDE pdi of the viewed space; a kernel PDE goes into every directory. */
static void set_pde(struct mmk_mmu_space *space, struct view v, unsigned pdi, pte_t value)
{
	struct mmk_mmu *mmu = space->mmu;
	if (pdi < PDI_KERNEL || mmu->active == NULL) {
		view_pd(v)[pdi] = value;
		return;
	}
	for (struct mmk_mmu_space *s = mmu->spaces; s; s = s->next)
		space_pd(s)[pdi] = value;
}

/* ------------------------------------------------------------------ flags */

static bool flags_valid(unsigned flags)
{
	return (flags & ~(MMK_PROT_MASK | MMK_CACHE_MASK)) == 0 &&
	       (flags & (MMK_PROT_READ | MMK_PROT_WRITE | MMK_PROT_EXEC)) != 0;
}

/* SDM Vol 3A 11.12.3: without a PAT of our own, PWT/PCD select WB, WT, UC- and UC. */
static pte_t cache_bits(unsigned flags)
{
	switch (flags & MMK_CACHE_MASK) {
	case MMK_CACHE_WT: return PTE_PWT;
	case MMK_CACHE_WC: return PTE_PCD;  /* UC-: no WC without programming the PAT */
	case MMK_CACHE_UC: return PTE_PCD | PTE_PWT;
	default: return 0;
	}
}

static unsigned cache_flags(pte_t e)
{
	switch (e & (PTE_PCD | PTE_PWT)) {
	case PTE_PWT: return MMK_CACHE_WT;
	case PTE_PCD: return MMK_CACHE_WC;
	case PTE_PCD | PTE_PWT: return MMK_CACHE_UC;
	default: return MMK_CACHE_WB;
	}
}

static pte_t leaf_bits(const struct mmk_mmu *mmu, unsigned flags)
{
	pte_t e = PTE_P | cache_bits(flags);
	if (flags & MMK_PROT_WRITE)
		e |= PTE_RW;
	if (flags & MMK_PROT_USER)
		e |= PTE_US;
	if ((flags & MMK_PROT_GLOBAL) && (mmu->features & FEATURE_PGE))
		e |= PTE_G;
	return e;
}

/* i386 without PAE cannot forbid execution: every readable page is executable. */
static unsigned leaf_flags(pte_t e)
{
	unsigned f = MMK_PROT_READ | MMK_PROT_EXEC | cache_flags(e);
	if (e & PTE_RW)
		f |= MMK_PROT_WRITE;
	if (e & PTE_US)
		f |= MMK_PROT_USER;
	if (e & PTE_G)
		f |= MMK_PROT_GLOBAL;
	return f;
}

/* ------------------------------------------------------------------ ranges */

static uint32_t half_start(const struct mmk_mmu_space *s)
{
	return s->is_kernel ? KERNEL_BASE : USER_BASE;
}

static uint32_t half_end(const struct mmk_mmu_space *s)
{
	return s->is_kernel ? SLOTS_BASE : KERNEL_BASE;
}

/* Checks alignment and that [va, va+size) lies in the space's half. */
static int check_range(const struct mmk_mmu_space *s, mmk_vaddr_t va, mmk_vsize_t size)
{
	if (!mmk_is_aligned(va, MMK_PAGE_SIZE) || !mmk_is_aligned(size, MMK_PAGE_SIZE))
		return -MMK_EALIGN;
	if (size == 0)
		return -MMK_EINVAL;
	if (va + size < va || va < half_start(s) || va + size > half_end(s))
		return -MMK_ERANGE;
	return 0;
}

static bool large_fits(uint32_t va, uint64_t pa, uint64_t remaining)
{
	return mmk_is_aligned(va, LARGE_PAGE_SIZE) && mmk_is_aligned(pa, LARGE_PAGE_SIZE) &&
	       remaining >= LARGE_PAGE_SIZE;
}

/* ------------------------------------------------------------------ tables */

/* Allocates a zeroed table and installs it at pdi of the viewed space. */
static int add_table(struct mmk_mmu_space *s, struct view v, unsigned pdi)
{
	mmk_paddr_t pa;
	int err = mmk_pmm_alloc(s->mmu->pmm, &pa);
	if (err)
		return err;
	MMK_ASSERT(pa < 4 * MMK_GIB);
	set_pde(s, v, pdi, (pte_t)pa | (pdi < PDI_KERNEL ? TABLE_USER : TABLE_KERNEL));
	zero_page(view_table(v, pdi));
	s->mmu->stats.tables_allocated++;
	(pdi < PDI_KERNEL ? s : &s->mmu->kernel)->table_pages++;
	return 0;
}

/* Removes the table at pdi and frees it; its window page is invalidated. */
static void remove_table(struct mmk_mmu_space *s, struct view v, unsigned pdi)
{
	pte_t pde = view_pd(v)[pdi];
	set_pde(s, v, pdi, 0);
	i386_invlpg(v.base + pdi * 4096u);
	if (v.base == SELF_BASE || pdi >= PDI_KERNEL)
		i386_invlpg(pdi << PD_SHIFT); /* the directory entry may be cached */
	s->mmu->stats.tlb_page_invalidations++;
	MMK_ASSERT(mmk_pmm_free(s->mmu->pmm, pde & PTE_FRAME) == 0);
	s->mmu->stats.tables_freed++;
	(pdi < PDI_KERNEL ? s : &s->mmu->kernel)->table_pages--;
}

/*
 * True when nothing outside entries [lo, hi] (just cleared) is present. Looks outward
 * from the cleared run, so an unmap next to live entries answers in a step or two.
 */
static bool table_empty_around(const pte_t *t, unsigned lo, unsigned hi)
{
	unsigned up = hi + 1, down = lo;
	while (up < ENTRIES || down > 0) {
		if (up < ENTRIES && (t[up++] & PTE_P))
			return false;
		if (down > 0 && (t[--down] & PTE_P))
			return false;
	}
	return true;
}

/* ------------------------------------------------------------------ TLB */

struct flush {
	uint32_t count;
	bool global;  /* touched the kernel half */
	bool needed;  /* the space is visible to the CPU now */
	uint32_t first;
};

static struct flush flush_begin(const struct mmk_mmu_space *s)
{
	return (struct flush){0, s->is_kernel, s->is_kernel || s == s->mmu->active, 0};
}

static void flush_page(struct mmk_mmu *mmu, struct flush *f, uint32_t va)
{
	if (!f->needed)
		return;
	if (f->count < mmu->flush_threshold)
		i386_invlpg(va);
	f->count++;
}

static void flush_end(struct mmk_mmu *mmu, struct flush *f)
{
	if (!f->needed || f->count == 0)
		return;
	if (f->count <= mmu->flush_threshold) {
		mmu->stats.tlb_page_invalidations += f->count;
		return;
	}
	if (f->global)
		i386_flush_tlb_global();
	else
		i386_write_cr3(i386_read_cr3());
	mmu->stats.tlb_full_flushes++;
}

/* ------------------------------------------------------------------ map */

/* What a map of [va, va+size) needs: new tables, by directory index in [first, last]. */
struct table_plan {
	uint32_t wanted[ENTRIES / 32];
	unsigned count;
	unsigned first, last;
};

static void plan_mark(struct table_plan *p, unsigned pdi)
{
	if (p->count == 0 || pdi < p->first)
		p->first = pdi;
	if (p->count == 0 || pdi > p->last)
		p->last = pdi;
	if (p->wanted[pdi / 32] & (1u << (pdi % 32)))
		return;
	p->wanted[pdi / 32] |= 1u << (pdi % 32);
	p->count++;
}

static bool plan_has(const struct table_plan *p, unsigned pdi)
{
	return p->wanted[pdi / 32] & (1u << (pdi % 32));
}

/* Bytes from va to the end of its table's 4 MiB, or remaining if that is less. */
static uint64_t table_run(uint32_t va, uint64_t remaining)
{
	uint64_t to_end = LARGE_PAGE_SIZE - (va & (LARGE_PAGE_SIZE - 1));
	return remaining < to_end ? remaining : to_end;
}

/* Size of the next piece at va: a 4 MiB page where allowed, else 4 KiB. */
static uint32_t piece_size(const struct mmk_mmu *mmu, pte_t pde, uint32_t va, uint64_t pa,
			   uint64_t remaining, unsigned page_shift)
{
	if (page_shift == PD_SHIFT)
		return LARGE_PAGE_SIZE;
	if (page_shift == 0 && (mmu->features & FEATURE_PSE) && !(pde & PTE_P) &&
	    large_fits(va, pa, remaining))
		return LARGE_PAGE_SIZE;
	return MMK_PAGE_SIZE;
}

/* Checks nothing is mapped in the range and lists the tables a map will need. */
static int plan_map(struct mmk_mmu_space *s, struct view v, uint32_t va, uint64_t pa,
		    uint64_t size, unsigned page_shift, struct table_plan *plan)
{
	const pte_t *pd = view_pd(v);
	uint64_t done = 0;
	while (done < size) {
		uint32_t at = va + (uint32_t)done;
		unsigned pdi = pd_index(at);
		pte_t pde = pd[pdi];
		uint32_t step = piece_size(s->mmu, pde, at, pa + done, size - done, page_shift);
		if (step == LARGE_PAGE_SIZE) {
			if (pde & PTE_P)
				return -MMK_EEXIST;
			done += step;
			continue;
		}
		/* Small pages to the end of this table or of the range. */
		uint64_t run = table_run(at, size - done);
		if (!(pde & PTE_P)) {
			plan_mark(plan, pdi);
		} else if (pde & PDE_PS) {
			return -MMK_EEXIST;
		} else {
			const pte_t *t = view_table(v, pdi);
			for (unsigned i = pt_index(at), n = (unsigned)(run >> PT_SHIFT); n > 0; i++, n--)
				if (t[i] & PTE_P)
					return -MMK_EEXIST;
		}
		done += run;
	}
	return 0;
}

static void undo_tables(struct mmk_mmu_space *s, struct view v, const struct table_plan *plan)
{
	for (unsigned pdi = plan->first; plan->count && pdi <= plan->last; pdi++)
		if (plan_has(plan, pdi) && (view_pd(v)[pdi] & PTE_P))
			remove_table(s, v, pdi);
}

static int check_map_args(const struct mmk_mmu_space *s, mmk_vaddr_t va, mmk_paddr_t pa, mmk_vsize_t size,
			  unsigned flags, unsigned page_shift)
{
	if (!flags_valid(flags))
		return -MMK_EINVAL;
	if (page_shift != 0 && page_shift != 12 &&
	    !(page_shift == PD_SHIFT && (s->mmu->features & FEATURE_PSE)))
		return -MMK_EINVAL;
	int err = check_range(s, va, size);
	if (err)
		return err;
	if (!mmk_is_aligned(pa, MMK_PAGE_SIZE))
		return -MMK_EALIGN;
	if (page_shift == PD_SHIFT &&
	    (!mmk_is_aligned(va, LARGE_PAGE_SIZE) || !mmk_is_aligned(pa, LARGE_PAGE_SIZE) ||
	     !mmk_is_aligned(size, LARGE_PAGE_SIZE)))
		return -MMK_EALIGN;
	if (pa + size < pa || pa + size > 4 * MMK_GIB)
		return -MMK_ERANGE; /* 32-bit paging reaches 4 GiB */
	if (s->is_kernel && (flags & MMK_PROT_USER))
		return -MMK_EPERM;
	return 0;
}

int mmk_mmu_map(struct mmk_mmu_space *s, mmk_vaddr_t va, mmk_paddr_t pa, mmk_vsize_t size, unsigned flags,
	    unsigned page_shift)
{
	int err = check_map_args(s, va, pa, size, flags, page_shift);
	if (err)
		return err;
	struct view v = view_of(s);
	struct table_plan plan = {{0}, 0, 0, 0};
	err = plan_map(s, v, (uint32_t)va, pa, size, page_shift, &plan);
	if (err)
		return err;
	for (unsigned pdi = plan.first; plan.count && pdi <= plan.last; pdi++) {
		if (!plan_has(&plan, pdi))
			continue;
		err = add_table(s, v, pdi);
		if (err) {
			undo_tables(s, v, &plan);
			return err;
		}
	}

	pte_t bits = leaf_bits(s->mmu, flags);
	uint64_t done = 0;
	while (done < size) {
		uint32_t at = (uint32_t)va + (uint32_t)done;
		unsigned pdi = pd_index(at);
		pte_t pde = view_pd(v)[pdi];
		uint32_t step = piece_size(s->mmu, pde, at, pa + done, size - done, page_shift);
		if (step == LARGE_PAGE_SIZE) {
			set_pde(s, v, pdi, (pte_t)(pa + done) | bits | PDE_PS);
			done += step;
			continue;
		}
		/* Within a table every piece is small: fill the run in one go. */
		uint64_t run = table_run(at, size - done);
		pte_t *t = view_table(v, pdi);
		pte_t e = (pte_t)(pa + done) | bits;
		for (unsigned i = pt_index(at), n = (unsigned)(run >> PT_SHIFT); n > 0; i++, n--) {
			t[i] = e;
			e += MMK_PAGE_SIZE;
		}
		done += run;
	}
	return 0;
}

/* ------------------------------------------------------------------ unmap, protect */

/* True when the 4 MiB page at pdi lies only partly inside [va, va+size). */
static bool partly_inside(unsigned pdi, uint32_t va, uint64_t size)
{
	uint64_t start = (uint64_t)pdi << PD_SHIFT, end = start + LARGE_PAGE_SIZE;
	return start < va || end > va + size;
}

/*
 * Checks every page of the range is mapped; counts the 4 MiB pages only partly inside
 * (they must be split first).
 */
static int plan_change(struct view v, uint32_t va, uint64_t size, unsigned *splits)
{
	const pte_t *pd = view_pd(v);
	uint64_t done = 0;
	*splits = 0;
	while (done < size) {
		uint32_t at = va + (uint32_t)done;
		unsigned pdi = pd_index(at);
		pte_t pde = pd[pdi];
		if (!(pde & PTE_P))
			return -MMK_ENOENT;
		if (pde & PDE_PS) {
			if (partly_inside(pdi, va, size))
				(*splits)++;
			uint64_t next = ((uint64_t)pdi + 1) << PD_SHIFT;
			done = next - va;
			continue;
		}
		if (!(view_table(v, pdi)[pt_index(at)] & PTE_P))
			return -MMK_ENOENT;
		done += MMK_PAGE_SIZE;
	}
	return 0;
}

/* Replaces the 4 MiB page at pdi by a table of 1024 equivalent 4 KiB pages in frame. */
static void split_large(struct mmk_mmu_space *s, struct view v, unsigned pdi, mmk_paddr_t frame)
{
	pte_t pde = view_pd(v)[pdi];
	pte_t bits = pde & (PTE_P | PTE_RW | PTE_US | PTE_PWT | PTE_PCD | PTE_G);
	pte_t *t = scratch_map(s->mmu, (uint32_t)frame);
	for (unsigned i = 0; i < ENTRIES; i++)
		t[i] = ((pde & PDE_LARGE_FRAME) + (i << PT_SHIFT)) | bits;
	set_pde(s, v, pdi, (pte_t)frame | (pdi < PDI_KERNEL ? TABLE_USER : TABLE_KERNEL));
	s->mmu->stats.tables_allocated++;
	(pdi < PDI_KERNEL ? s : &s->mmu->kernel)->table_pages++;
	/* Same translations as before: a cached 4 MiB entry is still correct. When the
	 * page is a 4 MiB block from the PMM, its frames become single frames too, so
	 * they can go back one by one; anything else (MMIO) is left, and the kernel's
	 * low-memory window owns nothing. */
	if (!mmk_mmu_in_window(s->mmu, (mmk_vaddr_t)pdi << PD_SHIFT))
		(void)mmk_pmm_split_block(s->mmu->pmm, pde & PDE_LARGE_FRAME, 10);
}

/* Allocates the tables for the partial 4 MiB pages at both ends of the range and splits. */
static int split_ends(struct mmk_mmu_space *s, struct view v, uint32_t va, uint64_t size,
		      unsigned splits)
{
	mmk_paddr_t frames[2];
	unsigned ends[2], n = 0;
	uint32_t last = va + (uint32_t)(size - 1);
	if ((view_pd(v)[pd_index(va)] & PDE_PS) && partly_inside(pd_index(va), va, size))
		ends[n++] = pd_index(va);
	if (pd_index(last) != pd_index(va) && (view_pd(v)[pd_index(last)] & PDE_PS) &&
	    partly_inside(pd_index(last), va, size))
		ends[n++] = pd_index(last);
	MMK_ASSERT(n == splits);
	for (unsigned i = 0; i < n; i++) {
		int err = mmk_pmm_alloc(s->mmu->pmm, &frames[i]);
		if (err) {
			for (unsigned j = 0; j < i; j++)
				MMK_ASSERT(mmk_pmm_free(s->mmu->pmm, frames[j]) == 0);
			return err;
		}
		MMK_ASSERT(frames[i] < 4 * MMK_GIB);
	}
	for (unsigned i = 0; i < n; i++)
		split_large(s, v, ends[i], frames[i]);
	return 0;
}

/* Frees a table of the user half that no longer maps anything besides [lo, hi]. */
static void drop_if_empty(struct mmk_mmu_space *s, struct view v, unsigned pdi, unsigned lo,
			  unsigned hi)
{
	if (pdi < PDI_KERNEL && table_empty_around(view_table(v, pdi), lo, hi))
		remove_table(s, v, pdi);
}

/*
 * What unmap and protect do first: check the range is theirs and wholly mapped, and
 * split the 4 MiB pages at its ends. On error nothing has changed.
 */
static int prepare_change(struct mmk_mmu_space *s, mmk_vaddr_t va, mmk_vsize_t size, struct view *v)
{
	int err = check_range(s, va, size);
	if (err)
		return err;
	*v = view_of(s);
	unsigned splits;
	err = plan_change(*v, (uint32_t)va, size, &splits);
	if (err)
		return err;
	return split_ends(s, *v, (uint32_t)va, size, splits);
}

int mmk_mmu_unmap(struct mmk_mmu_space *s, mmk_vaddr_t va, mmk_vsize_t size, bool free_frames)
{
	struct view v;
	int err = prepare_change(s, va, size, &v);
	if (err)
		return err;

	struct flush f = flush_begin(s);
	uint64_t done = 0;
	while (done < size) {
		uint32_t at = (uint32_t)va + (uint32_t)done;
		unsigned pdi = pd_index(at);
		pte_t pde = view_pd(v)[pdi];
		if (pde & PDE_PS) {
			set_pde(s, v, pdi, 0);
			if (free_frames)
				MMK_ASSERT(mmk_pmm_free_block(s->mmu->pmm, pde & PDE_LARGE_FRAME, 10) == 0);
			flush_page(s->mmu, &f, at);
			done += LARGE_PAGE_SIZE;
			continue;
		}
		uint64_t run = table_run(at, size - done);
		pte_t *t = view_table(v, pdi);
		unsigned lo = pt_index(at), hi = lo + (unsigned)(run >> PT_SHIFT) - 1;
		for (unsigned i = lo; i <= hi; i++, at += MMK_PAGE_SIZE) {
			if (free_frames)
				MMK_ASSERT(mmk_pmm_free(s->mmu->pmm, t[i] & PTE_FRAME) == 0);
			t[i] = 0;
			flush_page(s->mmu, &f, at);
		}
		done += run;
		drop_if_empty(s, v, pdi, lo, hi);
	}
	flush_end(s->mmu, &f);
	return 0;
}

int mmk_mmu_protect(struct mmk_mmu_space *s, mmk_vaddr_t va, mmk_vsize_t size, unsigned flags)
{
	if (!flags_valid(flags))
		return -MMK_EINVAL;
	if (s->is_kernel && (flags & MMK_PROT_USER))
		return -MMK_EPERM;
	struct view v;
	int err = prepare_change(s, va, size, &v);
	if (err)
		return err;

	pte_t bits = leaf_bits(s->mmu, flags);
	struct flush f = flush_begin(s);
	uint64_t done = 0;
	while (done < size) {
		uint32_t at = (uint32_t)va + (uint32_t)done;
		unsigned pdi = pd_index(at);
		pte_t pde = view_pd(v)[pdi];
		if (pde & PDE_PS) {
			set_pde(s, v, pdi, (pde & PDE_LARGE_FRAME) | bits | PDE_PS);
			flush_page(s->mmu, &f, at);
			done += LARGE_PAGE_SIZE;
			continue;
		}
		pte_t *t = view_table(v, pdi);
		unsigned pti = pt_index(at);
		t[pti] = (t[pti] & PTE_FRAME) | bits;
		flush_page(s->mmu, &f, at);
		done += MMK_PAGE_SIZE;
	}
	flush_end(s->mmu, &f);
	return 0;
}

/* ------------------------------------------------------------------ query, walk */

int mmk_mmu_query(const struct mmk_mmu_space *s, mmk_vaddr_t va, struct mmk_mmu_mapping *out)
{
	if (va >= SLOTS_BASE)
		return -MMK_ENOENT; /* the windows are the backend's own */
	struct view v = view_of(s);
	pte_t pde = view_pd(v)[pd_index((uint32_t)va)];
	if (!(pde & PTE_P))
		return -MMK_ENOENT;
	if (pde & PDE_PS) {
		*out = (struct mmk_mmu_mapping){mmk_align_down(va, LARGE_PAGE_SIZE),
					    pde & PDE_LARGE_FRAME, leaf_flags(pde), PD_SHIFT};
		return 0;
	}
	pte_t pte = view_table(v, pd_index((uint32_t)va))[pt_index((uint32_t)va)];
	if (!(pte & PTE_P))
		return -MMK_ENOENT;
	*out = (struct mmk_mmu_mapping){mmk_align_down(va, MMK_PAGE_SIZE), pte & PTE_FRAME,
				    leaf_flags(pte), PT_SHIFT};
	return 0;
}

int mmk_mmu_walk(const struct mmk_mmu_space *s, mmk_vaddr_t start, mmk_vaddr_t end,
	     int (*visit)(void *ctx, const struct mmk_mmu_mapping *m), void *ctx)
{
	if (end > SLOTS_BASE)
		end = SLOTS_BASE;
	for (uint64_t at = mmk_align_down(start, MMK_PAGE_SIZE); at < end;) {
		struct view v = view_of(s); /* visit may not edit, but stay safe across calls */
		unsigned pdi = pd_index((uint32_t)at);
		pte_t pde = view_pd(v)[pdi];
		if (!(pde & PTE_P)) {
			at = ((uint64_t)pdi + 1) << PD_SHIFT;
			continue;
		}
		struct mmk_mmu_mapping m;
		if (pde & PDE_PS) {
			m = (struct mmk_mmu_mapping){(mmk_vaddr_t)pdi << PD_SHIFT, pde & PDE_LARGE_FRAME,
						 leaf_flags(pde), PD_SHIFT};
			at = ((uint64_t)pdi + 1) << PD_SHIFT;
		} else {
			pte_t pte = view_table(v, pdi)[pt_index((uint32_t)at)];
			m = (struct mmk_mmu_mapping){(mmk_vaddr_t)at, pte & PTE_FRAME, leaf_flags(pte), PT_SHIFT};
			at += MMK_PAGE_SIZE;
			if (!(pte & PTE_P))
				continue;
		}
		int r = visit(ctx, &m);
		if (r)
			return r;
	}
	return 0;
}

static void print_entry(const char *level, unsigned index, pte_t e)
{
	mmk_printf("  %s[%4u] = 0x%08x %s%s%s%s%s%s\n", level, index, (unsigned)e,
		   e & PTE_P ? "P" : "not-present", e & PTE_P && e & PTE_RW ? " RW" : "",
		   e & PTE_P && e & PTE_US ? " US" : "", e & PTE_P && e & PDE_PS ? " PS" : "",
		   e & PTE_P && e & PTE_G ? " G" : "",
		   e & PTE_P && e & PTE_PCD ? " PCD" : "");
}

void mmk_mmu_print_walk(const struct mmk_mmu_space *s, mmk_vaddr_t va)
{
	struct view v = view_of(s);
	unsigned pdi = pd_index((uint32_t)va);
	pte_t pde = view_pd(v)[pdi];
	mmk_printf("walk of 0x%08lx (directory 0x%08llx):\n", (unsigned long)va,
		   (unsigned long long)s->root);
	print_entry("PDE", pdi, pde);
	if (!(pde & PTE_P) || (pde & PDE_PS))
		return;
	print_entry("PTE", pt_index((uint32_t)va), view_table(v, pdi)[pt_index((uint32_t)va)]);
}

void *mmk_mmu_kernel_pointer(struct mmk_mmu *mmu, mmk_vaddr_t va)
{
	(void)mmu;
	return i386_window((uint32_t)va);
}

/* ------------------------------------------------------------------ spaces */

static unsigned slot_of(const struct mmk_mmu_space *s)
{
	return (unsigned)(((uintptr_t)s->root_va - SLOTS_BASE) >> PT_SHIFT);
}

/* The lowest PD slot no space uses, or FIRST_SCRATCH_SLOT when all are taken. */
static unsigned free_slot(const struct mmk_mmu *mmu)
{
	for (unsigned slot = 0; slot < FIRST_SCRATCH_SLOT; slot++) {
		bool used = false;
		for (const struct mmk_mmu_space *s = mmu->spaces; s && !used; s = s->next)
			used = s->root_va && slot_of(s) == slot;
		if (!used)
			return slot;
	}
	return FIRST_SCRATCH_SLOT;
}

int mmk_mmu_space_create(struct mmk_mmu *mmu, struct mmk_mmu_space *space)
{
	unsigned slot = free_slot(mmu);
	if (slot == FIRST_SCRATCH_SLOT)
		return -MMK_ENOSPC;
	mmk_paddr_t pa;
	int err = mmk_pmm_alloc(mmu->pmm, &pa);
	if (err)
		return err;
	MMK_ASSERT(pa < 4 * MMK_GIB);

	pte_t *pd = scratch_map(mmu, (uint32_t)pa);
	const pte_t *kernel_pd = active_pd(); /* every kernel half is the same */
	for (unsigned i = 0; i < ENTRIES; i++)
		pd[i] = i >= PDI_KERNEL && i <= PDI_SLOTS ? kernel_pd[i] & ~(pte_t)PTE_AD : 0;
	pd[PDI_SELF] = (pte_t)pa | PTE_P | PTE_RW;

	slot_table()[slot] = (pte_t)pa | PTE_P | PTE_RW;
	*space = (struct mmk_mmu_space){.mmu = mmu, .root = pa,
				    .root_va = (void *)(uintptr_t)(SLOTS_BASE + slot * 4096u)};
	mmk_mmu_space_list_add(mmu, space);
	return 0;
}

/* Clears alternate slots still pointing at the directory root. */
static void forget_alt_target(struct mmk_mmu *mmu, mmk_paddr_t root)
{
	for (struct mmk_mmu_space *s = mmu->spaces; s; s = s->next) {
		pte_t *pd = space_pd(s);
		if ((pd[PDI_ALT] & PTE_P) && (pd[PDI_ALT] & PTE_FRAME) == root) {
			pd[PDI_ALT] = 0;
			if (s == mmu->active) {
				i386_write_cr3(i386_read_cr3());
				mmu->stats.tlb_full_flushes++;
			}
		}
	}
}

int mmk_mmu_space_destroy(struct mmk_mmu_space *space, bool free_frames)
{
	struct mmk_mmu *mmu = space->mmu;
	if (space->is_kernel)
		return -MMK_EINVAL;
	if (space == mmu->active)
		return -MMK_EBUSY;
	struct view v = view_of(space);
	pte_t *pd = view_pd(v);
	for (unsigned pdi = 0; pdi < PDI_KERNEL; pdi++) {
		pte_t pde = pd[pdi];
		if (!(pde & PTE_P))
			continue;
		if (pde & PDE_PS) {
			if (free_frames)
				MMK_ASSERT(mmk_pmm_free_block(mmu->pmm, pde & PDE_LARGE_FRAME, 10) == 0);
			pd[pdi] = 0;
			continue;
		}
		pte_t *t = view_table(v, pdi);
		for (unsigned pti = 0; free_frames && pti < ENTRIES; pti++)
			if (t[pti] & PTE_P)
				MMK_ASSERT(mmk_pmm_free(mmu->pmm, t[pti] & PTE_FRAME) == 0);
		remove_table(space, v, pdi);
	}
	MMK_ASSERT(space->table_pages == 0);
	forget_alt_target(mmu, space->root);
	slot_table()[slot_of(space)] = 0;
	i386_invlpg((uint32_t)(uintptr_t)space->root_va);
	mmu->stats.tlb_page_invalidations++;
	MMK_ASSERT(mmk_pmm_free(mmu->pmm, space->root) == 0);
	mmk_mmu_space_list_remove(mmu, space);
	space->root_va = NULL;
	return 0;
}

void mmk_mmu_activate(struct mmk_mmu_space *space)
{
	i386_write_cr3((uint32_t)space->root);
	space->mmu->active = space;
	space->mmu->stats.space_switches++;
}

/* ------------------------------------------------------------------ init */

unsigned mmk_mmu_page_shifts(const struct mmk_mmu *mmu)
{
	return mmu->page_shifts;
}

mmk_vaddr_t mmk_mmu_user_base(void)
{
	return USER_BASE;
}

mmk_vaddr_t mmk_mmu_user_end(void)
{
	return KERNEL_BASE;
}

mmk_vaddr_t mmk_mmu_kernel_base(void)
{
	return KERNEL_BASE;
}

/*
 * Builds the kernel directory while the boot's is active: the boot directory gets a
 * recursive slot, its alternate slot shows the new directory as a page (0xFFFFE000)
 * to zero it, and from then on the new directory is edited through the alternate
 * window like any inactive space.
 */
static int new_kernel_directory(struct mmk_mmu *mmu, const struct mmk_mmu_boot *boot, mmk_paddr_t *pd_pa)
{
	uint32_t boot_root = i386_read_cr3() & PTE_FRAME;
	pte_t *boot_pd = boot->phys_to_virt(boot_root);
	boot_pd[PDI_SELF] = boot_root | PTE_P | PTE_RW;

	int err = mmk_pmm_alloc(mmu->pmm, pd_pa);
	if (err)
		return err;
	MMK_ASSERT(*pd_pa < 4 * MMK_GIB);
	boot_pd[PDI_ALT] = (pte_t)*pd_pa | PTE_P | PTE_RW;
	pte_t *pd = window_page(SELF_BASE + PDI_ALT * 4096u);
	zero_page(pd);
	pd[PDI_SELF] = (pte_t)*pd_pa | PTE_P | PTE_RW;
	return 0;
}

static void boot_alt_clear(const struct mmk_mmu_boot *boot)
{
	uint32_t boot_root = i386_read_cr3() & PTE_FRAME;
	pte_t *boot_pd = boot->phys_to_virt(boot_root);
	boot_pd[PDI_ALT] = 0;
	i386_write_cr3(boot_root);
}

int mmk_mmu_init(struct mmk_mmu *mmu, struct mmk_pmm *pmm, const struct mmk_mmu_boot *boot)
{
	*mmu = (struct mmk_mmu){.pmm = pmm, .flush_threshold = FLUSH_THRESHOLD};
	mmu->page_shifts = 1u << PT_SHIFT;
	if (i386_has_pse()) {
		mmu->features |= FEATURE_PSE;
		mmu->page_shifts |= 1u << PD_SHIFT;
	}
	if (i386_has_pge()) {
		mmu->features |= FEATURE_PGE;
		i386_enable_pge();
	}
	struct mmk_mmu_space *k = &mmu->kernel;
	mmk_paddr_t pd_pa;
	int err = new_kernel_directory(mmu, boot, &pd_pa);
	if (err)
		return err;
	*k = (struct mmk_mmu_space){.mmu = mmu, .root = pd_pa, .is_kernel = true,
				.root_va = (void *)(uintptr_t)SLOTS_BASE};
	mmk_mmu_space_list_add(mmu, k);

	/* The PD slots table, shared by every space; slot 0 is the kernel directory. */
	struct view v = view_of(k);
	err = add_table(k, v, PDI_SLOTS);
	if (!err) {
		view_table(v, PDI_SLOTS)[0] = (pte_t)pd_pa | PTE_P | PTE_RW;
		/* Low memory the kernel uses directly: image, boot data, PMM metadata. */
		uint64_t limit = mmk_align_up(boot->window_limit, LARGE_PAGE_SIZE);
		mmu->window_start = KERNEL_BASE;
		mmu->window_end = KERNEL_BASE + limit;
		err = mmk_mmu_map(k, KERNEL_BASE, 0, limit,
			      MMK_PROT_READ | MMK_PROT_WRITE | MMK_PROT_EXEC | MMK_PROT_GLOBAL, 0);
		if (!err)
			err = mmk_mmu_boot_map_fixed(mmu, boot);
	}
	if (err) {
		for (unsigned pdi = PDI_KERNEL; pdi < PDI_ALT; pdi++)
			if ((view_pd(v)[pdi] & PTE_P) && !(view_pd(v)[pdi] & PDE_PS))
				remove_table(k, v, pdi);
		boot_alt_clear(boot);
		MMK_ASSERT(mmk_pmm_free(pmm, pd_pa) == 0);
		return err;
	}
	(void)boot->kernel_pa; /* the image lies inside the window */
	mmk_mmu_activate(k);
	return 0;
}
