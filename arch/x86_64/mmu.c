/*
 * The x86_64 MMU backend: 4-level paging (Intel SDM Vol 3A 4.5) behind
 * include/mmukit/mmu.h. Bit layouts: arch/x86_64/pte.h.
 *
 *   0x0000000000000000  never mapped (NULL)
 *   0x0000000000001000  user space                   PML4 0..255: this space's own
 *   0x00007FFFFFFFFFFF
 *   0xFFFF800000000000  HHDM: all usable RAM, 1 GiB   PML4 256..511: the kernel's,
 *                       pages where CPUID has them,   shared by every space (a new
 *                       else 2 MiB (seed 001)         kernel PML4 entry is written
 *   ...                 kernel window (heap, MMIO)    into every PML4)
 *   0xFFFFFF8000000000  top 512 GiB: the kernel; its image at 0xFFFFFFFF80000000
 *
 * Tables are reached through the HHDM, so a space that is not active is edited like
 * the active one. Every call counts the table pages it may need, takes them from the
 * PMM first (Haiku's "reserve before you map"), and only then changes anything: an
 * error leaves everything as it was. Large pages (2 MiB, 1 GiB) where alignment
 * allows; a partial unmap or protect splits them, taking the tables from that reserve.
 * TLB: as the i386 backend (INVLPG per page, a full flush past flush_threshold). With
 * PCIDs (CPUID, CR4.PCIDE) every user space gets one from the ASID allocator when it is
 * activated, and CR3 is loaded with the no-flush bit; a space edited while inactive is
 * marked and its PCID's entries are dropped by that load instead (a CR3 load without
 * bit 63, SDM Vol 3A 4.10.4.1), or at once with INVPCID where the CPU has it. Kernel-half leaves are then always
 * global, so INVLPG drops them under every PCID; a generation roll-over of the
 * allocator flushes everything (toggling CR4.PGE).
 */
#include <mmukit/errno.h>
#include <mmukit/mmu.h>
#include <mmukit/pmm.h>
#include <mmukit/services.h>

#include "cpu.h"
#include "pte.h"

#define USER_BASE 0x1000ull
#define USER_END 0x0000800000000000ull
#define KERNEL_BASE 0xFFFF800000000000ull
#define KERNEL_END 0xFFFFFFFFFFFFF000ull /* the last page stays unmapped */
#define HHDM_BASE KERNEL_BASE
#define PML4_KERNEL 256u
#define FLUSH_THRESHOLD 32u

#define FEATURE_1G 1u
#define FEATURE_NX 2u
#define FEATURE_PGE 4u
#define FEATURE_PCID 8u
#define FEATURE_INVPCID 16u
#define PCID_BITS 12

/* ------------------------------------------------------------ tables */

static pte_t *table_of(mmk_paddr_t pa)
{
	return x86_64_phys(pa);
}

static bool is_user(uint64_t va)
{
	return va < USER_END;
}

static pte_t table_bits(uint64_t va)
{
	return PTE_P | PTE_RW | (is_user(va) ? PTE_US : 0);
}

static bool is_leaf(pte_t e, unsigned level)
{
	return level == 0 || (e & PTE_PS);
}

static uint64_t level_size(unsigned level)
{
	return 1ull << level_shift(level);
}

/* Writes a PML4 entry; a kernel one goes into every space's PML4. */
static void set_pml4(struct mmk_mmu_space *s, unsigned index, pte_t value)
{
	if (index < PML4_KERNEL || s->mmu->active == NULL) {
		table_of(s->root)[index] = value;
		if (index < PML4_KERNEL)
			return;
	}
	for (struct mmk_mmu_space *t = s->mmu->spaces; t; t = t->next)
		table_of(t->root)[index] = value;
}

/*
 * The entry for va at level, or NULL when a table on the way is missing. *above_leaf
 * is set when a large page sits above level (its entry is returned instead, with
 * *level_found telling where).
 */
static pte_t *lookup(const struct mmk_mmu_space *s, uint64_t va, unsigned level, unsigned *level_found)
{
	mmk_paddr_t t = s->root;
	for (unsigned l = LEVELS - 1;; l--) {
		pte_t *e = &table_of(t)[level_index(va, l)];
		if (l == level || !(*e & PTE_P) || (*e & PTE_PS)) {
			*level_found = l;
			return l == level || (*e & PTE_P) ? e : NULL;
		}
		t = *e & PTE_FRAME;
	}
}

/* The leaf mapping va, and its level; NULL when nothing maps it. */
static pte_t *leaf_of(const struct mmk_mmu_space *s, uint64_t va, unsigned *level)
{
	pte_t *e = lookup(s, va, 0, level);
	if (!e || !(*e & PTE_P) || !is_leaf(*e, *level))
		return NULL;
	return e;
}

/* ------------------------------------------------------------ the reserve */

