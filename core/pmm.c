/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The physical memory manager: a binary buddy allocator (see include/mmukit/pmm.h).
 *
 * frames[i] describes frame base_pfn + i. Exactly the first frame of each block, free
 * or allocated, is a head (state FREE or ALLOCATED, with the block's order); every
 * other owned frame is a TAIL; frames the PMM does not own are NOT_OWNED. Every
 * operation keeps that invariant in O(1) per head it creates or removes, so checking an
 * argument is one look at one frame.
 *
 * Buddies are found by absolute frame number (pfn ^ 2^order), so a block of order k
 * always starts at a physical address aligned to 2^k frames.
 */
#include <mmukit/errno.h>
#include <mmukit/pmm.h>
#include <mmukit/services.h>

enum frame_state {
	FRAME_NOT_OWNED = 0, /* a hole or a reserved frame; what zeroed metadata says */
	FRAME_TAIL,          /* owned, inside a block but not its first frame */
	FRAME_FREE,          /* first frame of a free block */
	FRAME_ALLOCATED,     /* first frame of an allocated block */
	FRAME_CACHED,        /* a free single frame in the cache, outside the lists */
};

struct pmm_frame {
	uint32_t next;     /* free list: next head index, or MMK_PMM_NONE */
	uint32_t prev;     /* free list: previous head index, or MMK_PMM_NONE */
	uint32_t refcount; /* allocated heads only */
	uint8_t order;     /* heads only */
	uint8_t state;     /* enum frame_state */
	uint16_t unused;
};

_Static_assert(sizeof(struct pmm_frame) == 16, "pmm_frame is documented as 16 bytes");

static uint64_t frames_in_order(unsigned order)
{
	return (uint64_t)1 << order;
}

/* ------------------------------------------------------------------ free lists */

static void list_push(struct mmk_pmm *pmm, uint32_t idx, unsigned order)
{
	struct pmm_frame *f = &pmm->frames[idx];
	f->state = FRAME_FREE;
	f->order = (uint8_t)order;
	f->refcount = 0;
	f->prev = MMK_PMM_NONE;
	f->next = pmm->free_head[order];
	if (f->next != MMK_PMM_NONE)
		pmm->frames[f->next].prev = idx;
	pmm->free_head[order] = idx;
	pmm->free_blocks[order]++;
	pmm->free_frames += frames_in_order(order);
}

static void list_remove(struct mmk_pmm *pmm, uint32_t idx)
{
	struct pmm_frame *f = &pmm->frames[idx];
	unsigned order = f->order;
	if (f->prev != MMK_PMM_NONE)
		pmm->frames[f->prev].next = f->next;
	else
		pmm->free_head[order] = f->next;
	if (f->next != MMK_PMM_NONE)
		pmm->frames[f->next].prev = f->prev;
	f->next = f->prev = MMK_PMM_NONE;
	pmm->free_blocks[order]--;
	pmm->free_frames -= frames_in_order(order);
}

/* ------------------------------------------------------------------ set-up */

/*
 * The whole frames [lo, hi) of a usable range (starts rounded up, ends down to 4 KiB);
 * false when it is not usable or holds no whole frame.
 */
static bool range_frames(const struct mmk_memrange *r, uint64_t *lo, uint64_t *hi)
{
	if (r->type != MMK_MEM_USABLE || r->base > UINT64_MAX - (MMK_PAGE_SIZE - 1))
		return false;
	*lo = (r->base + MMK_PAGE_SIZE - 1) >> MMK_PAGE_SHIFT;
	*hi = (r->base + r->size) >> MMK_PAGE_SHIFT;
	if (r->base + r->size < r->base) /* reaches 2^64 */
		*hi = UINT64_MAX >> MMK_PAGE_SHIFT;
	return *lo < *hi;
}

/* The frame numbers [first, end) spanned by the map's usable whole frames. */
static bool usable_span(const struct mmk_memmap *map, uint64_t *first, uint64_t *end)
{
	bool any = false;
	for (unsigned i = 0; i < map->count; i++) {
		uint64_t lo, hi;
		if (!range_frames(&map->range[i], &lo, &hi))
			continue;
		if (!any || lo < *first)
			*first = lo;
		if (!any || hi > *end)
			*end = hi;
		any = true;
	}
	return any;
}

size_t mmk_pmm_metadata_size(const struct mmk_memmap *map)
{
	uint64_t first, end;
	if (!usable_span(map, &first, &end) || end - first >= MMK_PMM_NONE ||
	    end - first > SIZE_MAX / sizeof(struct pmm_frame))
		return 0; /* frame indexes are 32-bit; a 32-bit size_t caps it lower */
	return (size_t)((end - first) * sizeof(struct pmm_frame));
}

/* Largest order a block starting at pfn can have without passing end. */
static unsigned largest_fit(uint64_t pfn, uint64_t end)
{
	unsigned order = 0;
	while (order < MMK_PMM_MAX_ORDER && (pfn & frames_in_order(order)) == 0 &&
	       pfn + frames_in_order(order + 1) <= end)
		order++;
	return order;
}

/* Hands the whole frames [lo, hi) to the free lists as the largest aligned blocks. */
static void add_free_frames(struct mmk_pmm *pmm, uint64_t lo, uint64_t hi)
{
	for (uint64_t pfn = lo; pfn < hi; pfn++)
		pmm->frames[pfn - pmm->base_pfn].state = FRAME_TAIL;
	while (lo < hi) {
		unsigned order = largest_fit(lo, hi);
		list_push(pmm, (uint32_t)(lo - pmm->base_pfn), order);
		lo += frames_in_order(order);
	}
}

int mmk_pmm_init(struct mmk_pmm *pmm, const struct mmk_memmap *map, void *meta, size_t meta_size)
{
	uint64_t first, end;
	if (!usable_span(map, &first, &end))
		return -MMK_EINVAL;
	size_t need = mmk_pmm_metadata_size(map);
	if (need == 0)
		return -MMK_ERANGE; /* 2^32 frames or more, or a size_t too small */
	if (meta_size < need || meta == NULL)
		return -MMK_ENOMEM;
	if (!mmk_is_aligned((uintptr_t)meta, 8))
		return -MMK_EALIGN;

	*pmm = (struct mmk_pmm){0};
	pmm->base_pfn = first;
	pmm->span = end - first;
	pmm->frames = meta;
	for (unsigned k = 0; k <= MMK_PMM_MAX_ORDER; k++)
		pmm->free_head[k] = MMK_PMM_NONE;
	for (uint64_t i = 0; i < pmm->span; i++)
		pmm->frames[i] = (struct pmm_frame){MMK_PMM_NONE, MMK_PMM_NONE, 0, 0, FRAME_NOT_OWNED, 0};

	for (unsigned i = 0; i < map->count; i++) {
		uint64_t lo, hi;
		if (range_frames(&map->range[i], &lo, &hi)) {
			add_free_frames(pmm, lo, hi);
			pmm->total_frames += hi - lo;
		}
	}
	return 0;
}

int mmk_pmm_init_boot(struct mmk_pmm *pmm, struct mmk_memmap *map, mmk_paddr_t meta_limit,
		  void *(*phys_to_virt)(mmk_paddr_t pa))
{
	size_t need = mmk_pmm_metadata_size(map);
	if (need == 0)
		return mmk_pmm_init(pmm, map, NULL, 0); /* says why: EINVAL or ERANGE */
	mmk_psize_t size = mmk_align_up(need, MMK_PAGE_SIZE);
	mmk_paddr_t pa;
	int err = mmk_memmap_find_usable(map, size, meta_limit, &pa);
	if (err)
		return err;
	err = mmk_memmap_set(map, pa, size, MMK_MEM_PMM);
	if (err)
		return err;
	/* Reserving the metadata can only shrink the span, so size is still enough. */
	err = mmk_pmm_init(pmm, map, phys_to_virt(pa), (size_t)size);
	if (err) {
		MMK_ASSERT(mmk_memmap_set(map, pa, size, MMK_MEM_USABLE) == 0);
		return err;
	}
	return 0;
}

/* ------------------------------------------------------------------ alloc / free */

void mmk_pmm_inject_failure(struct mmk_pmm *pmm, uint64_t nth)
{
	pmm->fail_after = nth;
}

/* True when the injected failure is due now. */
static bool injected_failure(struct mmk_pmm *pmm)
{
	if (pmm->fail_after == 0)
		return false;
	return --pmm->fail_after == 0;
}

static void take_frame(struct mmk_pmm *pmm, uint32_t idx, unsigned order, mmk_paddr_t *pa)
{
	struct pmm_frame *f = &pmm->frames[idx];
	f->state = FRAME_ALLOCATED;
	f->order = (uint8_t)order;
	f->refcount = 1;
	*pa = (pmm->base_pfn + idx) << MMK_PAGE_SHIFT;
}

static void release_block(struct mmk_pmm *pmm, uint32_t idx, unsigned order);

void mmk_pmm_drain_cache(struct mmk_pmm *pmm)
{
	while (pmm->cached > 0) {
		uint32_t idx = pmm->cache[--pmm->cached];
		pmm->free_frames--; /* release_block counts it again */
		release_block(pmm, idx, 0);
	}
}

/* The smallest order >= order with a free block, or MMK_PMM_MAX_ORDER + 1. */
static unsigned smallest_free_order(const struct mmk_pmm *pmm, unsigned order)
{
	unsigned k = order;
	while (k <= MMK_PMM_MAX_ORDER && pmm->free_head[k] == MMK_PMM_NONE)
		k++;
	return k;
}

int mmk_pmm_alloc_block(struct mmk_pmm *pmm, unsigned order, mmk_paddr_t *pa)
{
	if (order > MMK_PMM_MAX_ORDER)
		return -MMK_EINVAL;
	if (injected_failure(pmm))
		return -MMK_ENOMEM; /* before the cache is drained: nothing has moved */
	if (order == 0 && pmm->cached > 0) {
		pmm->free_frames--;
		take_frame(pmm, pmm->cache[--pmm->cached], 0, pa);
		return 0;
	}
	unsigned k = smallest_free_order(pmm, order);
	if (k > MMK_PMM_MAX_ORDER && pmm->cached > 0) {
		mmk_pmm_drain_cache(pmm); /* cached frames may merge into what is asked */
		k = smallest_free_order(pmm, order);
	}
	if (k > MMK_PMM_MAX_ORDER)
		return -MMK_ENOMEM;

	uint32_t idx = pmm->free_head[k];
	list_remove(pmm, idx);
	while (k > order) { /* split: keep the lower half, free the upper */
		k--;
		list_push(pmm, idx + (uint32_t)frames_in_order(k), k);
	}
	take_frame(pmm, idx, order, pa);
	return 0;
}

int mmk_pmm_alloc(struct mmk_pmm *pmm, mmk_paddr_t *pa)
{
	return mmk_pmm_alloc_block(pmm, 0, pa);
}

int mmk_pmm_alloc_below(struct mmk_pmm *pmm, mmk_paddr_t limit, mmk_paddr_t *pa)
{
	uint64_t limit_pfn = limit >> MMK_PAGE_SHIFT;
	for (unsigned i = 0; i < pmm->cached; i++) {
		uint32_t idx = pmm->cache[i];
		if (pmm->base_pfn + idx < limit_pfn) {
			if (injected_failure(pmm))
				return -MMK_ENOMEM;
			pmm->cache[i] = pmm->cache[--pmm->cached];
			pmm->free_frames--;
			take_frame(pmm, idx, 0, pa);
			return 0;
		}
	}
	for (unsigned k = 0; k <= MMK_PMM_MAX_ORDER; k++) {
		for (uint32_t idx = pmm->free_head[k]; idx != MMK_PMM_NONE; idx = pmm->frames[idx].next) {
			if (pmm->base_pfn + idx >= limit_pfn)
				continue;
			if (injected_failure(pmm))
				return -MMK_ENOMEM;
			list_remove(pmm, idx);
			while (k > 0) { /* keep the lowest frame: split, freeing upper halves */
				k--;
				list_push(pmm, idx + (uint32_t)frames_in_order(k), k);
			}
			take_frame(pmm, idx, 0, pa);
			return 0;
		}
	}
	return -MMK_ENOMEM;
}

/*
 * Finds the allocated block head for pa, checking everything a caller can get wrong.
 * order < 0 means "any order".
 */
static int lookup_allocated(const struct mmk_pmm *pmm, mmk_paddr_t pa, int order, uint32_t *idx)
{
	if (!mmk_is_aligned(pa, MMK_PAGE_SIZE))
		return -MMK_EALIGN;
	uint64_t pfn = pa >> MMK_PAGE_SHIFT;
	if (pfn < pmm->base_pfn || pfn - pmm->base_pfn >= pmm->span)
		return -MMK_ERANGE;
	uint32_t i = (uint32_t)(pfn - pmm->base_pfn);
	const struct pmm_frame *f = &pmm->frames[i];
	if (f->state == FRAME_NOT_OWNED)
		return -MMK_ERANGE;
	if (f->state != FRAME_ALLOCATED)
		return -MMK_ESTATE;
	if (order >= 0 && f->order != (unsigned)order)
		return -MMK_EINVAL;
	*idx = i;
	return 0;
}

/* The free head of order `order` that is idx's buddy, or MMK_PMM_NONE. */
static uint32_t free_buddy(const struct mmk_pmm *pmm, uint32_t idx, unsigned order)
{
	uint64_t pfn = pmm->base_pfn + idx;
	uint64_t buddy = pfn ^ frames_in_order(order);
	if (buddy < pmm->base_pfn || buddy - pmm->base_pfn >= pmm->span)
		return MMK_PMM_NONE;
	uint32_t b = (uint32_t)(buddy - pmm->base_pfn);
	const struct pmm_frame *f = &pmm->frames[b];
	if (f->state != FRAME_FREE || f->order != order)
		return MMK_PMM_NONE;
	return b;
}

/* Returns the block at idx to the free lists, merging with free buddies. */
static void release_block(struct mmk_pmm *pmm, uint32_t idx, unsigned order)
{
	while (order < MMK_PMM_MAX_ORDER) {
		uint32_t b = free_buddy(pmm, idx, order);
		if (b == MMK_PMM_NONE)
			break;
		list_remove(pmm, b);
		uint32_t upper = b > idx ? b : idx;
		pmm->frames[upper].state = FRAME_TAIL;
		idx = b < idx ? b : idx;
		order++;
	}
	list_push(pmm, idx, order);
}

int mmk_pmm_free_block(struct mmk_pmm *pmm, mmk_paddr_t pa, unsigned order)
{
	if (order > MMK_PMM_MAX_ORDER)
		return -MMK_EINVAL;
	uint32_t idx;
	int err = lookup_allocated(pmm, pa, (int)order, &idx);
	if (err)
		return err;
	if (--pmm->frames[idx].refcount > 0)
		return 0;
	if (order == 0 && pmm->cached < MMK_PMM_CACHE) {
		pmm->frames[idx].state = FRAME_CACHED;
		pmm->cache[pmm->cached++] = idx;
		pmm->free_frames++;
		return 0;
	}
	release_block(pmm, idx, order);
	return 0;
}

void mmk_pmm_release_frames(void *pmm, mmk_paddr_t pa, uint64_t size)
{
	for (uint64_t off = 0; off < size; off += MMK_PAGE_SIZE)
		MMK_ASSERT(mmk_pmm_free(pmm, pa + off) == 0);
}

int mmk_pmm_free(struct mmk_pmm *pmm, mmk_paddr_t pa)
{
	return mmk_pmm_free_block(pmm, pa, 0);
}

int mmk_pmm_ref(struct mmk_pmm *pmm, mmk_paddr_t pa)
{
	uint32_t idx;
	int err = lookup_allocated(pmm, pa, -1, &idx);
	if (err)
		return err;
	if (pmm->frames[idx].refcount == UINT32_MAX)
		return -MMK_ERANGE;
	pmm->frames[idx].refcount++;
	return 0;
}

uint32_t mmk_pmm_refcount(const struct mmk_pmm *pmm, mmk_paddr_t pa)
{
	uint32_t idx;
	if (lookup_allocated(pmm, pa, -1, &idx))
		return 0;
	return pmm->frames[idx].refcount;
}

int mmk_pmm_split_block(struct mmk_pmm *pmm, mmk_paddr_t pa, unsigned order)
{
	if (order > MMK_PMM_MAX_ORDER)
		return -MMK_EINVAL;
	uint32_t idx;
	int err = lookup_allocated(pmm, pa, (int)order, &idx);
	if (err)
		return err;
	uint32_t count = pmm->frames[idx].refcount;
	for (uint64_t j = 0; j < frames_in_order(order); j++) {
		struct pmm_frame *f = &pmm->frames[idx + j];
		f->state = FRAME_ALLOCATED;
		f->order = 0;
		f->refcount = count;
	}
	return 0;
}

bool mmk_pmm_owns(const struct mmk_pmm *pmm, mmk_paddr_t pa)
{
	uint64_t pfn = pa >> MMK_PAGE_SHIFT;
	if (pfn < pmm->base_pfn || pfn - pmm->base_pfn >= pmm->span)
		return false;
	return pmm->frames[pfn - pmm->base_pfn].state != FRAME_NOT_OWNED;
}

/* ------------------------------------------------------------------ reporting */

void mmk_pmm_get_stats(const struct mmk_pmm *pmm, struct mmk_pmm_stats *stats)
{
	stats->total_frames = pmm->total_frames;
	stats->free_frames = pmm->free_frames;
	stats->cached_frames = pmm->cached;
	stats->reserved_frames = pmm->span - pmm->total_frames;
	stats->metadata_bytes = pmm->span * sizeof(struct pmm_frame);
	for (unsigned k = 0; k <= MMK_PMM_MAX_ORDER; k++)
		stats->free_blocks[k] = pmm->free_blocks[k];
}

void mmk_pmm_print(const struct mmk_pmm *pmm)
{
	mmk_printf("pmm: %llu KiB usable, %llu KiB free, frames %llu-%llu, metadata %llu KiB\n",
		   (unsigned long long)(pmm->total_frames * 4),
		   (unsigned long long)(pmm->free_frames * 4),
		   (unsigned long long)pmm->base_pfn,
		   (unsigned long long)(pmm->base_pfn + pmm->span - 1),
		   (unsigned long long)(pmm->span * sizeof(struct pmm_frame) / 1024));
	mmk_printf("pmm: free blocks by order:");
	for (unsigned k = 0; k <= MMK_PMM_MAX_ORDER; k++)
		mmk_printf(" %llu", (unsigned long long)pmm->free_blocks[k]);
	mmk_printf("\n");
}

static int broken(const char *what, uint64_t idx)
{
	mmk_printf("mmk_pmm_check: %s (frame index %llu)\n", what, (unsigned long long)idx);
	return -MMK_ESTATE;
}

/* Checks one free list: links, heads, alignment, tails; adds up its frames. */
static int check_list(const struct mmk_pmm *pmm, unsigned order, uint64_t *blocks,
		      uint64_t *frames)
{
	uint32_t prev = MMK_PMM_NONE;
	for (uint32_t i = pmm->free_head[order]; i != MMK_PMM_NONE; i = pmm->frames[i].next) {
		if (i >= pmm->span)
			return broken("free list link outside the span", i);
		const struct pmm_frame *f = &pmm->frames[i];
		if (f->state != FRAME_FREE || f->order != order)
			return broken("free list entry is not a free head of its order", i);
		if (f->prev != prev)
			return broken("free list back link wrong", i);
		if (!mmk_is_aligned(pmm->base_pfn + i, frames_in_order(order)))
			return broken("free block not naturally aligned", i);
		if (i + frames_in_order(order) > pmm->span)
			return broken("free block runs past the span", i);
		if (order < MMK_PMM_MAX_ORDER && free_buddy(pmm, i, order) != MMK_PMM_NONE)
			return broken("two free buddies left unmerged", i);
		if (++*blocks > pmm->span)
			return broken("free list loops", i);
		*frames += frames_in_order(order);
		prev = i;
	}
	return 0;
}

/* Head of a block (free, cached or allocated), as opposed to a tail or a hole. */
static bool is_head(const struct pmm_frame *f)
{
	return f->state == FRAME_FREE || f->state == FRAME_ALLOCATED ||
	       f->state == FRAME_CACHED;
}

/*
 * Walks the span block by block: each head is naturally aligned, its block lies in the
 * span and is made of tails after the head; a tail never appears outside a block. Counts
 * the frames owned and the free, cached heads met.
 */
static int check_blocks(const struct mmk_pmm *pmm, uint64_t *owned, uint64_t *free_heads,
			uint64_t *cached)
{
	uint64_t i = 0;
	while (i < pmm->span) {
		const struct pmm_frame *f = &pmm->frames[i];
		if (f->state == FRAME_NOT_OWNED) {
			i++;
			continue;
		}
		if (!is_head(f))
			return broken(f->state == FRAME_TAIL ? "tail frame outside any block"
							     : "unknown frame state", i);
		if (f->order > MMK_PMM_MAX_ORDER)
			return broken("block order out of range", i);
		uint64_t n = frames_in_order(f->order);
		if (!mmk_is_aligned(pmm->base_pfn + i, n))
			return broken("block not naturally aligned", i);
		if (n > pmm->span - i)
			return broken("block runs past the span", i);
		if (f->state == FRAME_ALLOCATED && f->refcount == 0)
			return broken("allocated block with no reference", i);
		if (f->state == FRAME_CACHED && f->order != 0)
			return broken("cached block is not a single frame", i);
		*free_heads += f->state == FRAME_FREE;
		*cached += f->state == FRAME_CACHED;
		for (uint64_t j = 1; j < n; j++)
			if (pmm->frames[i + j].state != FRAME_TAIL)
				return broken("frame inside a block is not a tail", i + j);
		*owned += n;
		i += n;
	}
	return 0;
}

int mmk_pmm_check(const struct mmk_pmm *pmm)
{
	uint64_t free_frames = pmm->cached;
	if (pmm->cached > MMK_PMM_CACHE)
		return broken("cache count out of range", pmm->cached);
	for (unsigned i = 0; i < pmm->cached; i++)
		if (pmm->cache[i] >= pmm->span || pmm->frames[pmm->cache[i]].state != FRAME_CACHED)
			return broken("cache entry is not a cached frame", pmm->cache[i]);
	uint64_t owned = 0, free_heads = 0, cached = 0;
	int err = check_blocks(pmm, &owned, &free_heads, &cached);
	if (err)
		return err;
	uint64_t listed = 0;
	for (unsigned k = 0; k <= MMK_PMM_MAX_ORDER; k++) {
		uint64_t blocks = 0;
		err = check_list(pmm, k, &blocks, &free_frames);
		if (err)
			return err;
		if (blocks != pmm->free_blocks[k])
			return broken("free block count differs from the list", k);
		listed += blocks;
	}
	if (free_frames != pmm->free_frames)
		return broken("free frame count differs from the lists", 0);
	if (free_heads != listed)
		return broken("a free head is missing from the free lists", 0);
	if (owned != pmm->total_frames)
		return broken("owned frame count differs from the total", 0);
	if (cached != pmm->cached)
		return broken("cached frames differ from the cache (listed twice?)", 0);
	return 0;
}
