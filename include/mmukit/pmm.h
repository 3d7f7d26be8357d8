/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The physical memory manager: owns every usable frame of the boot memory map.
 *
 * Algorithm: a binary buddy allocator over a per-frame metadata array.
 *   Why: it gives single frames and naturally aligned blocks of 2^order frames
 *   (2 MiB = order 9, 1 GiB = order 18) in O(MMK_PMM_MAX_ORDER) time for both alloc and
 *   free, and merging on free keeps large blocks available; a bitmap needs a scan.
 *   Each frame has a 16-byte struct pmm_frame (32-bit free-list links, order, state,
 *   32-bit reference count), so the metadata costs 16 bytes per 4 KiB frame (0.39 %)
 *   over the span from the lowest to the highest usable frame (holes included: 36 MiB
 *   for QEMU's 8 GiB map, whose span is 9 GiB). Spans up to 2^32 frames (16 TiB).
 *
 * Single frames: a freed frame first goes to a small cache (MMK_PMM_CACHE frames, LIFO) in
 * front of the buddy lists, and mmk_pmm_alloc takes from it first, so an alloc/free loop
 * does not split a large block down and merge it back every time (Linux's per-CPU page
 * lists do the same). When a block allocation finds no block, the cache is drained
 * into the lists and it tries again; mmk_pmm_drain_cache does it on demand.
 *
 * Blocks: mmk_pmm_alloc_block returns the first frame of 2^order frames aligned to
 * 2^order * 4 KiB in physical address. The block carries one reference count (on its
 * first frame); mmk_pmm_ref adds a reference, mmk_pmm_free_block drops one and returns the block
 * to the free lists when the last one goes. mmk_pmm_split_block turns an allocated block
 * into 2^order allocated single frames (each with the block's count), so a large page
 * can later be unmapped piecewise.
 *
 * Bad input (a frame that is free, not owned, misaligned, outside RAM, an order that
 * does not match the allocation) returns an error and changes nothing. Out of memory is
 * -MMK_ENOMEM, never a panic. Not thread-safe: the caller serialises.
 */
#ifndef MMUKIT_PMM_H
#define MMUKIT_PMM_H

#include <mmukit/memmap.h>
#include <mmukit/types.h>

#define MMK_PMM_MAX_ORDER 18 /* 2^18 frames = 1 GiB */

struct pmm_frame; /* private to core/pmm.c */

#define MMK_PMM_NONE UINT32_MAX /* end of a free list */
#define MMK_PMM_CACHE 32        /* free single frames kept out of the buddy lists */

struct mmk_pmm {
	uint64_t base_pfn;         /* first frame number covered by frames[] */
	uint64_t span;             /* number of entries in frames[] (< 2^32) */
	struct pmm_frame *frames;  /* metadata, one per frame of the span */
	uint32_t free_head[MMK_PMM_MAX_ORDER + 1]; /* index of the first free block, or MMK_PMM_NONE */
	uint64_t free_blocks[MMK_PMM_MAX_ORDER + 1];
	uint64_t total_frames;     /* usable frames owned */
	uint64_t free_frames;      /* in the lists and in the cache */
	uint64_t fail_after;       /* test hook, see mmk_pmm_inject_failure; 0 = off */
	uint32_t cache[MMK_PMM_CACHE]; /* frame indexes of cached free single frames */
	unsigned cached;
};

struct mmk_pmm_stats {
	uint64_t total_frames;    /* usable frames the PMM owns */
	uint64_t free_frames;     /* of which free now (cached ones included) */
	uint64_t cached_frames;   /* free single frames in the cache, not in free_blocks */
	uint64_t reserved_frames; /* frames in the span it does not own */
	uint64_t metadata_bytes;
	uint64_t free_blocks[MMK_PMM_MAX_ORDER + 1]; /* free blocks per order */
};

/* Bytes of metadata mmk_pmm_init needs for this map (0: no usable frame, or a span too big). */
size_t mmk_pmm_metadata_size(const struct mmk_memmap *map);

/*
 * Takes ownership of every whole frame in the map's MMK_MEM_USABLE ranges, all free.
 * meta must hold mmk_pmm_metadata_size(map) bytes, aligned to 8; the PMM never touches the
 * frames themselves, only meta. Errors: MMK_EINVAL (no usable frame), MMK_ENOMEM
 * (meta_size too small), MMK_EALIGN (meta not 8-aligned), MMK_ERANGE (the span has
 * 2^32 frames or more, or its metadata would not fit in a size_t).
 */
int mmk_pmm_init(struct mmk_pmm *pmm, const struct mmk_memmap *map, void *meta, size_t meta_size);

/*
 * The boot path: finds room for the metadata in usable memory below meta_limit, marks it
 * MMK_MEM_PMM in the map, reaches it through phys_to_virt and calls mmk_pmm_init.
 * Errors: MMK_ENOMEM (no room), MMK_ENOSPC (the map is full), mmk_pmm_init's MMK_EINVAL and
 * MMK_ERANGE; the map is then unchanged.
 */
int mmk_pmm_init_boot(struct mmk_pmm *pmm, struct mmk_memmap *map, mmk_paddr_t meta_limit,
		  void *(*phys_to_virt)(mmk_paddr_t pa));

/* One frame, reference count 1. Errors: MMK_ENOMEM. */
int mmk_pmm_alloc(struct mmk_pmm *pmm, mmk_paddr_t *pa);

/* 2^order frames, naturally aligned, count 1. Errors: MMK_EINVAL (order too big), MMK_ENOMEM. */
int mmk_pmm_alloc_block(struct mmk_pmm *pmm, unsigned order, mmk_paddr_t *pa);

/*
 * One frame below limit (for tables a boot window must reach before the direct map
 * exists). Looks through the free lists: O(free blocks), meant for boot, not hot paths.
 * Errors: MMK_ENOMEM (none below limit).
 */
int mmk_pmm_alloc_below(struct mmk_pmm *pmm, mmk_paddr_t limit, mmk_paddr_t *pa);

/* Drops one reference to the frame at pa; frees it with the last. Same as order 0 below. */
int mmk_pmm_free(struct mmk_pmm *pmm, mmk_paddr_t pa);

/*
 * Drops one reference to each single frame of [pa, pa+size), in the shape of an MMU
 * batch's release callback (include/mmukit/mmu.h): ctx is the struct mmk_pmm. Every frame
 * must be an allocated single frame (a broken rule panics: the caller's invariant).
 */
void mmk_pmm_release_frames(void *pmm, mmk_paddr_t pa, uint64_t size);

/*
 * Drops one reference to the block of 2^order frames at pa, freeing it with the last.
 * Errors: MMK_EALIGN (pa not frame-aligned), MMK_ERANGE (not a frame the PMM owns),
 * MMK_ESTATE (free already, or not the first frame of an allocated block),
 * MMK_EINVAL (order is not the block's order).
 */
int mmk_pmm_free_block(struct mmk_pmm *pmm, mmk_paddr_t pa, unsigned order);

/*
 * Test hook for out-of-memory paths: the nth allocation from now (n >= 1; alloc,
 * alloc_block or alloc_below) fails with MMK_ENOMEM, and injection is then off again. n = 0 turns it off.
 */
void mmk_pmm_inject_failure(struct mmk_pmm *pmm, uint64_t nth);

/*
 * Adds a reference to the allocated block starting at pa. Errors as mmk_pmm_free_block, and
 * MMK_ERANGE when the count would overflow.
 */
int mmk_pmm_ref(struct mmk_pmm *pmm, mmk_paddr_t pa);

/* Reference count of the allocated block starting at pa; 0 if free, not a block start or not owned. */
uint32_t mmk_pmm_refcount(const struct mmk_pmm *pmm, mmk_paddr_t pa);

/* Turns the allocated block at pa of the given order into single frames. Errors as mmk_pmm_free_block. */
int mmk_pmm_split_block(struct mmk_pmm *pmm, mmk_paddr_t pa, unsigned order);

/* True when the frame containing pa is one the PMM owns (free or allocated). */
bool mmk_pmm_owns(const struct mmk_pmm *pmm, mmk_paddr_t pa);

void mmk_pmm_get_stats(const struct mmk_pmm *pmm, struct mmk_pmm_stats *stats);

/* Returns every cached single frame to the buddy lists (merging as it goes). */
void mmk_pmm_drain_cache(struct mmk_pmm *pmm);

/*
 * Validates every invariant (free lists consistent with frame states, blocks aligned
 * and inside owned memory, counters equal to what the lists hold). Returns 0 or
 * -MMK_ESTATE after printing the first broken invariant.
 */
int mmk_pmm_check(const struct mmk_pmm *pmm);

/* Prints totals and the free blocks per order. */
void mmk_pmm_print(const struct mmk_pmm *pmm);

#endif