/* Table pages taken before a change, kept as a list threaded through the pages. */
struct reserve {
	mmk_paddr_t head;
	unsigned count;
};

static void reserve_release(struct mmk_mmu *mmu, struct reserve *r)
{
	while (r->count > 0) {
		mmk_paddr_t pa = r->head;
		r->head = *(uint64_t *)x86_64_phys(pa);
		r->count--;
		MMK_ASSERT(mmk_pmm_free(mmu->pmm, pa) == 0);
	}
}

/* A page for a table: below mmu->table_limit while mmk_mmu_init runs on the boot window. */
static int alloc_table_frame(struct mmk_mmu *mmu, mmk_paddr_t *pa)
{
	if (mmu->table_limit)
		return mmk_pmm_alloc_below(mmu->pmm, mmu->table_limit, pa);
	return mmk_pmm_alloc(mmu->pmm, pa);
}

static int reserve_take(struct mmk_mmu *mmu, struct reserve *r, unsigned n)
{
	*r = (struct reserve){0, 0};
	for (unsigned i = 0; i < n; i++) {
		mmk_paddr_t pa;
		int err = alloc_table_frame(mmu, &pa);
		if (err) {
			reserve_release(mmu, r);
			return err;
		}
		*(uint64_t *)x86_64_phys(pa) = r->head;
		r->head = pa;
		r->count++;
	}
	return 0;
}

/* A zeroed table page from the reserve. */
static mmk_paddr_t reserve_use(struct mmk_mmu *mmu, struct reserve *r)
{
	MMK_ASSERT(r->count > 0);
	mmk_paddr_t pa = r->head;
	pte_t *t = table_of(pa);
	r->head = t[0];
	r->count--;
	for (unsigned i = 0; i < ENTRIES; i++)
		t[i] = 0;
	mmu->stats.tables_allocated++;
	return pa;
}

/* ------------------------------------------------------------ flags */

static bool flags_valid(unsigned flags)
{
	return (flags & ~(MMK_PROT_MASK | MMK_CACHE_MASK)) == 0 &&
	       (flags & (MMK_PROT_READ | MMK_PROT_WRITE | MMK_PROT_EXEC)) != 0;
}

/* SDM Vol 3A 11.12.3: with the power-on PAT, PWT/PCD select WB, WT, UC- and UC. */
static pte_t cache_bits(unsigned flags)
{
	switch (flags & MMK_CACHE_MASK) {
	case MMK_CACHE_WT: return PTE_PWT;
	case MMK_CACHE_WC: return PTE_PCD; /* UC-: no WC without programming the PAT */
	case MMK_CACHE_UC: return PTE_PCD | PTE_PWT;
	default: return 0;
	}
}

static pte_t leaf_bits(const struct mmk_mmu *mmu, unsigned flags, unsigned level, bool kernel)
{
	pte_t e = PTE_P | cache_bits(flags);
	if (kernel && (mmu->features & FEATURE_PCID))
		flags |= MMK_PROT_GLOBAL; /* reached by INVLPG under every PCID */
	if (flags & MMK_PROT_WRITE)
		e |= PTE_RW;
	if (flags & MMK_PROT_USER)
		e |= PTE_US;
	if ((flags & MMK_PROT_GLOBAL) && (mmu->features & FEATURE_PGE))
		e |= PTE_G;
	if (!(flags & MMK_PROT_EXEC) && (mmu->features & FEATURE_NX))
		e |= PTE_NX;
	if (level > 0)
		e |= PTE_PS;
	return e;
}

static unsigned leaf_flags(const struct mmk_mmu *mmu, pte_t e)
{
	unsigned f = MMK_PROT_READ;
	if (e & PTE_RW)
		f |= MMK_PROT_WRITE;
	if (e & PTE_US)
		f |= MMK_PROT_USER;
	if (e & PTE_G)
		f |= MMK_PROT_GLOBAL;
	if (!(e & PTE_NX) || !(mmu->features & FEATURE_NX))
		f |= MMK_PROT_EXEC;
	switch (e & (PTE_PCD | PTE_PWT)) {
	case PTE_PWT: f |= MMK_CACHE_WT; break;
	case PTE_PCD: f |= MMK_CACHE_WC; break;
	case PTE_PCD | PTE_PWT: f |= MMK_CACHE_UC; break;
	default: break;
	}
	return f;
}

/* ------------------------------------------------------------ ranges, TLB */

static int check_range(const struct mmk_mmu_space *s, mmk_vaddr_t va, mmk_vsize_t size)
{
	if (!mmk_is_aligned(va, MMK_PAGE_SIZE) || !mmk_is_aligned(size, MMK_PAGE_SIZE))
		return -MMK_EALIGN;
	if (size == 0)
		return -MMK_EINVAL;
	uint64_t lo = s->is_kernel ? KERNEL_BASE : USER_BASE;
	uint64_t hi = s->is_kernel ? KERNEL_END : USER_END;
	if (va + size < va || va < lo || va + size > hi)
		return -MMK_ERANGE;
	return 0;
}

