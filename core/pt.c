/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The page-table engine: every algorithm of include/mmukit/mmu.h, written once over a
 * format description (include/mmukit/pt.h). A machine adds only its facts.
 *
 *   lookup     walk from the root towards one entry, stopping at the first invalid or
 *              leaf entry on the way (like xv6's walk(), with the level it stopped at)
 *   plan       check a map's range is free and count the table frames it will create
 *   reserve    take those frames from the PMM before changing anything (Haiku's
 *              "reserve before you map"), so no call fails half-way
 *   ensure     walk down creating tables from the reserve
 *   split      turn a large leaf only partly inside a range into smaller ones
 *   prune      free tables an unmap left empty, with the batch
 *   batch      what changed, invalidated at the finish, then tables and frames freed
 *
 * Tables smaller than a page (ARMv7's 1 KiB second-level tables) share a frame between
 * the tables of neighbouring parent entries: the frame of entry i serves the group
 * i & ~(n-1) .. i | (n-1), and goes back when no entry of the group is a table.
 */
#include <mmukit/errno.h>
#include <mmukit/mmu.h>
#include <mmukit/pmm.h>
#include <mmukit/pt.h>
#include <mmukit/services.h>

/* ------------------------------------------------------------ entries */

static inline mmk_pte_t load(const struct mmk_pt_format *f, const void *t, unsigned i)
{
	return f->entry_bytes == 8 ? ((const uint64_t *)t)[i] : ((const uint32_t *)t)[i];
}

static inline void store(const struct mmk_pt_format *f, void *t, unsigned i, mmk_pte_t e)
{
	if (f->entry_bytes == 8)
		((uint64_t *)t)[i] = e;
	else
		((uint32_t *)t)[i] = (uint32_t)e;
}

mmk_pte_t mmk_pt_load(const struct mmk_pt_format *f, const void *table, unsigned index)
{
	return load(f, table, index);
}

void mmk_pt_store(const struct mmk_pt_format *f, void *table, unsigned index, mmk_pte_t e)
{
	store(f, table, index, e);
}

/* Native-width arithmetic: every shift is below the address width of its machine. */
static inline unsigned index_of(const struct mmk_pt_format *f, unsigned level, mmk_vaddr_t va)
{
	return (unsigned)(va >> f->level[level].shift) & ((1u << f->level[level].bits) - 1);
}

unsigned mmk_pt_index(const struct mmk_pt_format *f, unsigned level, mmk_vaddr_t va)
{
	return index_of(f, level, va);
}

static inline uint64_t span(const struct mmk_pt_format *f, unsigned level)
{
	return 1ull << f->level[level].shift;
}

/* The offset bits inside one last-level table: native width, the hot paths' test for
 * "one table" (a last-level table never covers the whole address space). */
static inline mmk_vaddr_t last_table_mask(const struct mmk_pt_format *f)
{
	return ((mmk_vaddr_t)1 << (f->level[0].shift + f->level[0].bits)) - 1;
}

/* Bytes one table at level covers. */
static inline uint64_t table_span(const struct mmk_pt_format *f, unsigned level)
{
	unsigned bits = f->level[level].shift + f->level[level].bits;
	return bits >= 64 ? 0 : 1ull << bits; /* 0: the whole address space */
}

static inline bool valid(const struct mmk_pt_format *f, mmk_pte_t e)
{
	return (e & f->valid) != 0;
}

static inline bool is_table(const struct mmk_pt_format *f, unsigned level, mmk_pte_t e)
{
	const struct mmk_pt_level *l = &f->level[level];
	return l->table_mask && (e & l->table_mask) == l->table_match;
}

static inline mmk_paddr_t addr_of(const struct mmk_pt_format *f, mmk_pte_t e, mmk_pte_t mask)
{
	return (mmk_paddr_t)(e & mask) << f->pa_shift;
}

static inline mmk_pte_t pa_bits(const struct mmk_pt_format *f, mmk_paddr_t pa)
{
	return (mmk_pte_t)(pa >> f->pa_shift);
}

static inline unsigned root_level(const struct mmk_pt_format *f)
{
	return f->levels - 1;
}

/* The size index of valid non-table entry e at level; -1 when it is no leaf there. */
static int leaf_size(const struct mmk_pt_format *f, unsigned level, mmk_pte_t e)
{
	for (unsigned i = 0; i < f->size_count; i++) {
		const struct mmk_pt_size *s = &f->sizes[i];
		if (s->level == level && (e & s->kind_mask) == s->kind_match)
			return (int)i;
	}
	return -1;
}

static inline uint64_t size_bytes(const struct mmk_pt_format *f, unsigned size)
{
	return 1ull << f->sizes[size].shift;
}

/* Entries one leaf of size occupies (ARMv7 large pages: 16). */
static inline unsigned copies(const struct mmk_pt_format *f, unsigned size)
{
	return 1u << (f->sizes[size].shift - f->level[f->sizes[size].level].shift);
}

static inline bool size_usable(const struct mmk_mmu *mmu, unsigned size)
{
	return (mmu->fmt->sizes[size].needs & ~mmu->features) == 0;
}

static mmk_vaddr_t half_lo(const struct mmk_mmu_space *s)
{
	return s->is_kernel ? s->mmu->fmt->kernel_base : s->mmu->fmt->user_base;
}

static mmk_vaddr_t half_hi(const struct mmk_mmu_space *s)
{
	return s->is_kernel ? s->mmu->fmt->kernel_end : s->mmu->fmt->user_end;
}

static inline void *table_of(const struct mmk_mmu_space *s, unsigned level, uint64_t va,
			     mmk_paddr_t pa)
{
	const struct mmk_pt_format *f = s->mmu->fmt;
	if (s->mmu->direct_base)
		return (void *)(s->mmu->direct_base + (uintptr_t)pa);
	return f->table ? f->table(s, level, (mmk_vaddr_t)va, pa) : f->phys(pa);
}

/* A frame that is not (yet) a linked table. */
static inline void *frame_of(struct mmk_mmu *mmu, mmk_paddr_t pa)
{
	if (mmu->direct_base)
		return (void *)(mmu->direct_base + (uintptr_t)pa);
	return mmu->fmt->frame ? mmu->fmt->frame(mmu, pa) : mmu->fmt->phys(pa);
}

/* True when any of entries [i, i+n) of t is valid. */
static bool any_valid(const struct mmk_pt_format *f, const void *t, unsigned i, unsigned n)
{
	if (f->entry_bytes == 8) { /* by four: the hot loop of a large map */
		const uint64_t *p = (const uint64_t *)t + i, *end = p + n;
		uint64_t acc = 0;
		for (; end - p >= 4; p += 4)
			acc |= p[0] | p[1] | p[2] | p[3];
		for (; p < end; p++)
			acc |= *p;
		return (acc & f->valid) != 0;
	}
	const uint32_t *p = (const uint32_t *)t + i, *end = p + n;
	uint32_t acc = 0;
	for (; end - p >= 4; p += 4)
		acc |= p[0] | p[1] | p[2] | p[3];
	for (; p < end; p++)
		acc |= *p;
	return (acc & (uint32_t)f->valid) != 0;
}

/* True when e is a valid leaf of the smallest size. */
static inline bool small_leaf(const struct mmk_pt_format *f, mmk_pte_t e)
{
	uintptr_t v = (uintptr_t)e; /* an entry fits a word (mmk_pt_setup) */
	return (v & (uintptr_t)f->valid) &&
	       (v & (uintptr_t)f->sizes[0].kind_mask) == (uintptr_t)f->sizes[0].kind_match;
}

/* How many of entries [i, i+max) of a last-level table t, from i on, are small leaves:
 * the scan of every run of pages (an unmap, a protect), in the entries' own width. */
static unsigned small_leaves(const struct mmk_pt_format *f, const void *t, unsigned i,
			     unsigned max)
{
	mmk_pte_t v = f->valid, mask = f->sizes[0].kind_mask, match = f->sizes[0].kind_match;
	unsigned k = 0;
	if (f->entry_bytes == 8) {
		const uint64_t *p = (const uint64_t *)t + i;
		while (k < max && (p[k] & v) && (p[k] & mask) == match)
			k++;
	} else {
		const uint32_t *p = (const uint32_t *)t + i;
		uint32_t v32 = (uint32_t)v, mask32 = (uint32_t)mask, match32 = (uint32_t)match;
		while (k < max && (p[k] & v32) && (p[k] & mask32) == match32)
			k++;
	}
	return k;
}

/* ------------------------------------------------------------ leaf flags */

static inline bool has_features(const struct mmk_mmu *mmu, uint64_t needs)
{
	return (needs & ~mmu->features) == 0;
}

/*
 * The leaf encodings of every size, made once (mmk_pt_setup) from the format's attrs
 * and the machine's features: the bits of each combination of MMK_PROT_* flags, and per
 * flag what decoding looks for (the accessed / dirty bits left out: others clear them).
 */
static void leaf_tables(struct mmk_mmu *mmu)
{
	const struct mmk_pt_format *f = mmu->fmt;
	for (unsigned size = 0; size < f->size_count; size++) {
		const struct mmk_pt_attrs *a = f->sizes[size].attrs;
		mmk_pte_t set[5] = {0}, clear[5] = {0};
		for (unsigned k = 0; k < sizeof(a->flag) / sizeof(a->flag[0]); k++) {
			const struct mmk_pt_flag *b = &a->flag[k];
			for (unsigned bit = 0; bit < 5; bit++)
				if ((b->flag & 1u << bit) && has_features(mmu, b->needs)) {
					set[bit] |= b->set;
					clear[bit] |= b->clear;
				}
		}
		for (unsigned m = 0; m < 32; m++) {
			mmk_pte_t e = a->base;
			for (unsigned bit = 0; bit < 5; bit++)
				e |= m & 1u << bit ? set[bit] : clear[bit];
			mmu->leaf.prot[size][m] = e;
		}
		uintptr_t read = (uintptr_t)a->cache_mask;
		for (unsigned bit = 0; bit < 5; bit++) {
			mmu->leaf.set[size][bit] = (uintptr_t)(set[bit] & ~(f->accessed | f->dirty));
			mmu->leaf.clear[size][bit] = (uintptr_t)clear[bit];
			read |= mmu->leaf.set[size][bit] | mmu->leaf.clear[size][bit];
		}
		mmu->leaf.read[size] = read;
		mmu->leaf.last_bits[size] = ~read; /* no entry's: nothing decoded yet */
		mmu->leaf.kernel_flags[size] = has_features(mmu, a->kernel_needs) ? a->kernel_flags : 0;
	}
}

static inline mmk_pte_t encode_leaf(const struct mmk_mmu *mmu, unsigned flags, unsigned size,
				    bool user)
{
	const struct mmk_pt_size *sz = &mmu->fmt->sizes[size];
	if (!user)
		flags |= mmu->leaf.kernel_flags[size];
	return sz->kind_match | mmu->leaf.prot[size][flags & MMK_PROT_MASK] |
	       sz->attrs->cache[(flags & MMK_CACHE_MASK) >> 8];
}

static unsigned decode_bits(const struct mmk_mmu *mmu, uintptr_t v, unsigned size)
{
	const struct mmk_pt_attrs *a = mmu->fmt->sizes[size].attrs;
	const uintptr_t *set = mmu->leaf.set[size], *clear = mmu->leaf.clear[size];
	unsigned flags = a->always;
	for (unsigned bit = 0; bit < 5; bit++)
		if (set[bit] ? (v & set[bit]) == set[bit] : (v & clear[bit]) != clear[bit])
			flags |= 1u << bit;
	for (unsigned c = 1; c < 4; c++) {
		uintptr_t read = (uintptr_t)(a->cache_read[c] ? a->cache_read[c] : a->cache_mask);
		if ((v & read) == ((uintptr_t)a->cache[c] & read))
			return flags | c << 8;
	}
	return flags; /* MMK_CACHE_WB */
}

/* Neighbouring leaves mostly share their flags: the last decoding is kept per size. */
static inline unsigned decode_leaf(struct mmk_mmu *mmu, mmk_pte_t e, unsigned size)
{
	uintptr_t bits = (uintptr_t)e & mmu->leaf.read[size]; /* an entry fits a word (setup) */
	if (bits != mmu->leaf.last_bits[size]) {
		mmu->leaf.last_flags[size] = decode_bits(mmu, bits, size);
		mmu->leaf.last_bits[size] = bits;
	}
	return mmu->leaf.last_flags[size];
}

mmk_pte_t mmk_pt_leaf_bits(const struct mmk_mmu *mmu, unsigned flags, unsigned size, bool user)
{
	return encode_leaf(mmu, flags, size, user);
}

unsigned mmk_pt_leaf_flags(const struct mmk_mmu *mmu, mmk_pte_t e, unsigned size)
{
	return decode_bits(mmu, (uintptr_t)e & mmu->leaf.read[size], size);
}

/* ------------------------------------------------------------ lookup */

/* Where a walk stopped: the entry e at index of table (at level, memory at table_pa). */
struct slot {
	void *table;
	mmk_paddr_t table_pa;
	unsigned level, index;
	mmk_pte_t e;
};

/*
 * The walk cache: the table the last walk ended in (the deepest one it reached), so the
 * next walk near it starts there instead of at the root - most calls touch the same
 * last-level table as the one before. Dropped whenever a table is unlinked.
 */
static void cache_drop(struct mmk_mmu *mmu)
{
	mmu->walk_cache.space = NULL;
}

void mmk_pt_cache_drop(struct mmk_mmu *mmu)
{
	cache_drop(mmu);
}

static void cache_keep(const struct mmk_mmu_space *s, uint64_t va, unsigned level, void *t,
		       mmk_paddr_t pa)
{
	const struct mmk_pt_format *f = s->mmu->fmt;
	if (level == root_level(f))
		return;
	mmk_vaddr_t span_l = (mmk_vaddr_t)table_span(f, level);
	struct mmk_mmu *mmu = s->mmu;
	mmu->walk_cache.space = s;
	mmu->walk_cache.base = (mmk_vaddr_t)va & ~(span_l - 1);
	mmu->walk_cache.span = span_l;
	mmu->walk_cache.table = t;
	mmu->walk_cache.pa = pa;
	mmu->walk_cache.level = level;
}

/* The walk cache's answer for va's last-level entry, when it has one (inlined where hot). */
static inline bool cached_last_level(const struct mmk_mmu_space *s, mmk_vaddr_t va,
				     struct slot *out)
{
	const struct mmk_mmu *mmu = s->mmu;
	if (mmu->walk_cache.space != s || mmu->walk_cache.level != 0 ||
	    va - mmu->walk_cache.base >= mmu->walk_cache.span)
		return false;
	unsigned i = index_of(mmu->fmt, 0, va);
	*out = (struct slot){mmu->walk_cache.table, mmu->walk_cache.pa, 0, i,
			     load(mmu->fmt, mmu->walk_cache.table, i)};
	return true;
}

/* Walks towards va's entry at level want, stopping early at an invalid or leaf entry. */
static void lookup(const struct mmk_mmu_space *s, mmk_vaddr_t va, unsigned want, struct slot *out)
{
	const struct mmk_pt_format *f = s->mmu->fmt;
	const struct mmk_mmu *mmu = s->mmu;
	mmk_paddr_t pa = s->root;
	unsigned l = root_level(f);
	void *t = NULL;
	if (mmu->walk_cache.space == s && want <= mmu->walk_cache.level &&
	    va - mmu->walk_cache.base < mmu->walk_cache.span) {
		l = mmu->walk_cache.level;
		pa = mmu->walk_cache.pa;
		t = mmu->walk_cache.table;
	}
	for (;; l--) {
		if (!t)
			t = table_of(s, l, va, pa);
		unsigned i = index_of(f, l, va);
		mmk_pte_t e = load(f, t, i);
		if (l == want || !valid(f, e) || !is_table(f, l, e)) {
			*out = (struct slot){t, pa, l, i, e};
			if (t != mmu->walk_cache.table || mmu->walk_cache.space != s)
				cache_keep(s, va, l, t, pa);
			return;
		}
		pa = addr_of(f, e, f->level[l].table_addr);
		t = NULL;
	}
}

/* The leaf mapping va: its slot (a repeated leaf: its first entry) and size; false if none. */
static bool leaf_at(const struct mmk_mmu_space *s, uint64_t va, struct slot *out, unsigned *size)
{
	const struct mmk_pt_format *f = s->mmu->fmt;
	lookup(s, va, 0, out);
	if (!valid(f, out->e) || is_table(f, out->level, out->e))
		return false;
	int sz = leaf_size(f, out->level, out->e);
	if (sz < 0)
		return false;
	*size = (unsigned)sz;
	out->index &= ~(copies(f, *size) - 1);
	return true;
}

static struct mmk_mmu_mapping mapping_of(struct mmk_mmu *mmu, uint64_t va, mmk_pte_t e,
					 unsigned size)
{
	const struct mmk_pt_format *f = mmu->fmt;
	unsigned flags = decode_leaf(mmu, e, size);
	uintptr_t v = (uintptr_t)e, accessed = (uintptr_t)f->accessed;
	if (accessed == 0)
		flags |= MMK_MAP_ACCESSED | (flags & MMK_PROT_WRITE ? MMK_MAP_DIRTY : 0);
	else
		flags |= (v & accessed ? MMK_MAP_ACCESSED : 0) |
			 (v & (uintptr_t)f->dirty ? MMK_MAP_DIRTY : 0);
	uint64_t bytes = size_bytes(f, size);
	return (struct mmk_mmu_mapping){(mmk_vaddr_t)mmk_align_down(va, bytes),
					addr_of(f, e, f->sizes[size].addr), flags,
					f->sizes[size].shift};
}

/* ------------------------------------------------------------ the reserve */

/* Table frames taken before a change, threaded through their first word. */
struct reserve {
	mmk_paddr_t head;
	unsigned count;
};

static int alloc_table_frame(struct mmk_mmu *mmu, mmk_paddr_t *pa)
{
	mmk_paddr_t limit = mmu->md.table_limit;
	mmk_paddr_t fl = mmu->fmt->table_pa_limit;
	if (fl && (!limit || fl < limit))
		limit = fl;
	int err = mmk_pmm_alloc(mmu->pmm, pa); /* the fast path: usually below any limit */
	if (err || !limit || *pa < limit)
		return err;
	MMK_ASSERT(mmk_pmm_free(mmu->pmm, *pa) == 0);
	return mmk_pmm_alloc_below(mmu->pmm, limit, pa);
}

static void reserve_release(struct mmk_mmu *mmu, struct reserve *r)
{
	while (r->count > 0) {
		mmk_paddr_t pa = r->head;
		r->head = *(mmk_paddr_t *)frame_of(mmu, pa);
		r->count--;
		MMK_ASSERT(mmk_pmm_free(mmu->pmm, pa) == 0);
	}
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
		*(mmk_paddr_t *)frame_of(mmu, pa) = r->head;
		r->head = pa;
		r->count++;
	}
	return 0;
}

static mmk_paddr_t reserve_use(struct mmk_mmu *mmu, struct reserve *r)
{
	MMK_ASSERT(r->count > 0);
	mmk_paddr_t pa = r->head;
	r->head = *(mmk_paddr_t *)frame_of(mmu, pa);
	r->count--;
	mmu->stats.tables_allocated++;
	return pa;
}

/* ------------------------------------------------------------ batches */

static unsigned batch_limit(const struct mmk_mmu *mmu)
{
	unsigned t = mmu->flush_threshold;
	return t < MMK_MMU_BATCH_PAGES ? t : MMK_MMU_BATCH_PAGES;
}

void mmk_mmu_batch_begin(struct mmk_mmu_batch *b, struct mmk_mmu_space *space,
			 void (*release)(void *ctx, mmk_paddr_t pa, uint64_t size), void *ctx)
{
	b->space = space;
	b->release = release;
	b->ctx = ctx;
	b->page_count = 0;
	b->all = false;
	b->free_count = 0;
}

/* The TLB side of a batch: the format's invalidation of pages[0..n) of s, or of all. */
static void invalidate_pages(struct mmk_mmu_space *s, const struct mmk_mmu_batch_page *pages,
			     unsigned n, bool all)
{
	struct mmk_mmu *mmu = s->mmu;
	mmu->fmt->invalidate(s, pages, n, all);
	if (all)
		mmu->stats.tlb_full_flushes++;
	else
		mmu->stats.tlb_page_invalidations += n;
}

/* Invalidates what the batch recorded, then frees its tables and releases its frames. */
static void batch_flush(struct mmk_mmu_batch *b)
{
	struct mmk_mmu *mmu = b->space->mmu;
	if (b->page_count || b->all)
		invalidate_pages(b->space, b->pages, b->page_count, b->all);
	for (unsigned i = 0; i < b->free_count; i++) {
		const struct mmk_mmu_batch_free *fr = &b->frees[i];
		if (fr->size == 0) {
			MMK_ASSERT(mmk_pmm_free(mmu->pmm, fr->pa) == 0);
			mmu->stats.tables_freed++;
		} else if (b->release) {
			b->release(b->ctx, fr->pa, fr->size);
		}
	}
	b->page_count = 0;
	b->all = false;
	b->free_count = 0;
}

void mmk_mmu_batch_finish(struct mmk_mmu_batch *b)
{
	batch_flush(b);
	b->space->mmu->stats.batches_finished++;
}

static void batch_page(struct mmk_mmu_batch *b, mmk_vaddr_t va, unsigned level, bool table)
{
	if (b->all)
		return;
	if (b->page_count >= batch_limit(b->space->mmu)) {
		b->all = true;
		return;
	}
	b->pages[b->page_count++] = (struct mmk_mmu_batch_page){va, (uint8_t)level, table};
}

static void batch_free(struct mmk_mmu_batch *b, mmk_paddr_t pa, uint64_t size)
{
	if (size && !b->release)
		return; /* nobody wants the frames */
	if (size && b->free_count > 0) {
		struct mmk_mmu_batch_free *last = &b->frees[b->free_count - 1];
		if (last->size && last->pa + last->size == pa) {
			last->size += size; /* contiguous with the previous leaf */
			return;
		}
	}
	if (b->free_count == MMK_MMU_BATCH_FREES)
		batch_flush(b); /* full: make what we have safe to free, then go on */
	b->frees[b->free_count++] = (struct mmk_mmu_batch_free){pa, size};
}

/* ------------------------------------------------------------ checks */

static bool flags_valid(unsigned flags)
{
	return (flags & ~(MMK_PROT_MASK | MMK_CACHE_MASK)) == 0 &&
	       (flags & (MMK_PROT_READ | MMK_PROT_WRITE | MMK_PROT_EXEC)) != 0;
}

/* Alignment, size, and [va, va+size) inside the space's half. */
static int check_range(const struct mmk_mmu_space *s, mmk_vaddr_t va, mmk_vsize_t size)
{
	if ((va | size) & (MMK_PAGE_SIZE - 1))
		return -MMK_EALIGN;
	if (size == 0)
		return -MMK_EINVAL;
	mmk_vaddr_t hi = half_hi(s);
	if (va < half_lo(s) || va > hi || size > hi - va)
		return -MMK_ERANGE;
	return 0;
}

/* Flags as the space can hold them: a user mapping is never global. */
static int check_flags(const struct mmk_mmu_space *s, unsigned *flags)
{
	if (!flags_valid(*flags))
		return -MMK_EINVAL;
	if (s->is_kernel && (*flags & MMK_PROT_USER))
		return -MMK_EPERM;
	if (!s->is_kernel)
		*flags &= ~MMK_PROT_GLOBAL;
	return 0;
}

static int check_batch(const struct mmk_mmu_space *s, const struct mmk_mmu_batch *b)
{
	return b && b->space != s ? -MMK_EINVAL : 0;
}

/* ------------------------------------------------------------ tables */

/* Tables of level share a frame in groups of this many parent entries. */
static unsigned tables_per_frame(const struct mmk_pt_format *f, unsigned level)
{
	return (unsigned)(MMK_PAGE_SIZE >> f->level[level].table_log2);
}

/* A frame already holding a table of the group of parent entry i, or 0. */
static mmk_paddr_t group_frame(const struct mmk_pt_format *f, const void *parent,
			       unsigned parent_level, unsigned i)
{
	unsigned n = tables_per_frame(f, parent_level - 1);
	if (n == 1)
		return 0;
	for (unsigned j = i & ~(n - 1); j < (i | (n - 1)) + 1; j++) {
		mmk_pte_t e = load(f, parent, j);
		if (j != i && valid(f, e) && is_table(f, parent_level, e))
			return mmk_align_down(addr_of(f, e, f->level[parent_level].table_addr),
					      MMK_PAGE_SIZE);
	}
	return 0;
}

/* Writes entry i of the root; a kernel entry of a shared kernel root goes into every root. */
static void set_root_entry(struct mmk_mmu_space *s, void *root, unsigned i, uint64_t va,
			   mmk_pte_t e)
{
	struct mmk_mmu *mmu = s->mmu;
	const struct mmk_pt_format *f = mmu->fmt;
	if (!s->is_kernel || !f->shared_kernel_root) {
		store(f, root, i, e);
		return;
	}
	for (struct mmk_mmu_space *t = mmu->spaces; t; t = t->next) /* the kernel's included: */
		store(f, table_of(t, root_level(f), va, t->root), i, e); /* listed when created */
}

static void set_entry(struct mmk_mmu_space *s, const struct slot *at, uint64_t va, mmk_pte_t e)
{
	if (at->level == root_level(s->mmu->fmt))
		set_root_entry(s, at->table, at->index, va, e);
	else
		store(s->mmu->fmt, at->table, at->index, e);
}

/* Zeroes bytes (a multiple of 128: tables are 1 KiB or more) from t. */
static void zero_bytes(void *t, size_t bytes)
{
	uint64_t *w = t, *end = w + bytes / 8;
	for (; w < end; w += 16)
		for (unsigned k = 0; k < 16; k++)
			w[k] = 0;
}

static void zero_table(const struct mmk_pt_format *f, void *t, unsigned level)
{
	zero_bytes(t, (size_t)1 << f->level[level].table_log2);
}

/*
 * Links a new, zeroed table below the invalid entry at (a table at at->level - 1),
 * from a sibling's frame or the reserve.
 */
static mmk_paddr_t add_table(struct mmk_mmu_space *s, const struct slot *at, uint64_t va,
			     struct reserve *r)
{
	struct mmk_mmu *mmu = s->mmu;
	const struct mmk_pt_format *f = mmu->fmt;
	unsigned child = at->level - 1;
	unsigned n = tables_per_frame(f, child);
	mmk_paddr_t frame = group_frame(f, at->table, at->level, at->index);
	if (!frame) {
		frame = reserve_use(mmu, r);
		s->table_pages++;
	}
	mmk_paddr_t pa = frame + (at->index & (n - 1)) * (1ull << f->level[child].table_log2);
	void *fresh = frame_of(mmu, frame);
	zero_table(f, (char *)fresh + (pa - frame), child);
	set_entry(s, at, va, pa_bits(f, pa) | f->table_bits(mmu, at->level, (mmk_vaddr_t)va));
	return pa;
}

/* The entry for va at level, creating the tables on the way from the reserve. */
static void ensure(struct mmk_mmu_space *s, uint64_t va, unsigned level, struct reserve *r,
		   struct slot *out)
{
	const struct mmk_pt_format *f = s->mmu->fmt;
	lookup(s, va, level, out);
	while (out->level > level) {
		MMK_ASSERT(!valid(f, out->e)); /* a leaf above: the plan said EEXIST */
		mmk_paddr_t pa = add_table(s, out, va, r);
		unsigned l = out->level - 1;
		void *t = table_of(s, l, va, pa);
		unsigned i = index_of(f, l, va);
		*out = (struct slot){t, pa, l, i, load(f, t, i)};
		cache_keep(s, va, l, t, pa);
	}
}

/* ------------------------------------------------------------ map */

/* End of the run of same-size pieces at va: the end of its table, or where a larger
 * size could start, or end. */
static uint64_t run_end(const struct mmk_mmu *mmu, unsigned size, uint64_t va, uint64_t end)
{
	const struct mmk_pt_format *f = mmu->fmt;
	uint64_t tspan = table_span(f, f->sizes[size].level);
	uint64_t stop = tspan ? mmk_align_down(va, tspan) + tspan : 0;
	for (unsigned j = size + 1; j < f->size_count; j++) {
		if (!size_usable(mmu, j))
			continue;
		uint64_t b = mmk_align_down(va, size_bytes(f, j)) + size_bytes(f, j);
		if (b && (!stop || b < stop))
			stop = b;
		break;
	}
	return stop && stop < end ? stop : end;
}

/* The end of the table holding va's leaves of size, or end if that comes first. */
static uint64_t table_end(const struct mmk_mmu *mmu, unsigned size, uint64_t va, uint64_t end)
{
	uint64_t tspan = table_span(mmu->fmt, mmu->fmt->sizes[size].level);
	uint64_t stop = tspan ? mmk_align_down(va, tspan) + tspan : 0;
	return stop && stop < end ? stop : end;
}

/* True when the slots a leaf of size would take at va are free (or their tables missing). */
static bool slot_free(const struct mmk_mmu_space *s, uint64_t va, unsigned size)
{
	const struct mmk_pt_format *f = s->mmu->fmt;
	struct slot at;
	lookup(s, va, f->sizes[size].level, &at);
	if (at.level != f->sizes[size].level)
		return !valid(f, at.e);
	for (unsigned k = 0; k < copies(f, size); k++)
		if (valid(f, load(f, at.table, at.index + k)))
			return false;
	return true;
}

/* The size of the piece at va: forced, or the largest alignment, length and room allow. */
static unsigned piece_size(const struct mmk_mmu_space *s, uint64_t va, mmk_paddr_t pa,
			   uint64_t remaining, int forced)
{
	const struct mmk_pt_format *f = s->mmu->fmt;
	if (forced >= 0)
		return (unsigned)forced;
	for (unsigned i = f->size_count - 1; i > 0; i--) {
		uint64_t bytes = size_bytes(f, i);
		if (!size_usable(s->mmu, i) || remaining < bytes || !mmk_is_aligned(va, bytes) ||
		    !mmk_is_aligned(pa, bytes))
			continue;
		if (slot_free(s, va, i))
			return i;
	}
	return 0;
}

/* Bytes the piece at va covers: one leaf, or for the smallest size a run of them (to
 * the table's end when that size is forced: no larger one can start on the way). */
static uint64_t piece_bytes(const struct mmk_mmu *mmu, unsigned size, uint64_t va, uint64_t end,
			   int forced)
{
	if (size != 0)
		return size_bytes(mmu->fmt, size);
	return (forced == 0 ? table_end(mmu, 0, va, end) : run_end(mmu, 0, va, end)) - va;
}

static void free_tree(struct mmk_mmu_space *s, void *t, unsigned level, uint64_t base,
		      uint64_t lo, uint64_t hi, struct mmk_mmu_batch *b);

/* True when entry e at level maps nothing: invalid, or tables with no leaf below. */
static bool maps_nothing(const struct mmk_mmu_space *s, unsigned level, uint64_t base, mmk_pte_t e)
{
	const struct mmk_pt_format *f = s->mmu->fmt;
	if (!valid(f, e))
		return true;
	if (level == 0 || !is_table(f, level, e))
		return false;
	unsigned l = level - 1;
	const void *t = table_of(s, l, base, addr_of(f, e, f->level[level].table_addr));
	for (unsigned i = 0; i < (1u << f->level[l].bits); i++) {
		mmk_pte_t c = load(f, t, i);
		if (valid(f, c) && !maps_nothing(s, l, base + (uint64_t)i * span(f, l), c))
			return false;
	}
	return true;
}

/* True when the n slots from at map nothing (tables kept empty, as the kernel's are, may
 * be in the way of a large page: they are freed when it is mapped). */
static bool slots_free(const struct mmk_mmu_space *s, const struct slot *at, uint64_t va,
		       unsigned n)
{
	const struct mmk_pt_format *f = s->mmu->fmt;
	if (!any_valid(f, at->table, at->index, n))
		return true;
	if (at->level == 0)
		return false; /* valid last-level entries are leaves */
	for (unsigned k = 0; k < n; k++)
		if (!maps_nothing(s, at->level, va + (uint64_t)k * span(f, at->level),
				  load(f, at->table, at->index + k)))
			return false;
	return true;
}

/*
 * Frees the empty tables under the n slots from at before a leaf takes their place:
 * unlinked, then invalidated (their paging-structure entries) by a batch that frees them
 * only after that, so no walk can reach a table page once it is back in the PMM.
 */
static void free_empty_tables(struct mmk_mmu_space *s, const struct slot *at, uint64_t va,
			      unsigned n)
{
	const struct mmk_pt_format *f = s->mmu->fmt;
	if (at->level == 0 || !any_valid(f, at->table, at->index, n))
		return; /* last-level entries hold no tables; the plan saw them free */
	struct mmk_mmu_batch b;
	mmk_mmu_batch_begin(&b, s, NULL, NULL);
	for (unsigned k = 0; k < n; k++) {
		unsigned i = at->index + k;
		mmk_pte_t e = load(f, at->table, i);
		if (!valid(f, e))
			continue;
		uint64_t base = va + (uint64_t)k * span(f, at->level);
		mmk_paddr_t child = addr_of(f, e, f->level[at->level].table_addr);
		free_tree(s, table_of(s, at->level - 1, base, child), at->level - 1, base, base,
			  base + span(f, at->level), &b);
		if (at->level == root_level(f))
			set_root_entry(s, at->table, i, base, 0);
		else
			store(f, at->table, i, 0);
		batch_page(&b, base, at->level, true);
		if (!group_frame(f, at->table, at->level, i)) {
			batch_free(&b, mmk_align_down(child, MMK_PAGE_SIZE), 0);
			s->table_pages--;
		}
	}
	cache_drop(s->mmu);
	mmk_mmu_batch_finish(&b);
}

/*
 * Checks nothing is mapped where the map goes and counts the table frames it will take.
 * Pieces come in address order, so a missing table shared by several pieces is met by
 * consecutive ones: last[] remembers the last one counted per level.
 */
/* The first piece of a plan, and whether it is the whole map (then its slot is kept). */
struct first_piece {
	unsigned size;
	uint64_t bytes;
	struct slot slot;
	bool whole;
};

static int plan_map(const struct mmk_mmu_space *s, uint64_t va, mmk_paddr_t pa, uint64_t size,
		    int forced, unsigned *frames, struct first_piece *first)
{
	const struct mmk_pt_format *f = s->mmu->fmt;
	uint64_t last[MMK_PT_MAX_LEVELS];
	for (unsigned l = 0; l < MMK_PT_MAX_LEVELS; l++)
		last[l] = UINT64_MAX;
	*frames = 0;
	uint64_t end = va + size;
	for (uint64_t at = va; at < end;) {
		unsigned sz = piece_size(s, at, pa + (at - va), end - at, forced);
		unsigned level = f->sizes[sz].level;
		uint64_t bytes = piece_bytes(s->mmu, sz, at, end, forced);
		struct slot here;
		lookup(s, at, level, &here);
		if (here.level != level && valid(f, here.e))
			return -MMK_EEXIST; /* a leaf above the slot */
		if (here.level == level) {
			if (!slots_free(s, &here, at, (unsigned)(bytes >> f->level[level].shift)))
				return -MMK_EEXIST;
		} else { /* tables missing from here.level - 1 down to level */
			for (unsigned l = level; l < here.level; l++) {
				/* Tables of a group share a frame: one key per frame. */
				unsigned shift = f->level[l + 1].shift + (MMK_PAGE_SHIFT - f->level[l].table_log2);
				uint64_t key = at >> shift;
				if (key == last[l])
					continue;
				last[l] = key;
				if (l + 1 == here.level &&
				    group_frame(f, here.table, here.level, here.index))
					continue; /* a sibling's frame has room */
				(*frames)++;
			}
		}
		if (at == va)
			*first = (struct first_piece){sz, bytes, here, bytes == size && here.level == level};
		at += bytes;
	}
	return 0;
}

static int forced_size(const struct mmk_mmu *mmu, unsigned page_shift)
{
	if (page_shift == 0)
		return -1;
	for (unsigned i = 0; i < mmu->fmt->size_count; i++)
		if (mmu->fmt->sizes[i].shift == page_shift && size_usable(mmu, i))
			return (int)i;
	return -2;
}

/* Writes n leaves from entry index of t: e, e + step, ... (each repeated reps times). */
static void fill(const struct mmk_pt_format *f, void *t, unsigned index, unsigned n,
		 unsigned reps, mmk_pte_t e, mmk_pte_t step)
{
	if (n == 1 && reps == 1) { /* one page: a fault, a page-by-page map */
		store(f, t, index, e);
		return;
	}
	if (f->entry_bytes == 8 && reps == 1) { /* by eight: the hot loop of a large map */
		uint64_t *p = (uint64_t *)t + index, *end = p + n;
		for (; end - p >= 8; p += 8, e += 8 * step) {
			p[0] = e;
			p[1] = e + step;
			p[2] = e + 2 * step;
			p[3] = e + 3 * step;
			p[4] = e + 4 * step;
			p[5] = e + 5 * step;
			p[6] = e + 6 * step;
			p[7] = e + 7 * step;
		}
		for (; p < end; p++, e += step)
			*p = e;
	} else if (reps == 1) {
		uint32_t *p = (uint32_t *)t + index, *end = p + n;
		uint32_t v = (uint32_t)e, d = (uint32_t)step;
		for (; end - p >= 4; p += 4, v += 4 * d) {
			p[0] = v;
			p[1] = v + d;
			p[2] = v + 2 * d;
			p[3] = v + 3 * d;
		}
		for (; p < end; p++, v += d)
			*p = v;
	} else if (f->entry_bytes == 8) {
		uint64_t *p = (uint64_t *)t + index;
		for (unsigned i = 0; i < n; i++, e += step)
			for (unsigned k = 0; k < reps; k++)
				*p++ = e;
	} else {
		uint32_t *p = (uint32_t *)t + index;
		uint32_t v = (uint32_t)e, d = (uint32_t)step;
		for (unsigned i = 0; i < n; i++, v += d)
			for (unsigned k = 0; k < reps; k++)
				*p++ = v;
	}
}

/*
 * The common case, done with one walk: small pages only (the range is too short for the
 * next size up), all in one last-level table that is there already. Returns false
 * (nothing done) when that is not so, else true with *err: 0 or MMK_EEXIST.
 */
static bool map_in_one_table(struct mmk_mmu_space *s, mmk_vaddr_t va, mmk_paddr_t pa,
			     mmk_vsize_t size, unsigned flags, int *err)
{
	struct mmk_mmu *mmu = s->mmu;
	const struct mmk_pt_format *f = mmu->fmt;
	mmk_vaddr_t tmask = last_table_mask(f);
	if (copies(f, 0) != 1 || (f->size_count > 1 && size >= size_bytes(f, 1)) ||
	    (va & ~tmask) != ((va + size - 1) & ~tmask))
		return false;
	struct slot at;
	if (!cached_last_level(s, va, &at))
		lookup(s, va, 0, &at);
	if (at.level != 0)
		return false; /* its table is missing (or a large page is there: the plan says) */
	unsigned n = (unsigned)(size >> f->level[0].shift);
	if (any_valid(f, at.table, at.index, n)) {
		*err = -MMK_EEXIST;
		return true;
	}
	if ((flags & MMK_PROT_EXEC) && f->sync_exec)
		f->sync_exec(mmu, pa, size);
	fill(f, at.table, at.index, n, 1, pa_bits(f, pa) | encode_leaf(mmu, flags, 0, !s->is_kernel),
	     pa_bits(f, MMK_PAGE_SIZE));
	if (f->publish)
		f->publish(mmu);
	*err = 0;
	return true;
}

/*
 * A whole last-level table of small pages from e where none is yet: the table is filled
 * in its frame and then linked, so it needs no zeroing and no walk ever sees it half
 * made. False (nothing done) when the table is there already or shares its frame.
 */
static bool fill_new_table(struct mmk_mmu_space *s, uint64_t va, mmk_pte_t e, struct reserve *r)
{
	struct mmk_mmu *mmu = s->mmu;
	const struct mmk_pt_format *f = mmu->fmt;
	if (tables_per_frame(f, 0) != 1)
		return false;
	struct slot parent;
	ensure(s, va, 1, r, &parent);
	if (parent.level != 1 || valid(f, parent.e))
		return false;
	mmk_paddr_t pa = reserve_use(mmu, r);
	s->table_pages++;
	fill(f, frame_of(mmu, pa), 0, 1u << f->level[0].bits, 1, e, pa_bits(f, MMK_PAGE_SIZE));
	set_entry(s, &parent, va, pa_bits(f, pa) | f->table_bits(mmu, 1, (mmk_vaddr_t)va));
	return true;
}

/*
 * One small page into the last-level table the walk cache holds: what a page fault maps,
 * next to the page before. The caller has made mmk_mmu_map's checks. False: the general
 * path decides (and checks again).
 */
static bool map_one_page(struct mmk_mmu_space *s, mmk_vaddr_t va, mmk_paddr_t pa,
			 unsigned flags, int *err)
{
	struct mmk_mmu *mmu = s->mmu;
	const struct mmk_pt_format *f = mmu->fmt;
	struct slot at;
	if (copies(f, 0) != 1 || !cached_last_level(s, va, &at))
		return false;
	if (valid(f, at.e)) {
		*err = -MMK_EEXIST;
		return true;
	}
	if ((flags & MMK_PROT_EXEC) && f->sync_exec)
		f->sync_exec(mmu, pa, MMK_PAGE_SIZE);
	store(f, at.table, at.index, pa_bits(f, pa) | encode_leaf(mmu, flags, 0, !s->is_kernel));
	if (f->publish)
		f->publish(mmu);
	*err = 0;
	return true;
}

int mmk_mmu_map(struct mmk_mmu_space *s, mmk_vaddr_t va, mmk_paddr_t pa, mmk_vsize_t size,
		unsigned flags, unsigned page_shift)
{
	if (!s->mmu)
		return -MMK_EINVAL; /* never created, or destroyed */
	struct mmk_mmu *mmu = s->mmu;
	const struct mmk_pt_format *f = mmu->fmt;
	int err = check_flags(s, &flags);
	if (err)
		return err;
	if (size == MMK_PAGE_SIZE && (page_shift == 0 || page_shift == MMK_PAGE_SHIFT) &&
	    check_range(s, va, size) == 0 && !(pa & (MMK_PAGE_SIZE - 1)) &&
	    pa + MMK_PAGE_SIZE > pa && pa + MMK_PAGE_SIZE <= f->pa_limit &&
	    map_one_page(s, va, pa, flags, &err))
		return err;
	int forced = forced_size(mmu, page_shift);
	if (forced == -2)
		return -MMK_EINVAL;
	err = check_range(s, va, size);
	if (err)
		return err;
	uint64_t align = forced >= 0 ? size_bytes(f, (unsigned)forced) : MMK_PAGE_SIZE;
	if (!mmk_is_aligned(pa, align) || !mmk_is_aligned(va, align) || !mmk_is_aligned(size, align))
		return -MMK_EALIGN;
	if (pa + size < pa || pa + size > f->pa_limit)
		return -MMK_ERANGE;
	if (forced <= 0 && map_in_one_table(s, va, pa, size, flags, &err))
		return err;
	unsigned frames;
	struct first_piece first;
	err = plan_map(s, va, pa, size, forced, &frames, &first);
	if (err)
		return err;
	if ((flags & MMK_PROT_EXEC) && f->sync_exec)
		f->sync_exec(mmu, pa, size);
	if (first.whole && first.slot.level != root_level(f)) { /* one run, its table there */
		free_empty_tables(s, &first.slot, va, (unsigned)(size >> f->level[first.slot.level].shift));
		fill(f, first.slot.table, first.slot.index, (unsigned)(size >> f->sizes[first.size].shift),
		     copies(f, first.size), pa_bits(f, pa) | encode_leaf(mmu, flags, first.size, !s->is_kernel),
		     pa_bits(f, size_bytes(f, first.size)));
		if (f->publish)
			f->publish(mmu);
		return 0;
	}
	struct reserve r;
	err = reserve_take(mmu, &r, frames);
	if (err)
		return err;
	uint64_t end = (uint64_t)va + size;
	for (uint64_t at = va; at < end;) {
		mmk_paddr_t here_pa = pa + (at - va);
		unsigned sz = piece_size(s, at, here_pa, end - at, forced);
		unsigned level = f->sizes[sz].level;
		uint64_t bytes = piece_bytes(mmu, sz, at, end, forced);
		mmk_pte_t e = pa_bits(f, here_pa) | encode_leaf(mmu, flags, sz, !s->is_kernel);
		if (level == 0 && bytes == table_span(f, 0) && fill_new_table(s, at, e, &r)) {
			at += bytes;
			continue;
		}
		struct slot slot;
		ensure(s, at, level, &r, &slot);
		free_empty_tables(s, &slot, at, (unsigned)(bytes >> f->level[level].shift));
		if (level == root_level(f))
			set_root_entry(s, slot.table, slot.index, at, e);
		else
			fill(f, slot.table, slot.index, (unsigned)(bytes >> f->sizes[sz].shift),
			     copies(f, sz), e, pa_bits(f, size_bytes(f, sz)));
		at += bytes;
	}
	MMK_ASSERT(r.count == 0);
	if (f->publish)
		f->publish(mmu);
	return 0;
}

/* ------------------------------------------------------------ split */

/* The largest usable size at level whose leaves tile a leaf of size `from`. */
static unsigned tile_size(const struct mmk_mmu *mmu, unsigned level, unsigned below)
{
	const struct mmk_pt_format *f = mmu->fmt;
	unsigned best = 0;
	for (unsigned i = 0; i < below; i++)
		if (f->sizes[i].level == level && size_usable(mmu, i))
			best = i;
	return best;
}

/* Table frames splitting a leaf of size takes so that a leaf starts at boundary b. */
static unsigned splits_for(const struct mmk_mmu *mmu, uint64_t b, unsigned size)
{
	const struct mmk_pt_format *f = mmu->fmt;
	unsigned n = 0;
	while (!mmk_is_aligned(b, size_bytes(f, size))) {
		unsigned level = f->sizes[size].level;
		if (copies(f, size) > 1) {
			size = tile_size(mmu, level, size); /* rewritten in place */
		} else {
			n++;
			size = tile_size(mmu, level - 1, size);
		}
	}
	return n;
}

/* Entries of a leaf's frame flags kept through a split or a protect. */
static mmk_pte_t kept_state(const struct mmk_pt_format *f, mmk_pte_t e)
{
	return e & (f->accessed | f->dirty);
}

/*
 * Breaks the leaf at `at` (of size) into leaves of the next size down, with the same
 * translations and rights: a repeated leaf in place, a block into a new table.
 */
static void split(struct mmk_mmu_space *s, uint64_t va, const struct slot *at, unsigned size,
		  struct reserve *r)
{
	struct mmk_mmu *mmu = s->mmu;
	const struct mmk_pt_format *f = mmu->fmt;
	unsigned level = f->sizes[size].level;
	mmk_paddr_t pa = addr_of(f, at->e, f->sizes[size].addr);
	unsigned flags = decode_leaf(mmu, at->e, size);
	mmk_pte_t keep = kept_state(f, at->e);
	bool user = !s->is_kernel;
	uint64_t start = mmk_align_down(va, size_bytes(f, size));
	if (copies(f, size) > 1) {
		unsigned to = tile_size(mmu, level, size);
		mmk_pte_t e = pa_bits(f, pa) | encode_leaf(mmu, flags, to, user) | keep;
		fill(f, at->table, at->index, copies(f, size) / copies(f, to), copies(f, to), e,
		     pa_bits(f, size_bytes(f, to)));
		return; /* same translations: a cached entry stays right */
	}
	unsigned to = tile_size(mmu, level - 1, size);
	unsigned n = 1u << (f->sizes[size].shift - f->sizes[to].shift);
	mmk_pte_t e = pa_bits(f, pa) | encode_leaf(mmu, flags, to, user) | keep;
	mmk_paddr_t frame = group_frame(f, at->table, level, at->index);
	unsigned per = tables_per_frame(f, level - 1);
	if (!frame) {
		frame = reserve_use(mmu, r);
		s->table_pages++;
	}
	mmk_paddr_t table = frame + (at->index & (per - 1)) * (1ull << f->level[level - 1].table_log2);
	void *fresh = (char *)frame_of(mmu, frame) + (table - frame);
	fill(f, fresh, 0, n, copies(f, to), e, pa_bits(f, size_bytes(f, to)));
	mmk_pte_t link = pa_bits(f, table) | f->table_bits(mmu, level, (mmk_vaddr_t)start);
	if (f->break_before_make) { /* invalid, invalidated, then the table */
		set_entry(s, at, start, 0);
		struct mmk_mmu_batch now;
		mmk_mmu_batch_begin(&now, s, NULL, NULL);
		batch_page(&now, start, level, false);
		batch_flush(&now);
	}
	set_entry(s, at, start, link);
	/* Same translations as before: a cached large entry is still right. */
}

/* The leaf at va, split until it lies inside [lo, hi); its slot and size. */
static void leaf_inside(struct mmk_mmu_space *s, uint64_t va, uint64_t lo, uint64_t hi,
			struct slot *at, unsigned *size, struct reserve *r)
{
	const struct mmk_pt_format *f = s->mmu->fmt;
	for (;;) {
		MMK_ASSERT(leaf_at(s, va, at, size));
		uint64_t bytes = size_bytes(f, *size);
		uint64_t start = mmk_align_down(va, bytes);
		if (start >= lo && start + bytes <= hi)
			return;
		split(s, va, at, *size, r);
	}
}

/* ------------------------------------------------------------ unmap, protect */

/*
 * Checks every page of the range is mapped, and counts the table frames splitting the
 * leaves that stick out at either end will take.
 */
static int check_mapped(const struct mmk_mmu_space *s, uint64_t va, uint64_t size,
			unsigned *splits)
{
	const struct mmk_pt_format *f = s->mmu->fmt;
	uint64_t end = va + size;
	*splits = 0;
	for (uint64_t at = va; at < end;) {
		struct slot slot;
		unsigned sz;
		if (!leaf_at(s, at, &slot, &sz))
			return -MMK_ENOENT;
		uint64_t start = mmk_align_down(at, size_bytes(f, sz));
		uint64_t next = start + size_bytes(f, sz);
		if (at == va)
			*splits += splits_for(s->mmu, va, sz);
		if (next > end || next < start) /* sticks out past the end (or to the top) */
			*splits += splits_for(s->mmu, end, sz);
		/* The rest of this table's leaves of the smallest size: scan them in place. */
		if (sz == 0) {
			uint64_t stop = table_end(s->mmu, 0, at, end);
			unsigned max = (unsigned)((stop - next) >> f->level[0].shift);
			next += (uint64_t)small_leaves(f, slot.table, slot.index + 1, max)
				<< f->level[0].shift;
		}
		if (next <= at)
			break; /* the top of the address space */
		at = next;
	}
	return 0;
}

/* Checks the range is the space's and wholly mapped; reserves what splitting its ends needs. */
static int prepare_change(struct mmk_mmu_space *s, mmk_vaddr_t va, mmk_vsize_t size,
			  struct reserve *r)
{
	unsigned splits;
	int err = check_range(s, va, size);
	if (!err)
		err = check_mapped(s, va, size, &splits);
	if (err)
		return err;
	return reserve_take(s->mmu, r, splits);
}

/*
 * True when table t at level has no valid entry outside [first, last], which holds none
 * (just cleared): looks at a few neighbours outward first (an unmap next to live entries
 * answers in a step or two), then at the rest in bulk.
 */
static bool empty_around(const struct mmk_pt_format *f, const void *t, unsigned level,
			 unsigned first, unsigned last)
{
	unsigned n = 1u << f->level[level].bits;
	unsigned up = last + 1, down = first;
	for (unsigned step = 0; step < 4 && (up < n || down > 0); step++) {
		if (up < n && valid(f, load(f, t, up++)))
			return false;
		if (down > 0 && valid(f, load(f, t, --down)))
			return false;
	}
	return !any_valid(f, t, 0, down) && !any_valid(f, t, up, n - up);
}

/* Index range of the entries of the table at level (covering from base) that [lo, hi) touches. */
static void touched(const struct mmk_pt_format *f, unsigned level, uint64_t base, uint64_t lo,
		    uint64_t hi, unsigned *first, unsigned *last)
{
	uint64_t tspan = table_span(f, level);
	*first = lo > base ? index_of(f, level, lo) : 0;
	*last = tspan == 0 || hi - 1 < base + tspan - 1 ? index_of(f, level, hi - 1)
							: (1u << f->level[level].bits) - 1;
}

/* The tables on the way to va: path[l] for every level the walk went through. */
struct path {
	void *table[MMK_PT_MAX_LEVELS];
	mmk_paddr_t pa[MMK_PT_MAX_LEVELS];
	unsigned deepest;
};

static void walk_path(const struct mmk_mmu_space *s, uint64_t va, struct path *p)
{
	const struct mmk_pt_format *f = s->mmu->fmt;
	mmk_paddr_t pa = s->root;
	for (unsigned l = root_level(f);; l--) {
		void *t = table_of(s, l, va, pa);
		p->table[l] = t;
		p->pa[l] = pa;
		p->deepest = l;
		mmk_pte_t e = load(f, t, index_of(f, l, va));
		if (l == 0 || !valid(f, e) || !is_table(f, l, e))
			return;
		pa = addr_of(f, e, f->level[l].table_addr);
	}
}

/*
 * Unlinks the table at level (path->table[level], covering va), which the caller found
 * empty, from its parent and frees it with the batch; then the parent too if that left
 * it empty. Never the root.
 */
static void unlink_empty(struct mmk_mmu_space *s, const struct path *p, unsigned level,
			 uint64_t va, struct mmk_mmu_batch *b)
{
	const struct mmk_pt_format *f = s->mmu->fmt;
	for (unsigned known = level; level < root_level(f); level++) {
		unsigned n = 1u << f->level[level].bits;
		if (level != known && any_valid(f, p->table[level], 0, n))
			return; /* the first table was found empty by the caller */
		void *parent = p->table[level + 1];
		unsigned i = index_of(f, level + 1, va);
		store(f, parent, i, 0);
		cache_drop(s->mmu);
		batch_page(b, mmk_align_down(va, span(f, level + 1)), level + 1, true);
		if (!group_frame(f, parent, level + 1, i)) {
			batch_free(b, mmk_align_down(p->pa[level], MMK_PAGE_SIZE), 0);
			s->table_pages--;
		}
	}
}

/*
 * Frees the user tables [lo, hi) left empty: each deepest table the range reaches is
 * checked (from the entries just cleared outward, so a table with live neighbours
 * answers in a step or two), and a freed one's parent after it.
 */
static void prune_user(struct mmk_mmu_space *s, uint64_t lo, uint64_t hi, struct mmk_mmu_batch *b)
{
	const struct mmk_pt_format *f = s->mmu->fmt;
	if (s->is_kernel) /* kernel tables are kept: every space shares them */
		return;
	for (uint64_t at = lo; at < hi;) {
		struct slot slot;
		lookup(s, at, 0, &slot);
		unsigned level = slot.level;
		uint64_t tspan = table_span(f, level);
		uint64_t next = tspan ? mmk_align_down(at, tspan) + tspan : 0;
		if (level < root_level(f)) {
			unsigned first, last;
			touched(f, level, mmk_align_down(at, tspan), lo, hi, &first, &last);
			/* Entries of a table above the last level that the range only partly
			 * covers may still point to tables with live entries. */
			if (!any_valid(f, slot.table, first, last - first + 1) &&
			    empty_around(f, slot.table, level, first, last)) {
				struct path p;
				walk_path(s, at, &p);
				MMK_ASSERT(p.deepest == level && p.table[level] == slot.table);
				unlink_empty(s, &p, level, at, b);
			}
		}
		if (next == 0 || next <= at)
			break;
		at = next;
	}
}

typedef void (*change_fn)(struct mmk_mmu_space *s, const struct slot *at, mmk_vaddr_t va,
			  unsigned size, unsigned n, void *arg, struct mmk_mmu_batch *b);

/*
 * Applies fn to every leaf of [va, va+size) (split to lie inside first), in runs: the
 * leaves of one table of one size at a time.
 */
static void change_range(struct mmk_mmu_space *s, uint64_t va, uint64_t size, struct reserve *r,
			 change_fn fn, void *arg, struct mmk_mmu_batch *b)
{
	const struct mmk_pt_format *f = s->mmu->fmt;
	uint64_t end = va + size;
	for (uint64_t at = va; at < end;) {
		struct slot slot;
		unsigned sz;
		leaf_inside(s, at, va, end, &slot, &sz, r);
		uint64_t bytes = size_bytes(f, sz);
		unsigned n = 1;
		if (sz == 0) { /* a run of small leaves in this table */
			uint64_t stop = table_end(s->mmu, 0, at, end);
			unsigned max = (unsigned)((stop - at - bytes) >> f->level[0].shift);
			n += small_leaves(f, slot.table, slot.index + 1, max);
		}
		fn(s, &slot, at, sz, n, arg, b);
		at += bytes * n;
	}
}

/* Clears entries [i, i+n) of t. */
static void clear_entries(const struct mmk_pt_format *f, void *t, unsigned i, unsigned n)
{
	if (f->entry_bytes == 8) {
		uint64_t *p = (uint64_t *)t + i, *end = p + n;
		for (; end - p >= 4; p += 4) /* by four: the hot loop of a large unmap */
			p[0] = p[1] = p[2] = p[3] = 0;
		for (; p < end; p++)
			*p = 0;
		return;
	}
	uint32_t *p = (uint32_t *)t + i, *end = p + n;
	for (; end - p >= 4; p += 4)
		p[0] = p[1] = p[2] = p[3] = 0;
	for (; p < end; p++)
		*p = 0;
}

static void unmap_leaves(struct mmk_mmu_space *s, const struct slot *at, mmk_vaddr_t va,
			 unsigned size, unsigned n, void *arg, struct mmk_mmu_batch *b)
{
	const struct mmk_pt_format *f = s->mmu->fmt;
	(void)arg;
	unsigned reps = copies(f, size);
	mmk_vsize_t bytes = (mmk_vsize_t)size_bytes(f, size);
	unsigned level = f->sizes[size].level;
	mmk_pte_t addr = f->sizes[size].addr;
	if (level == root_level(f)) {
		for (unsigned k = 0; k < n; k++) {
			mmk_pte_t e = load(f, at->table, at->index + k);
			set_root_entry(s, at->table, at->index + k, va + k * bytes, 0);
			batch_page(b, va + k * bytes, level, false);
			batch_free(b, addr_of(f, e, addr), bytes);
		}
		return;
	}
	/* Frames first (contiguous ones in one piece), then the entries, then the pages
	 * the TLB may hold - as many as the batch keeps before it flushes everything. */
	for (unsigned k = 0; k < n && b->release;) {
		mmk_paddr_t pa = addr_of(f, load(f, at->table, at->index + k * reps), addr);
		unsigned run = 1;
		while (k + run < n &&
		       addr_of(f, load(f, at->table, at->index + (k + run) * reps), addr) ==
			       pa + run * bytes)
			run++;
		batch_free(b, pa, run * bytes);
		k += run;
	}
	clear_entries(f, at->table, at->index, n * reps);
	for (unsigned k = 0; k < n && !b->all; k++)
		batch_page(b, va + k * bytes, level, false);
}

struct protect_arg {
	unsigned flags;
};

static void protect_leaves(struct mmk_mmu_space *s, const struct slot *at, mmk_vaddr_t va,
			   unsigned size, unsigned n, void *arg, struct mmk_mmu_batch *b)
{
	struct mmk_mmu *mmu = s->mmu;
	const struct mmk_pt_format *f = mmu->fmt;
	unsigned flags = ((struct protect_arg *)arg)->flags;
	unsigned reps = copies(f, size);
	mmk_vsize_t bytes = (mmk_vsize_t)size_bytes(f, size);
	unsigned level = f->sizes[size].level;
	mmk_pte_t bits = encode_leaf(mmu, flags, size, !s->is_kernel);
	if (reps == 1 && level != root_level(f) && !((flags & MMK_PROT_EXEC) && f->sync_exec)) {
		/* The common case: each entry keeps its frame and accessed/dirty state and takes
		 * the new bits (pa_bits of addr_of is the frame field itself). */
		mmk_pte_t keep = f->sizes[size].addr | f->accessed | f->dirty;
		for (unsigned k = 0; k < n; k++) {
			unsigned i = at->index + k;
			store(f, at->table, i, (load(f, at->table, i) & keep) | bits);
			if (!b->all)
				batch_page(b, va + k * bytes, level, false);
		}
		return;
	}
	for (unsigned k = 0; k < n; k++) {
		unsigned i = at->index + k * reps;
		mmk_pte_t e = load(f, at->table, i);
		mmk_paddr_t pa = addr_of(f, e, f->sizes[size].addr);
		if ((flags & MMK_PROT_EXEC) && f->sync_exec &&
		    !(decode_leaf(mmu, e, size) & MMK_PROT_EXEC))
			f->sync_exec(mmu, pa, bytes);
		mmk_pte_t ne = pa_bits(f, pa) | bits | kept_state(f, e);
		if (level == root_level(f))
			set_root_entry(s, at->table, i, va, ne);
		else
			for (unsigned c = 0; c < reps; c++)
				store(f, at->table, i + c, ne);
		batch_page(b, va + k * bytes, level, false);
	}
}

static void finish_change(struct mmk_mmu_space *s, struct mmk_mmu_batch *b,
			  struct mmk_mmu_batch *own)
{
	if (s->mmu->fmt->publish)
		s->mmu->fmt->publish(s->mmu);
	if (b == own)
		mmk_mmu_batch_finish(own);
}


/*
 * The common case, done with one walk: [va, va+size) lies in one last-level table and
 * is all small pages, so there is nothing to split and one table to prune. Finds that
 * table's slot for va; false when that is not so.
 */
static inline bool small_run(const struct mmk_mmu_space *s, mmk_vaddr_t va, mmk_vsize_t size,
			     struct slot *at)
{
	const struct mmk_pt_format *f = s->mmu->fmt;
	if (!cached_last_level(s, va, at)) {
		lookup(s, va, 0, at);
		if (at->level != 0)
			return false; /* its table is missing, or a large page is there */
	}
	unsigned shift = f->level[0].shift;
	unsigned room = (1u << f->level[0].bits) - at->index; /* entries to the table's end */
	if (size > (mmk_vsize_t)room << shift)
		return false;
	unsigned n = (unsigned)(size >> shift);
	return small_leaves(f, at->table, at->index, n) == n;
}

/* After an unmap of entries [i, i+n) of va's last-level table t: frees t if that left it
 * empty (and its parents after it), with the batch. */
static void prune_last_level(struct mmk_mmu_space *s, mmk_vaddr_t va, const void *t, unsigned i,
			     unsigned n, struct mmk_mmu_batch *b)
{
	if (s->is_kernel || !empty_around(s->mmu->fmt, t, 0, i, i + n - 1))
		return;
	struct path p;
	walk_path(s, va, &p);
	unlink_empty(s, &p, 0, va, b);
}

/* Runs one change over a range of leaves under the caller's batch, or under one of its own
 * finished at the end. */
static int with_batch(struct mmk_mmu_space *s, mmk_vaddr_t va, mmk_vsize_t size,
		      struct mmk_mmu_batch *b, change_fn fn, void *arg, bool prune_after)
{
	struct mmk_mmu_batch own;
	int err = check_range(s, va, size);
	if (err)
		return err;
	if (!b) {
		mmk_mmu_batch_begin(&own, s, NULL, NULL);
		b = &own;
	}
	struct slot at;
	if (small_run(s, va, size, &at)) {
		unsigned n = (unsigned)(size >> s->mmu->fmt->level[0].shift);
		fn(s, &at, va, 0, n, arg, b);
		if (prune_after)
			prune_last_level(s, va, at.table, at.index, n, b);
		finish_change(s, b, &own);
		return 0;
	}
	struct reserve r;
	err = prepare_change(s, va, size, &r);
	if (err)
		return err; /* nothing recorded in the batch yet */
	change_range(s, va, size, &r, fn, arg, b);
	if (prune_after)
		prune_user(s, va, (uint64_t)va + size, b);
	reserve_release(s->mmu, &r);
	finish_change(s, b, &own);
	return 0;
}

/*
 * An unmap of small pages in one last-level table with no batch of the caller's (a
 * page-by-page caller): the entries cleared, the TLB told at once; a batch of its own
 * only when that emptied the table (which goes with it).
 */
static bool unmap_small_run(struct mmk_mmu_space *s, mmk_vaddr_t va, mmk_vsize_t size)
{
	struct mmk_mmu *mmu = s->mmu;
	const struct mmk_pt_format *f = mmu->fmt;
	struct slot at;
	unsigned n = (unsigned)(size >> f->level[0].shift);
	if (n > MMK_MMU_BATCH_PAGES || !small_run(s, va, size, &at))
		return false;
	clear_entries(f, at.table, at.index, n);
	struct mmk_mmu_batch_page pages[MMK_MMU_BATCH_PAGES];
	for (unsigned k = 0; k < n; k++)
		pages[k] = (struct mmk_mmu_batch_page){va + k * MMK_PAGE_SIZE, 0, false};
	if (!s->is_kernel && empty_around(f, at.table, 0, at.index, at.index + n - 1)) {
		struct mmk_mmu_batch b;
		mmk_mmu_batch_begin(&b, s, NULL, NULL);
		for (unsigned k = 0; k < n; k++)
			batch_page(&b, pages[k].va, 0, false);
		struct path p;
		walk_path(s, va, &p);
		unlink_empty(s, &p, 0, va, &b);
		finish_change(s, &b, &b);
		return true;
	}
	if (f->publish)
		f->publish(mmu);
	invalidate_pages(s, pages, n, n > batch_limit(mmu));
	mmu->stats.batches_finished++;
	return true;
}

int mmk_mmu_unmap(struct mmk_mmu_space *s, mmk_vaddr_t va, mmk_vsize_t size,
		  struct mmk_mmu_batch *batch)
{
	if (!s->mmu)
		return -MMK_EINVAL; /* never created, or destroyed */
	int err = check_batch(s, batch);
	if (err)
		return err;
	if (!batch) {
		err = check_range(s, va, size);
		if (err)
			return err;
		if (unmap_small_run(s, va, size))
			return 0;
	}
	return with_batch(s, va, size, batch, unmap_leaves, NULL, true);
}

int mmk_mmu_protect(struct mmk_mmu_space *s, mmk_vaddr_t va, mmk_vsize_t size, unsigned flags,
		    struct mmk_mmu_batch *batch)
{
	if (!s->mmu)
		return -MMK_EINVAL; /* never created, or destroyed */
	int err = check_batch(s, batch);
	if (!err)
		err = check_flags(s, &flags);
	if (err)
		return err;
	struct protect_arg arg = {flags};
	return with_batch(s, va, size, batch, protect_leaves, &arg, false);
}

int mmk_mmu_remap(struct mmk_mmu_space *s, mmk_vaddr_t va, mmk_paddr_t pa, unsigned flags,
		  struct mmk_mmu_batch *batch)
{
	if (!s->mmu)
		return -MMK_EINVAL; /* never created, or destroyed */
	struct mmk_mmu *mmu = s->mmu;
	const struct mmk_pt_format *f = mmu->fmt;
	int err = check_batch(s, batch);
	if (!err)
		err = check_flags(s, &flags);
	if (!err)
		err = check_range(s, va, MMK_PAGE_SIZE);
	if (err)
		return err;
	struct slot at;
	unsigned size;
	if (!leaf_at(s, va, &at, &size))
		return -MMK_ENOENT;
	uint64_t bytes = size_bytes(f, size);
	if (!mmk_is_aligned(va, bytes) || !mmk_is_aligned(pa, bytes))
		return -MMK_EALIGN;
	if (pa + bytes < pa || pa + bytes > f->pa_limit)
		return -MMK_ERANGE;
	struct mmk_mmu_batch own;
	if (!batch) {
		mmk_mmu_batch_begin(&own, s, NULL, NULL);
		batch = &own;
	}
	if ((flags & MMK_PROT_EXEC) && f->sync_exec)
		f->sync_exec(mmu, pa, bytes);
	unsigned level = f->sizes[size].level;
	mmk_paddr_t old = addr_of(f, at.e, f->sizes[size].addr);
	mmk_pte_t e = pa_bits(f, pa) | encode_leaf(mmu, flags, size, !s->is_kernel);
	if (f->break_before_make) { /* a new output address: invalid, invalidated, then new */
		for (unsigned c = 0; c < copies(f, size); c++)
			store(f, at.table, at.index + c, 0);
		struct mmk_mmu_batch now;
		mmk_mmu_batch_begin(&now, s, NULL, NULL);
		batch_page(&now, va, level, false);
		batch_flush(&now);
	}
	if (level == root_level(f))
		set_root_entry(s, at.table, at.index, va, e);
	else
		fill(f, at.table, at.index, 1, copies(f, size), e, 0);
	batch_page(batch, va, level, false);
	batch_free(batch, old, bytes);
	if (f->publish)
		f->publish(mmu);
	if (batch == &own)
		mmk_mmu_batch_finish(&own);
	return 0;
}

/* ------------------------------------------------------------ query, walk */

int mmk_mmu_query(const struct mmk_mmu_space *s, mmk_vaddr_t va, struct mmk_mmu_mapping *out)
{
	if (!s->mmu)
		return -MMK_EINVAL; /* never created, or destroyed */
	const struct mmk_pt_format *f = s->mmu->fmt;
	if (!s->is_kernel && va >= f->kernel_base && va < f->kernel_end)
		s = &s->mmu->kernel; /* what the CPU translates there in every space */
	if (va < half_lo(s) || va >= half_hi(s))
		return -MMK_ENOENT;
	struct slot at;
	unsigned size;
	if (cached_last_level(s, va, &at) && small_leaf(f, at.e)) {
		*out = mapping_of(s->mmu, va, at.e, 0);
		return 0;
	}
	if (!leaf_at(s, va, &at, &size))
		return -MMK_ENOENT;
	*out = mapping_of(s->mmu, va, load(s->mmu->fmt, at.table, at.index), size);
	return 0;
}

struct walker {
	const struct mmk_mmu_space *s;
	uint64_t start, end; /* inclusive end */
	int (*visit)(void *ctx, const struct mmk_mmu_mapping *m);
	void *ctx;
};

static int walk_table(const struct walker *w, const void *t, unsigned level, uint64_t base)
{
	const struct mmk_pt_format *f = w->s->mmu->fmt;
	unsigned first, last;
	touched(f, level, base, w->start, w->end + 1, &first, &last);
	for (unsigned i = first; i <= last; i++) {
		uint64_t lo = base + (uint64_t)i * span(f, level);
		mmk_pte_t e = load(f, t, i);
		if (!valid(f, e))
			continue;
		int r = 0;
		if (is_table(f, level, e)) {
			mmk_paddr_t pa = addr_of(f, e, f->level[level].table_addr);
			r = walk_table(w, table_of(w->s, level - 1, lo, pa), level - 1, lo);
		} else {
			int size = leaf_size(f, level, e);
			if (size < 0 || (i & (copies(f, (unsigned)size) - 1)) != 0)
				continue; /* a repeated leaf is reported at its first entry */
			struct mmk_mmu_mapping m = mapping_of(w->s->mmu, lo, e, (unsigned)size);
			if (m.va + (size_bytes(f, (unsigned)size) - 1) < w->start)
				continue;
			r = w->visit(w->ctx, &m);
		}
		if (r)
			return r;
	}
	return 0;
}

/* The lowest address the root of s covers (the kernel root of a split format: the top). */
static uint64_t root_base(const struct mmk_mmu_space *s)
{
	const struct mmk_pt_format *f = s->mmu->fmt;
	uint64_t tspan = table_span(f, root_level(f));
	return s->is_kernel && tspan ? mmk_align_down(f->kernel_base, tspan) : 0;
}

int mmk_mmu_walk(const struct mmk_mmu_space *s, mmk_vaddr_t start, mmk_vaddr_t end,
		 int (*visit)(void *ctx, const struct mmk_mmu_mapping *m), void *ctx)
{
	if (!s->mmu)
		return -MMK_EINVAL; /* never created, or destroyed */
	const struct mmk_pt_format *f = s->mmu->fmt;
	uint64_t lo = start > half_lo(s) ? start : half_lo(s);
	uint64_t hi = end < half_hi(s) ? end : half_hi(s);
	if (lo >= hi)
		return 0;
	struct walker w = {s, lo, hi - 1, visit, ctx};
	return walk_table(&w, table_of(s, root_level(f), lo, s->root), root_level(f), root_base(s));
}

/* ------------------------------------------------------------ accessed, dirty */

struct ad_arg {
	unsigned clear;
	int (*visit)(void *ctx, const struct mmk_mmu_mapping *m);
	void *ctx;
	int result;
};

static void clear_leaves(struct mmk_mmu_space *s, const struct slot *at, mmk_vaddr_t va,
			 unsigned size, unsigned n, void *arg, struct mmk_mmu_batch *b)
{
	struct mmk_mmu *mmu = s->mmu;
	const struct mmk_pt_format *f = mmu->fmt;
	struct ad_arg *a = arg;
	unsigned reps = copies(f, size);
	mmk_vsize_t bytes = (mmk_vsize_t)size_bytes(f, size);
	mmk_pte_t bits = (a->clear & MMK_MAP_ACCESSED ? f->accessed : 0) |
			 (a->clear & MMK_MAP_DIRTY ? f->dirty : 0);
	for (unsigned k = 0; k < n && a->result == 0; k++) {
		unsigned i = at->index + k * reps;
		mmk_pte_t e = load(f, at->table, i);
		struct mmk_mmu_mapping m = mapping_of(mmu, va + k * bytes, e, size);
		if ((e & bits) && f->sizes[size].level == root_level(f)) {
			set_root_entry(s, at->table, i, va + k * bytes, e & ~bits); /* every root's copy */
			batch_page(b, va + k * bytes, f->sizes[size].level, false);
		} else if (e & bits) {
			for (unsigned c = 0; c < reps; c++)
				store(f, at->table, i + c, load(f, at->table, i + c) & ~bits);
			batch_page(b, va + k * bytes, f->sizes[size].level, false);
		}
		a->result = a->visit(a->ctx, &m);
	}
}

int mmk_mmu_set_referenced(struct mmk_mmu_space *s, mmk_vaddr_t va, bool write)
{
	const struct mmk_pt_format *f = s->mmu->fmt;
	if (!s->is_kernel && va >= f->kernel_base && va < f->kernel_end)
		s = &s->mmu->kernel; /* what the CPU translates there in every space */
	if (va < half_lo(s) || va >= half_hi(s))
		return -MMK_ENOENT;
	struct slot at;
	unsigned size;
	if (!leaf_at(s, va, &at, &size))
		return -MMK_ENOENT;
	if (write && !(decode_leaf(s->mmu, at.e, size) & MMK_PROT_WRITE))
		return -MMK_EPERM;
	mmk_pte_t bits = f->accessed | (write ? f->dirty : 0);
	if (bits == 0 || (at.e & bits) == bits)
		return 0; /* nothing to set: the fault came from elsewhere (a stale entry) */
	mmk_vaddr_t start = (mmk_vaddr_t)mmk_align_down(va, size_bytes(f, size));
	if (f->sizes[size].level == root_level(f))
		set_root_entry(s, at.table, at.index, start, at.e | bits);
	else
		for (unsigned c = 0; c < copies(f, size); c++)
			store(f, at.table, at.index + c, load(f, at.table, at.index + c) | bits);
	struct mmk_mmu_batch b; /* the faulting translation may be cached as it was */
	mmk_mmu_batch_begin(&b, s, NULL, NULL);
	batch_page(&b, start, f->sizes[size].level, false);
	if (f->publish)
		f->publish(s->mmu);
	mmk_mmu_batch_finish(&b);
	return 0;
}

/* Leaves of [va, va+size) that are mapped, one run at a time (holes skipped). */
int mmk_mmu_clear_accessed(struct mmk_mmu_space *s, mmk_vaddr_t va, mmk_vsize_t size,
			   unsigned clear,
			   int (*visit)(void *ctx, const struct mmk_mmu_mapping *m), void *ctx,
			   struct mmk_mmu_batch *batch)
{
	if (!s->mmu)
		return -MMK_EINVAL; /* never created, or destroyed */
	const struct mmk_pt_format *f = s->mmu->fmt;
	int err = check_batch(s, batch);
	if (!err)
		err = check_range(s, va, size);
	if (!err && (clear & ~(MMK_MAP_ACCESSED | MMK_MAP_DIRTY)))
		err = -MMK_EINVAL;
	if (err)
		return err;
	struct mmk_mmu_batch own;
	if (!batch) {
		mmk_mmu_batch_begin(&own, s, NULL, NULL);
		batch = &own;
	}
	struct ad_arg arg = {clear, visit, ctx, 0};
	uint64_t end = (uint64_t)va + size;
	for (uint64_t at = va; at < end && arg.result == 0;) {
		struct slot slot;
		unsigned sz;
		if (!leaf_at(s, at, &slot, &sz)) { /* skip to the next entry of that level */
			at = mmk_align_down(at, span(f, slot.level)) + span(f, slot.level);
			if (at == 0)
				break;
			continue;
		}
		uint64_t start = mmk_align_down(at, size_bytes(f, sz));
		clear_leaves(s, &slot, start, sz, 1, &arg, batch);
		at = start + size_bytes(f, sz);
		if (at == 0)
			break;
	}
	if (batch == &own)
		mmk_mmu_batch_finish(&own);
	return arg.result;
}

/* ------------------------------------------------------------ walks, printed */

unsigned mmk_mmu_walk_steps(const struct mmk_mmu_space *s, mmk_vaddr_t va,
			    struct mmk_mmu_walk_step *steps, unsigned max)
{
	if (!s->mmu)
		return 0;
	const struct mmk_pt_format *f = s->mmu->fmt;
	if (va < half_lo(s) || va >= half_hi(s))
		return 0;
	mmk_paddr_t pa = s->root;
	unsigned n = 0;
	for (unsigned l = root_level(f); n < max; l--) {
		void *t = table_of(s, l, va, pa);
		unsigned i = index_of(f, l, va);
		mmk_pte_t e = load(f, t, i);
		struct mmk_mmu_walk_step *st = &steps[n++];
		*st = (struct mmk_mmu_walk_step){l, i, e, pa, valid(f, e), false, 0};
		if (!st->valid)
			break;
		if (is_table(f, l, e)) {
			st->is_table = true;
			pa = addr_of(f, e, f->level[l].table_addr);
			if (l == 0)
				break;
			continue;
		}
		int size = leaf_size(f, l, e);
		st->page_shift = size < 0 ? 0 : f->sizes[size].shift;
		break;
	}
	return n;
}

static void print_flags(unsigned flags)
{
	mmk_printf("%s%s%s%s%s%s%s", flags & MMK_PROT_WRITE ? " W" : " R",
		   flags & MMK_PROT_EXEC ? " X" : "", flags & MMK_PROT_USER ? " U" : "",
		   flags & MMK_PROT_GLOBAL ? " G" : "",
		   (flags & MMK_CACHE_MASK) == MMK_CACHE_UC   ? " UC"
		   : (flags & MMK_CACHE_MASK) == MMK_CACHE_WC ? " WC"
		   : (flags & MMK_CACHE_MASK) == MMK_CACHE_WT ? " WT"
							      : "",
		   flags & MMK_MAP_ACCESSED ? " A" : "", flags & MMK_MAP_DIRTY ? " D" : "");
}

void mmk_mmu_print_walk(const struct mmk_mmu_space *s, mmk_vaddr_t va)
{
	const struct mmk_pt_format *f = s->mmu->fmt;
	struct mmk_mmu_walk_step steps[MMK_PT_MAX_LEVELS];
	unsigned n = mmk_mmu_walk_steps(s, va, steps, MMK_PT_MAX_LEVELS);
	mmk_printf("walk of 0x%llx (%s root 0x%llx):\n", (unsigned long long)va, f->name,
		   (unsigned long long)s->root);
	if (n == 0)
		mmk_printf("  outside this space's half\n");
	for (unsigned k = 0; k < n; k++) {
		const struct mmk_mmu_walk_step *st = &steps[k];
		if (f->entry_bytes == 8)
			mmk_printf("  %-5s[%4u] = 0x%016llx", f->level[st->level].name, st->index,
				   (unsigned long long)st->entry);
		else
			mmk_printf("  %-5s[%4u] = 0x%08llx", f->level[st->level].name, st->index,
				   (unsigned long long)st->entry);
		if (!st->valid) {
			mmk_printf(" not present\n");
		} else if (st->is_table) {
			mmk_printf(" table at 0x%llx\n",
				   (unsigned long long)addr_of(f, st->entry, f->level[st->level].table_addr));
		} else {
			int size = leaf_size(f, st->level, st->entry);
			if (size < 0) {
				mmk_printf(" reserved encoding\n");
				continue;
			}
			struct mmk_mmu_mapping m = mapping_of(s->mmu, va, st->entry, (unsigned)size);
			mmk_printf(" page %u KiB at 0x%llx", (unsigned)(size_bytes(f, (unsigned)size) >> 10),
				   (unsigned long long)m.pa);
			print_flags(m.flags);
			mmk_printf("\n");
		}
	}
}

/* ------------------------------------------------------------ spaces */

static void space_list_add(struct mmk_mmu *mmu, struct mmk_mmu_space *space)
{
	struct mmk_mmu_space **p = &mmu->spaces;
	while (*p)
		p = &(*p)->next;
	space->next = NULL;
	*p = space;
}

static void space_list_remove(struct mmk_mmu *mmu, struct mmk_mmu_space *space)
{
	for (struct mmk_mmu_space **p = &mmu->spaces; *p; p = &(*p)->next) {
		if (*p == space) {
			*p = space->next;
			return;
		}
	}
}

static bool space_listed(const struct mmk_mmu *mmu, const struct mmk_mmu_space *space)
{
	for (const struct mmk_mmu_space *t = mmu->spaces; t; t = t->next)
		if (t == space)
			return true;
	return false;
}

void mmk_pt_setup(struct mmk_mmu *mmu, const struct mmk_pt_format *format, struct mmk_pmm *pmm,
		  uint64_t features)
{
	*mmu = (struct mmk_mmu){.fmt = format, .pmm = pmm, .features = features,
				.flush_threshold = format->flush_threshold ? format->flush_threshold
									   : MMK_PT_FLUSH_THRESHOLD};
	MMK_ASSERT(copies(format, 0) == 1); /* the smallest page is one entry (pt.h) */
	MMK_ASSERT(format->entry_bytes <= sizeof(uintptr_t)); /* no wider entries than words */
	leaf_tables(mmu);
	cache_drop(mmu);
	for (unsigned i = 0; i < format->size_count; i++)
		if (size_usable(mmu, i))
			mmu->page_shifts |= 1u << format->sizes[i].shift;
}

/*
 * A new root, the way most formats want it: zeroed, and where every space shares the
 * kernel's root entries, those copied from the kernel's root (later ones are written
 * into every root by set_root_entry).
 */
static int root_fill(struct mmk_mmu *mmu, struct mmk_mmu_space *space, unsigned order)
{
	const struct mmk_pt_format *f = mmu->fmt;
	for (unsigned k = 0; k < (1u << order); k++)
		zero_bytes(frame_of(mmu, space->root + (mmk_paddr_t)k * MMK_PAGE_SIZE), MMK_PAGE_SIZE);
	if (space->is_kernel || !f->shared_kernel_root)
		return 0;
	unsigned top = root_level(f);
	void *root = table_of(space, top, f->user_base, space->root);
	const void *kernel = table_of(&mmu->kernel, top, f->kernel_base, mmu->kernel.root);
	for (unsigned i = index_of(f, top, f->kernel_base); i < (1u << f->level[top].bits); i++)
		store(f, root, i, load(f, kernel, i));
	return 0;
}

int mmk_pt_root_create(struct mmk_mmu *mmu, struct mmk_mmu_space *space, bool kernel)
{
	const struct mmk_pt_format *f = mmu->fmt;
	unsigned order = kernel ? f->kernel_root_order : f->user_root_order;
	mmk_paddr_t pa;
	int err = order == 0 ? alloc_table_frame(mmu, &pa) : mmk_pmm_alloc_block(mmu->pmm, order, &pa);
	if (err)
		return err;
	*space = (struct mmk_mmu_space){.mmu = mmu, .root = pa, .is_kernel = kernel};
	err = f->root_init ? f->root_init(mmu, space) : root_fill(mmu, space, order);
	if (err) {
		MMK_ASSERT(mmk_pmm_free_block(mmu->pmm, pa, order) == 0);
		*space = (struct mmk_mmu_space){0};
		return err;
	}
	space_list_add(mmu, space);
	return 0;
}

int mmk_mmu_space_create(struct mmk_mmu *mmu, struct mmk_mmu_space *space)
{
	return mmk_pt_root_create(mmu, space, false);
}

/* Hands every leaf under table t (level, from base) to the batch and frees its tables. */
static void free_tree(struct mmk_mmu_space *s, void *t, unsigned level, uint64_t base,
		      uint64_t lo, uint64_t hi, struct mmk_mmu_batch *b)
{
	const struct mmk_pt_format *f = s->mmu->fmt;
	unsigned first, last;
	touched(f, level, base, lo, hi, &first, &last);
	for (unsigned i = first; i <= last; i++) {
		uint64_t start = base + (uint64_t)i * span(f, level);
		mmk_pte_t e = load(f, t, i);
		if (!valid(f, e))
			continue;
		if (!is_table(f, level, e)) {
			int size = leaf_size(f, level, e);
			if (size >= 0 && (i & (copies(f, (unsigned)size) - 1)) == 0)
				batch_free(b, addr_of(f, e, f->sizes[size].addr),
					   size_bytes(f, (unsigned)size));
			store(f, t, i, 0);
			continue;
		}
		mmk_paddr_t child = addr_of(f, e, f->level[level].table_addr);
		free_tree(s, table_of(s, level - 1, start, child), level - 1, start, lo, hi, b);
		store(f, t, i, 0);
		if (!group_frame(f, t, level, i)) {
			batch_free(b, mmk_align_down(child, MMK_PAGE_SIZE), 0);
			s->table_pages--;
		}
	}
}

int mmk_mmu_space_destroy(struct mmk_mmu_space *space,
			  void (*release)(void *ctx, mmk_paddr_t pa, uint64_t size), void *ctx)
{
	struct mmk_mmu *mmu = space->mmu;
	if (!mmu || !space_listed(mmu, space))
		return -MMK_EINVAL;
	if (space->is_kernel)
		return -MMK_EINVAL;
	if (space == mmu->active)
		return -MMK_EBUSY;
	const struct mmk_pt_format *f = mmu->fmt;
	struct mmk_mmu_batch b;
	mmk_mmu_batch_begin(&b, space, release, ctx);
	b.all = true; /* the whole space goes: drop its tag */
	cache_drop(mmu);
	free_tree(space, table_of(space, root_level(f), f->user_base, space->root), root_level(f), 0,
		  f->user_base, f->user_end, &b);
	mmk_mmu_batch_finish(&b);
	MMK_ASSERT(space->table_pages == 0);
	if (f->root_fini)
		f->root_fini(mmu, space);
	space_list_remove(mmu, space);
	MMK_ASSERT(mmk_pmm_free_block(mmu->pmm, space->root, f->user_root_order) == 0);
	space->mmu = NULL;
	return 0;
}

void mmk_pt_kernel_teardown(struct mmk_mmu *mmu)
{
	const struct mmk_pt_format *f = mmu->fmt;
	struct mmk_mmu_space *k = &mmu->kernel;
	struct mmk_mmu_batch b;
	mmk_mmu_batch_begin(&b, k, NULL, NULL);
	cache_drop(mmu);
	free_tree(k, table_of(k, root_level(f), f->kernel_base, k->root), root_level(f),
		  root_base(k), f->kernel_base, f->kernel_end, &b);
	b.all = true; /* never active, but its tables may be cached through windows (i386) */
	batch_flush(&b);
	if (f->root_fini)
		f->root_fini(mmu, k);
	space_list_remove(mmu, k);
	MMK_ASSERT(mmk_pmm_free_block(mmu->pmm, k->root, f->kernel_root_order) == 0);
	k->mmu = NULL;
}

unsigned mmk_pt_space_tag(struct mmk_mmu_space *space)
{
	bool rolled_over;
	struct mmk_mmu *mmu = space->mmu;
	space->asid = mmk_asid_activate(&mmu->asids, &space->asid_generation, &rolled_over);
	return space->asid;
}

void mmk_pt_activated(struct mmk_mmu_space *space)
{
	space->mmu->active = space;
	space->mmu->stats.space_switches++;
}

void mmk_pt_flush_all(void *mmu)
{
	struct mmk_mmu *m = mmu;
	invalidate_pages(&m->kernel, NULL, 0, true);
}

void *mmk_mmu_frame_pointer(struct mmk_mmu *mmu, mmk_paddr_t pa)
{
	return frame_of(mmu, pa);
}

void *mmk_mmu_kernel_pointer(struct mmk_mmu *mmu, mmk_vaddr_t va)
{
	return mmu->fmt->kernel_pointer(va);
}

void mmk_mmu_zero_frame(struct mmk_mmu *mmu, mmk_paddr_t pa)
{
	void *page = frame_of(mmu, pa);
	if (mmu->fmt->zero_page)
		mmu->fmt->zero_page(page);
	else
		zero_bytes(page, MMK_PAGE_SIZE);
}

void mmk_mmu_copy_frame(struct mmk_mmu *mmu, mmk_paddr_t dst, mmk_paddr_t src)
{
	const struct mmk_pt_format *f = mmu->fmt;
	const void *from = f->source_frame ? f->source_frame(mmu, src) : frame_of(mmu, src);
	void *to = frame_of(mmu, dst);
	if (f->copy_page) {
		f->copy_page(to, from);
		return;
	}
	const uint64_t *w = from;
	uint64_t *d = to;
	for (unsigned i = 0; i < MMK_PAGE_SIZE / 8; i++)
		d[i] = w[i];
}

void *mmk_mmu_root_pointer(const struct mmk_mmu_space *space)
{
	const struct mmk_pt_format *f = space->mmu->fmt;
	return table_of(space, root_level(f), space->is_kernel ? f->kernel_base : f->user_base,
			space->root);
}

unsigned mmk_mmu_page_shifts(const struct mmk_mmu *mmu)
{
	return mmu->page_shifts;
}

mmk_vaddr_t mmk_mmu_user_base(const struct mmk_mmu *mmu)
{
	return mmu->fmt->user_base;
}

mmk_vaddr_t mmk_mmu_user_end(const struct mmk_mmu *mmu)
{
	return mmu->fmt->user_end;
}

mmk_vaddr_t mmk_mmu_kernel_base(const struct mmk_mmu *mmu)
{
	return mmu->fmt->kernel_base;
}