struct flush {
	uint64_t count;
	bool global, needed;
	struct mmk_mmu_space *tagged; /* an inactive space whose PCID may hold entries */
};

static struct flush flush_begin(struct mmk_mmu_space *s)
{
	bool visible = s->is_kernel || s == s->mmu->active;
	struct mmk_mmu_space *tagged = !visible && (s->mmu->features & FEATURE_PCID) ? s : NULL;
	return (struct flush){0, s->is_kernel, visible, tagged};
}

static void flush_page(struct mmk_mmu *mmu, struct flush *f, uint64_t va)
{
	if (!f->needed) {
		f->count += f->tagged != NULL; /* counted, for drop_tagged */
		return;
	}
	if (f->count < mmu->flush_threshold)
		x86_64_invlpg(va);
	f->count++;
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

static void flush_end(struct mmk_mmu *mmu, struct flush *f)
{
	if (f->tagged && f->count > 0)
		drop_tagged(mmu, f->tagged);
	if (!f->needed || f->count == 0)
		return;
	if (f->count <= mmu->flush_threshold) {
		mmu->stats.tlb_page_invalidations += f->count;
		return;
	}
	if (f->global)
		x86_64_flush_tlb_global();
	else
		x86_64_write_cr3(x86_64_read_cr3());
	mmu->stats.tlb_full_flushes++;
}

/* ------------------------------------------------------------ map */

/* Bytes of 4 KiB pages from va to the end of its page table (2 MiB), or remaining. */
static uint64_t small_run(uint64_t va, uint64_t remaining)
{
	uint64_t to_end = level_size(1) - (va & (level_size(1) - 1));
	return remaining < to_end ? remaining : to_end;
}

/* The largest level whose page fits at va (alignment, size, nothing in the way). */
static unsigned piece_level(const struct mmk_mmu_space *s, uint64_t va, uint64_t pa,
			    uint64_t remaining, unsigned page_shift)
{
	if (page_shift)
		return (page_shift - 12) / 9;
	unsigned top = (s->mmu->features & FEATURE_1G) ? 2 : 1;
	for (unsigned level = top; level > 0; level--) {
		uint64_t size = level_size(level);
		if (!mmk_is_aligned(va, size) || !mmk_is_aligned(pa, size) || remaining < size)
			continue;
		unsigned found;
		pte_t *e = lookup(s, va, level, &found);
		if (!e || (found == level && !(*e & PTE_P)))
			return level; /* nothing there yet */
	}
	return 0;
}

/*
 * Checks nothing is mapped where the map goes and counts the tables it will create.
 * Pieces come in address order, so a missing table shared by several pieces is met by
 * consecutive ones: last[] remembers the last one counted per level.
 */
static int plan_map(const struct mmk_mmu_space *s, uint64_t va, uint64_t pa, uint64_t size,
		    unsigned page_shift, unsigned *tables)
{
	uint64_t last[LEVELS];
	for (unsigned l = 0; l < LEVELS; l++)
		last[l] = UINT64_MAX;
	*tables = 0;
	for (uint64_t done = 0; done < size;) {
		uint64_t at = va + done;
		unsigned level = piece_level(s, at, pa + done, size - done, page_shift);
		/* 4 KiB pieces run to the next 2 MiB boundary: one page table. */
		uint64_t step = level ? level_size(level) : small_run(at, size - done);
		unsigned found;
		pte_t *e = lookup(s, at, level, &found);
		if (e && found != level)
			return -MMK_EEXIST; /* a large page above the slot */
		if (e) {
			for (uint64_t off = 0; off < step; off += level_size(level))
				if (e[off >> level_shift(level)] & PTE_P)
					return -MMK_EEXIST;
		} else { /* tables missing from level found - 1 down to level */
			for (unsigned l = level; l < found; l++) {
				uint64_t key = at >> level_shift(l + 1);
				if (key != last[l]) {
					last[l] = key;
					(*tables)++;
				}
			}
		}
		done += step;
	}
	return 0;
}

/* The entry for va at level, creating tables on the way from the reserve. */
static pte_t *ensure(struct mmk_mmu_space *s, uint64_t va, unsigned level, struct reserve *r)
{
	mmk_paddr_t t = s->root;
	for (unsigned l = LEVELS - 1; l > level; l--) {
		pte_t *e = &table_of(t)[level_index(va, l)];
		if (!(*e & PTE_P)) {
			mmk_paddr_t fresh = reserve_use(s->mmu, r);
			pte_t value = fresh | table_bits(va);
			if (l == LEVELS - 1)
				set_pml4(s, level_index(va, l), value);
			else
				*e = value;
			(is_user(va) ? s : &s->mmu->kernel)->table_pages++;
		}
		MMK_ASSERT(!(*e & PTE_PS));
		t = *e & PTE_FRAME;
	}
	return &table_of(t)[level_index(va, level)];
}

static int check_map_args(const struct mmk_mmu_space *s, mmk_vaddr_t va, mmk_paddr_t pa, mmk_vsize_t size,
			  unsigned flags, unsigned page_shift)
{
	if (!flags_valid(flags))
		return -MMK_EINVAL;
	if (page_shift != 0 && page_shift != 12 && page_shift != 21 &&
	    !(page_shift == 30 && (s->mmu->features & FEATURE_1G)))
		return -MMK_EINVAL;
	int err = check_range(s, va, size);
	if (err)
		return err;
	uint64_t align = page_shift ? 1ull << page_shift : MMK_PAGE_SIZE;
	if (!mmk_is_aligned(pa, align) || !mmk_is_aligned(va, align) || !mmk_is_aligned(size, align))
		return -MMK_EALIGN;
	if (pa + size < pa || pa + size > (1ull << 52))
		return -MMK_ERANGE;
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
	unsigned tables;
	err = plan_map(s, va, pa, size, page_shift, &tables);
	if (err)
		return err;
	struct reserve r;
	err = reserve_take(s->mmu, &r, tables);
	if (err)
		return err;
	for (uint64_t done = 0; done < size;) {
		uint64_t at = va + done;
		unsigned level = piece_level(s, at, pa + done, size - done, page_shift);
		uint64_t step = level ? level_size(level) : small_run(at, size - done);
		pte_t *e = ensure(s, at, level, &r);
		pte_t value = (pa + done) | leaf_bits(s->mmu, flags, level, s->is_kernel);
		if (level > 0)
			*e = value; /* one large page */
		else
			for (uint64_t off = 0; off < step; off += MMK_PAGE_SIZE)
				*e++ = value + off; /* a run within one page table */
		done += step;
	}
	MMK_ASSERT(r.count == 0);
	return 0;
}

/* ------------------------------------------------------------ unmap, protect */

/* Checks every page of the range is mapped. */
static int check_mapped(const struct mmk_mmu_space *s, uint64_t va, uint64_t size)
{
	for (uint64_t at = va; at < va + size;) {
		unsigned level;
		pte_t *e = leaf_of(s, at, &level);
		if (!e)
			return -MMK_ENOENT;
		at = mmk_align_down(at, level_size(level)) + level_size(level);
	}
	return 0;
}

/*
 * What unmap and protect do first: check the range is theirs and wholly mapped, and
 * reserve the tables that splitting its two ends needs. On error nothing changed.
 */
static unsigned splits_at(const struct mmk_mmu_space *s, uint64_t b);

static int prepare_change(struct mmk_mmu_space *s, uint64_t va, uint64_t size, struct reserve *r)
{
	int err = check_range(s, va, size);
	if (!err)
		err = check_mapped(s, va, size);
	if (err)
		return err;
	unsigned tables = splits_at(s, va) + (va + size < KERNEL_END ? splits_at(s, va + size) : 0);
	return reserve_take(s->mmu, r, tables);
}

static unsigned block_order(unsigned level)
{
	return 9 * level;
}

/*
 * Drops the PMM reference of a leaf's frames: as one block when it is one of that
 * size, else frame by frame (a large block split earlier, see split()).
 */
static void free_leaf_frames(struct mmk_mmu *mmu, mmk_paddr_t pa, unsigned level)
{
	int err = mmk_pmm_free_block(mmu->pmm, pa, block_order(level));
	if (err != -MMK_EINVAL || level == 0) {
		MMK_ASSERT(err == 0);
		return;
	}
	for (uint64_t off = 0; off < level_size(level); off += MMK_PAGE_SIZE)
		MMK_ASSERT(mmk_pmm_free(mmu->pmm, pa + off) == 0);
}

/* Replaces the large leaf e at level by a table of the next size down, same rights. */
static void split(struct mmk_mmu_space *s, uint64_t va, pte_t *e, unsigned level, struct reserve *r)
{
	pte_t old = *e;
	mmk_paddr_t fresh = reserve_use(s->mmu, r);
	pte_t *t = table_of(fresh);
	pte_t keep = old & ~(PTE_FRAME | PTE_AD | PTE_PS);
	for (unsigned i = 0; i < ENTRIES; i++)
		t[i] = ((old & PTE_FRAME) + i * level_size(level - 1)) | keep |
		       (level - 1 > 0 ? PTE_PS : 0);
	*e = fresh | table_bits(va);
	(is_user(va) ? s : &s->mmu->kernel)->table_pages++;
	/* Frames of a PMM block become single frames, so they can go back one by one
	 * (a block that is not one, MMIO, is left alone; the HHDM owns nothing). */
	if (!mmk_mmu_in_window(s->mmu, va))
		(void)mmk_pmm_split_block(s->mmu->pmm, old & PTE_FRAME, block_order(level));
	/* Same translations as before: a cached large entry is still right. */
}

/*
 * Tables needed to cut the mappings at boundary b: the large leaf around b splits into
 * the next size down, and again while b is not aligned to that size.
 */
static unsigned splits_at(const struct mmk_mmu_space *s, uint64_t b)
{
	unsigned level, n = 0;
	if (!leaf_of(s, b, &level))
		return 0;
	for (; level > 0 && !mmk_is_aligned(b, level_size(level)); level--)
		n++;
	return n;
}

/*
 * The leaf at va, split until it lies inside [lo, hi), with tables from the reserve
 * (splits_at counted them for both ends of the range).
 */
static pte_t *leaf_inside(struct mmk_mmu_space *s, uint64_t va, uint64_t lo, uint64_t hi,
			  unsigned *level, struct reserve *r)
{
	for (;;) {
		pte_t *e = leaf_of(s, va, level);
		MMK_ASSERT(e != NULL);
		uint64_t start = mmk_align_down(va, level_size(*level));
		if (start >= lo && start + level_size(*level) <= hi)
			return e;
		split(s, va, e, *level, r);
	}
}

/*
 * True when table t (at level, covering from base) has nothing present outside the
 * entries [lo, hi) just cleared. Looks outward from them, so an unmap next to live
 * entries answers in a step or two (as the i386 backend does).
 */
static bool table_empty_around(const pte_t *t, unsigned level, uint64_t base, uint64_t lo,
			       uint64_t hi)
{
	uint64_t end = base + level_size(level + 1) - 1;
	unsigned first = lo > base ? level_index(lo, level) : 0;
	unsigned last = hi - 1 < end ? level_index(hi - 1, level) : ENTRIES - 1;
	for (unsigned i = first; i <= last; i++) /* tables inside the range may still map */
		if (t[i] & PTE_P)
			return false;
	unsigned up = last + 1, down = first;
	while (up < ENTRIES || down > 0) {
		if (up < ENTRIES && (t[up++] & PTE_P))
			return false;
		if (down > 0 && (t[--down] & PTE_P))
			return false;
	}
	return true;
}

/* Frees the user tables under table t (at level, covering from base) emptied in [lo, hi). */
static void prune(struct mmk_mmu_space *s, mmk_paddr_t t, unsigned level, uint64_t base, uint64_t lo,
		  uint64_t hi, struct flush *f)
{
	if (level == 0)
		return;
	/* Only the entries [lo, hi) touches. */
	unsigned first = lo > base ? level_index(lo, level) : 0;
	unsigned last = hi - 1 < base + level_size(level + 1) - 1 ? level_index(hi - 1, level)
								   : ENTRIES - 1;
	for (unsigned i = first; i <= last; i++) {
		uint64_t start = base + i * level_size(level);
		pte_t *e = &table_of(t)[i];
		if (!(*e & PTE_P) || (*e & PTE_PS))
			continue;
		mmk_paddr_t child = *e & PTE_FRAME;
		prune(s, child, level - 1, start, lo, hi, f);
		if (table_empty_around(table_of(child), level - 1, start, lo, hi)) {
			*e = 0;
			flush_page(s->mmu, f, start); /* drops paging-structure caches too */
			f->count += f->tagged != NULL;
			MMK_ASSERT(mmk_pmm_free(s->mmu->pmm, child) == 0);
			s->mmu->stats.tables_freed++;
			s->table_pages--;
		}
	}
}

int mmk_mmu_unmap(struct mmk_mmu_space *s, mmk_vaddr_t va, mmk_vsize_t size, bool free_frames)
{
	struct reserve r;
	int err = prepare_change(s, va, size, &r);
	if (err)
		return err;
	struct flush f = flush_begin(s);
	for (uint64_t at = va; at < va + size;) {
		unsigned level;
		pte_t *e = leaf_inside(s, at, va, va + size, &level, &r);
		/* A large page, or a run of 4 KiB pages to the end of their page table. */
		uint64_t step = level ? level_size(level) : small_run(at, va + size - at);
		for (uint64_t off = 0; off < step; off += level_size(level), e++) {
			pte_t old = *e;
			*e = 0;
			if (free_frames)
				free_leaf_frames(s->mmu, old & PTE_FRAME, level);
			flush_page(s->mmu, &f, at + off);
		}
		at += step;
	}
	if (!s->is_kernel) /* kernel tables are kept: every space shares them */
		for (unsigned i = level_index(va, 3); i <= level_index(va + size - 1, 3); i++) {
			uint64_t start = (uint64_t)i << level_shift(3);
			pte_t *e = &table_of(s->root)[i];
			if (!(*e & PTE_P))
				continue;
			mmk_paddr_t child = *e & PTE_FRAME;
			prune(s, child, 2, start, va, va + size, &f);
			if (table_empty_around(table_of(child), 2, start, va, va + size)) {
				*e = 0;
				flush_page(s->mmu, &f, start);
				MMK_ASSERT(mmk_pmm_free(s->mmu->pmm, child) == 0);
				s->mmu->stats.tables_freed++;
				s->table_pages--;
			}
		}
	flush_end(s->mmu, &f);
	reserve_release(s->mmu, &r);
	return 0;
}

int mmk_mmu_protect(struct mmk_mmu_space *s, mmk_vaddr_t va, mmk_vsize_t size, unsigned flags)
{
	if (!flags_valid(flags))
		return -MMK_EINVAL;
	if (s->is_kernel && (flags & MMK_PROT_USER))
		return -MMK_EPERM;
	struct reserve r;
	int err = prepare_change(s, va, size, &r);
	if (err)
		return err;
	struct flush f = flush_begin(s);
	for (uint64_t at = va; at < va + size;) {
		unsigned level;
		pte_t *e = leaf_inside(s, at, va, va + size, &level, &r);
		uint64_t step = level ? level_size(level) : small_run(at, va + size - at);
		for (uint64_t off = 0; off < step; off += level_size(level), e++) {
			*e = (*e & PTE_FRAME) | leaf_bits(s->mmu, flags, level, s->is_kernel);
			flush_page(s->mmu, &f, at + off);
		}
		at += step;
	}
	flush_end(s->mmu, &f);
	reserve_release(s->mmu, &r);
	return 0;
}

/* ------------------------------------------------------------ query, walk */

int mmk_mmu_query(const struct mmk_mmu_space *s, mmk_vaddr_t va, struct mmk_mmu_mapping *out)
{
	unsigned level;
	pte_t *e = leaf_of(s, va, &level);
	if (!e)
		return -MMK_ENOENT;
	*out = (struct mmk_mmu_mapping){mmk_align_down(va, level_size(level)), *e & PTE_FRAME,
				    leaf_flags(s->mmu, *e), level_shift(level)};
	return 0;
}

static int walk_table(const struct mmk_mmu_space *s, mmk_paddr_t t, unsigned level, uint64_t base,
		      uint64_t start, uint64_t end,
		      int (*visit)(void *ctx, const struct mmk_mmu_mapping *m), void *ctx)
{
	for (unsigned i = 0; i < ENTRIES; i++) {
		uint64_t lo = base + i * level_size(level), last = lo + level_size(level) - 1;
		pte_t e = table_of(t)[i];
		if (last < start || lo >= end || !(e & PTE_P))
			continue;
		int r;
		if (is_leaf(e, level)) {
			struct mmk_mmu_mapping m = {lo, e & PTE_FRAME, leaf_flags(s->mmu, e),
						level_shift(level)};
			r = visit(ctx, &m);
		} else {
			r = walk_table(s, e & PTE_FRAME, level - 1, lo, start, end, visit, ctx);
		}
		if (r)
			return r;
	}
	return 0;
}

/* The address a PML4 slot covers, sign-extended (canonical). */
static uint64_t canonical(uint64_t va)
{
	return (va & (1ull << 47)) ? va | 0xFFFF000000000000ull : va;
}

int mmk_mmu_walk(const struct mmk_mmu_space *s, mmk_vaddr_t start, mmk_vaddr_t end,
	     int (*visit)(void *ctx, const struct mmk_mmu_mapping *m), void *ctx)
{
	for (unsigned i = 0; i < ENTRIES; i++) {
		uint64_t lo = canonical((uint64_t)i << level_shift(3));
		uint64_t hi = lo + level_size(3) - 1; /* inclusive: the top slot ends at 2^64 */
		pte_t e = table_of(s->root)[i];
		if (hi < start || lo >= end || !(e & PTE_P))
			continue;
		int r = walk_table(s, e & PTE_FRAME, 2, lo, start, end, visit, ctx);
		if (r)
			return r;
	}
	return 0;
}

void mmk_mmu_print_walk(const struct mmk_mmu_space *s, mmk_vaddr_t va)
{
	static const char *const names[] = {"PTE", "PDE", "PDPTE", "PML4E"};
	mmk_printf("walk of 0x%016llx (PML4 0x%llx):\n", (unsigned long long)va,
		   (unsigned long long)s->root);
	mmk_paddr_t t = s->root;
	for (unsigned l = LEVELS - 1;; l--) {
		pte_t e = table_of(t)[level_index(va, l)];
		mmk_printf("  %-5s[%3u] = 0x%016llx%s%s%s%s%s\n", names[l], level_index(va, l),
			   (unsigned long long)e, e & PTE_P ? " P" : " not-present",
			   e & PTE_RW ? " RW" : "", e & PTE_US ? " US" : "",
			   e & PTE_PS ? " PS" : "", e & PTE_NX ? " NX" : "");
		if (!(e & PTE_P) || is_leaf(e, l) || l == 0)
			return;
		t = e & PTE_FRAME;
	}
}

void *mmk_mmu_kernel_pointer(struct mmk_mmu *mmu, mmk_vaddr_t va)
{
	(void)mmu;
	return x86_64_kernel_pointer(va);
}

void mmk_mmu_zero_frame(struct mmk_mmu *mmu, mmk_paddr_t pa)
{
	(void)mmu;
	uint64_t *p = x86_64_phys(pa);
	for (unsigned i = 0; i < MMK_PAGE_SIZE / 8; i++)
		p[i] = 0;
}

void mmk_mmu_copy_frame(struct mmk_mmu *mmu, mmk_paddr_t dst, mmk_paddr_t src)
{
	(void)mmu;
	uint64_t *d = x86_64_phys(dst);
	const uint64_t *s = x86_64_phys(src);
	for (unsigned i = 0; i < MMK_PAGE_SIZE / 8; i++)
		d[i] = s[i];
}

/* ------------------------------------------------------------ spaces */

int mmk_mmu_space_create(struct mmk_mmu *mmu, struct mmk_mmu_space *space)
{
	mmk_paddr_t pa;
	int err = mmk_pmm_alloc(mmu->pmm, &pa);
	if (err)
		return err;
	pte_t *pml4 = table_of(pa);
	const pte_t *kernel = table_of(mmu->kernel.root);
	for (unsigned i = 0; i < ENTRIES; i++)
		pml4[i] = i >= PML4_KERNEL ? kernel[i] : 0;
	*space = (struct mmk_mmu_space){.mmu = mmu, .root = pa, .root_va = pml4};
	mmk_mmu_space_list_add(mmu, space);
	return 0;
}

/* Frees the tables under t (and, with free_frames, the frames they map). */
static void free_tree(struct mmk_mmu *mmu, mmk_paddr_t t, unsigned level, bool free_frames)
{
	for (unsigned i = 0; i < ENTRIES; i++) {
		pte_t e = table_of(t)[i];
		if (!(e & PTE_P))
			continue;
		if (is_leaf(e, level)) {
			if (free_frames)
				free_leaf_frames(mmu, e & PTE_FRAME, level);
			continue;
		}
		free_tree(mmu, e & PTE_FRAME, level - 1, free_frames);
		MMK_ASSERT(mmk_pmm_free(mmu->pmm, e & PTE_FRAME) == 0);
		mmu->stats.tables_freed++;
	}
}

int mmk_mmu_space_destroy(struct mmk_mmu_space *space, bool free_frames)
{
	struct mmk_mmu *mmu = space->mmu;
	if (space->is_kernel)
		return -MMK_EINVAL;
	if (space == mmu->active)
		return -MMK_EBUSY;
	pte_t *pml4 = table_of(space->root);
	for (unsigned i = 0; i < PML4_KERNEL; i++) {
		if (!(pml4[i] & PTE_P))
			continue;
		free_tree(mmu, pml4[i] & PTE_FRAME, 2, free_frames);
		MMK_ASSERT(mmk_pmm_free(mmu->pmm, pml4[i] & PTE_FRAME) == 0);
		mmu->stats.tables_freed++;
		pml4[i] = 0;
	}
	space->table_pages = 0;
	mmk_mmu_space_list_remove(mmu, space);
	MMK_ASSERT(mmk_pmm_free(mmu->pmm, space->root) == 0);
	space->root_va = NULL;
	return 0;
}

static void flush_all_pcids(void *ctx)
{
	struct mmk_mmu *mmu = ctx;
	x86_64_flush_tlb_global(); /* a CR4.PGE toggle drops every PCID's entries */
	mmu->stats.tlb_full_flushes++;
}

void mmk_mmu_activate(struct mmk_mmu_space *space)
{
	struct mmk_mmu *mmu = space->mmu;
	uint64_t cr3 = space->root;
	if (mmu->features & FEATURE_PCID) {
		if (!space->is_kernel) { /* the kernel space keeps PCID 0 */
			bool rolled_over;
			space->asid = mmk_asid_activate(&mmu->asids, &space->asid_generation, &rolled_over);
		}
		cr3 |= space->asid;
		if (!space->tlb_stale)
			cr3 |= CR3_NOFLUSH;
		space->tlb_stale = false;
	}
	x86_64_write_cr3(cr3);
	mmu->active = space;
	mmu->stats.space_switches++;
}

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
	return USER_END;
}

mmk_vaddr_t mmk_mmu_kernel_base(void)
{
	return KERNEL_BASE;
}

/* ------------------------------------------------------------ init */

/* Maps every usable range of the boot map into the HHDM (seed 001: usable types only). */
static int map_hhdm(struct mmk_mmu *mmu, const struct mmk_memmap *map)
{
	mmu->window_start = mmu->window_end = HHDM_BASE;
	unsigned flags = MMK_PROT_READ | MMK_PROT_WRITE | MMK_PROT_GLOBAL;
	for (unsigned i = 0; i < map->count; i++) {
		const struct mmk_memrange *r = &map->range[i];
		if (r->type == MMK_MEM_RESERVED || r->type == MMK_MEM_BAD ||
		    r->type == MMK_MEM_ACPI_NVS)
			continue;
		mmk_paddr_t lo = mmk_align_down(r->base, MMK_PAGE_SIZE);
		mmk_paddr_t hi = mmk_align_up(r->base + r->size, MMK_PAGE_SIZE);
		/* Ranges are disjoint, but two may share a page at their edges. */
		struct mmk_mmu_mapping m;
		if (mmk_mmu_query(&mmu->kernel, HHDM_BASE + lo, &m) == 0)
			lo += MMK_PAGE_SIZE;
		if (lo < hi && mmk_mmu_query(&mmu->kernel, HHDM_BASE + hi - MMK_PAGE_SIZE, &m) == 0)
			hi -= MMK_PAGE_SIZE;
		if (lo >= hi)
			continue;
		int err = mmk_mmu_map(&mmu->kernel, HHDM_BASE + lo, lo, hi - lo, flags, 0);
		if (err)
			return err;
		if (HHDM_BASE + hi > mmu->window_end)
			mmu->window_end = HHDM_BASE + hi;
	}
	return 0;
}

/* The kernel image: section by section when the boot says how, else as one RWX range. */
static int map_image(struct mmk_mmu *mmu, const struct mmk_mmu_boot *boot)
{
	if (boot->section_count == 0)
		return mmk_mmu_map(&mmu->kernel, boot->kernel_va, boot->kernel_pa,
			       mmk_align_up(boot->kernel_size, MMK_PAGE_SIZE),
			       MMK_PROT_READ | MMK_PROT_WRITE | MMK_PROT_EXEC | MMK_PROT_GLOBAL, 0);
	for (unsigned i = 0; i < boot->section_count && i < MMK_MMU_BOOT_SECTIONS; i++) {
		const struct mmk_mmu_boot_section *sec = &boot->sections[i];
		int err = mmk_mmu_map(&mmu->kernel, sec->va, sec->pa, mmk_align_up(sec->size, MMK_PAGE_SIZE),
				  sec->flags | MMK_PROT_GLOBAL, 0);
		if (err)
			return err;
	}
	return 0;
}

int mmk_mmu_init(struct mmk_mmu *mmu, struct mmk_pmm *pmm, const struct mmk_mmu_boot *boot)
{
	*mmu = (struct mmk_mmu){.pmm = pmm, .flush_threshold = FLUSH_THRESHOLD,
			    .table_limit = boot->window_limit};
	mmu->page_shifts = 1u << 12 | 1u << 21;
	if (x86_64_has_1g_pages()) {
		mmu->features |= FEATURE_1G;
		mmu->page_shifts |= 1u << 30;
	}
	if (x86_64_has_nx())
		mmu->features |= FEATURE_NX;
	if (x86_64_has_pge()) {
		mmu->features |= FEATURE_PGE;
		x86_64_enable_pge();
	}
	if (mmu->features & FEATURE_PGE && x86_64_has_pcid() &&
	    (x86_64_read_cr3() & 0xFFF) == 0) {
		mmu->features |= FEATURE_PCID;
		if (x86_64_has_invpcid())
			mmu->features |= FEATURE_INVPCID;
		x86_64_enable_pcid();
		MMK_ASSERT(mmk_asid_init(&mmu->asids, PCID_BITS, flush_all_pcids, mmu) == 0);
	}
	mmk_paddr_t pa;
	int err = alloc_table_frame(mmu, &pa);
	if (err)
		return err;
	pte_t *pml4 = table_of(pa);
	for (unsigned i = 0; i < ENTRIES; i++)
		pml4[i] = 0;
	/* tlb_stale: the first load drops what PCID 0 held from the boot tables. */
	mmu->kernel = (struct mmk_mmu_space){.mmu = mmu, .root = pa, .root_va = pml4, .is_kernel = true,
					 .tlb_stale = true};
	mmk_mmu_space_list_add(mmu, &mmu->kernel);
	err = map_hhdm(mmu, boot->memmap);
	if (!err)
		err = map_image(mmu, boot);
	if (!err)
		err = mmk_mmu_boot_map_fixed(mmu, boot);
	if (err) {
		for (unsigned i = PML4_KERNEL; i < ENTRIES; i++)
			if (pml4[i] & PTE_P) {
				free_tree(mmu, pml4[i] & PTE_FRAME, 2, false);
				MMK_ASSERT(mmk_pmm_free(pmm, pml4[i] & PTE_FRAME) == 0);
			}
		MMK_ASSERT(mmk_pmm_free(pmm, pa) == 0);
		return err;
	}
	mmk_mmu_activate(&mmu->kernel);
	mmu->table_limit = 0; /* the new HHDM reaches every frame */
	return 0;
}
