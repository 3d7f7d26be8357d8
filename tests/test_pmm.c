/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Tests for the physical memory manager (core/pmm.c).
 *
 * Suite pmm: private instances over small hand-made maps (static metadata).
 * Suite pmm_boot: the environment's PMM, built on the real boot memory map inside each
 * kernel and on a simulated QEMU-like map on the host.
 */
#include <mmukit/errno.h>
#include <mmukit/ktest.h>
#include <mmukit/pmm.h>

#define FRAME(n) ((mmk_paddr_t)(n) << MMK_PAGE_SHIFT)

static struct mmk_pmm p;
static struct mmk_memmap map;
static uint64_t meta[4096]; /* 32 KiB: spans up to 2048 frames */

/* Builds p over map; returns the mmk_pmm_init result. */
static int build(void)
{
	return mmk_pmm_init(&p, &map, meta, sizeof(meta));
}

/* 64 usable frames at frame numbers 1..64, a reserved frame 65, 8 usable 66..73. */
static int build_small(void)
{
	mmk_memmap_init(&map);
	mmk_memmap_add(&map, FRAME(1), FRAME(64), MMK_MEM_USABLE);
	mmk_memmap_add(&map, FRAME(65), FRAME(1), MMK_MEM_RESERVED);
	mmk_memmap_add(&map, FRAME(66), FRAME(8), MMK_MEM_USABLE);
	return build();
}

static bool stats_equal(const struct mmk_pmm_stats *a, const struct mmk_pmm_stats *b)
{
	if (a->total_frames != b->total_frames || a->free_frames != b->free_frames ||
	    a->reserved_frames != b->reserved_frames)
		return false;
	for (unsigned k = 0; k <= MMK_PMM_MAX_ORDER; k++)
		if (a->free_blocks[k] != b->free_blocks[k])
			return false;
	return true;
}

KTEST(pmm, init_owns_exactly_the_usable_frames)
{
	struct mmk_pmm_stats s;
	KASSERT_EQ(build_small(), 0);
	mmk_pmm_get_stats(&p, &s);
	KEXPECT_EQ(s.total_frames, 72);
	KEXPECT_EQ(s.free_frames, 72);
	KEXPECT_EQ(s.reserved_frames, 1); /* frame 65, inside the span */
	KEXPECT_EQ(s.metadata_bytes, 73 * 16);
	KEXPECT_FALSE(mmk_pmm_owns(&p, FRAME(0)));
	KEXPECT_TRUE(mmk_pmm_owns(&p, FRAME(1)));
	KEXPECT_TRUE(mmk_pmm_owns(&p, FRAME(64) + 0x123));
	KEXPECT_FALSE(mmk_pmm_owns(&p, FRAME(65)));
	KEXPECT_TRUE(mmk_pmm_owns(&p, FRAME(73)));
	KEXPECT_FALSE(mmk_pmm_owns(&p, FRAME(74)));
	KEXPECT_EQ(mmk_pmm_check(&p), 0);
}

KTEST(pmm, free_memory_starts_as_largest_aligned_blocks)
{
	struct mmk_pmm_stats s;
	KASSERT_EQ(build_small(), 0);
	mmk_pmm_get_stats(&p, &s);
	/* 1..64: 1 (o0) 2 (o1) 4 (o2) 8 (o3) 16 (o4) 32 (o5) 64 (o0); 66..73: 66 (o1) 68 (o2) 72 (o1) */
	KEXPECT_EQ(s.free_blocks[0], 2);
	KEXPECT_EQ(s.free_blocks[1], 3);
	KEXPECT_EQ(s.free_blocks[2], 2);
	KEXPECT_EQ(s.free_blocks[3], 1);
	KEXPECT_EQ(s.free_blocks[4], 1);
	KEXPECT_EQ(s.free_blocks[5], 1);
	KEXPECT_EQ(s.free_blocks[6], 0);
}

KTEST(pmm, metadata_size_follows_the_usable_span)
{
	mmk_memmap_init(&map);
	KEXPECT_EQ(mmk_pmm_metadata_size(&map), 0);
	mmk_memmap_add(&map, 0x800, 0x800, MMK_MEM_USABLE); /* no whole frame */
	KEXPECT_EQ(mmk_pmm_metadata_size(&map), 0);
	mmk_memmap_add(&map, FRAME(10), FRAME(10), MMK_MEM_USABLE);
	mmk_memmap_add(&map, FRAME(100), FRAME(1), MMK_MEM_USABLE);
	KEXPECT_EQ(mmk_pmm_metadata_size(&map), 91 * 16);
	mmk_memmap_add(&map, FRAME(100), FRAME(1), MMK_MEM_KERNEL);
	KEXPECT_EQ(mmk_pmm_metadata_size(&map), 10 * 16);
}

KTEST(pmm, init_refuses_bad_maps_and_small_metadata)
{
	mmk_memmap_init(&map);
	mmk_memmap_add(&map, 0, FRAME(16), MMK_MEM_RESERVED);
	KEXPECT_EQ(mmk_pmm_init(&p, &map, meta, sizeof(meta)), -MMK_EINVAL);
	mmk_memmap_add(&map, FRAME(16), FRAME(16), MMK_MEM_USABLE);
	KEXPECT_EQ(mmk_pmm_init(&p, &map, meta, 16 * 16 - 1), -MMK_ENOMEM);
	KEXPECT_EQ(mmk_pmm_init(&p, &map, NULL, 0), -MMK_ENOMEM);
	KEXPECT_EQ(mmk_pmm_init(&p, &map, meta, 16 * 16), 0);
	KEXPECT_EQ(mmk_pmm_check(&p), 0);
}

KTEST(pmm, blocks_are_naturally_aligned)
{
	KASSERT_EQ(build_small(), 0);
	for (unsigned order = 0; order <= 5; order++) {
		mmk_paddr_t pa;
		KASSERT_EQ(mmk_pmm_alloc_block(&p, order, &pa), 0);
		KEXPECT_EQ(pa % FRAME(1u << order), 0);
		KEXPECT_TRUE(mmk_pmm_owns(&p, pa));
		KEXPECT_TRUE(mmk_pmm_owns(&p, pa + FRAME(1u << order) - 1));
		KEXPECT_EQ(mmk_pmm_refcount(&p, pa), 1);
		KEXPECT_EQ(mmk_pmm_check(&p), 0);
		KEXPECT_EQ(mmk_pmm_free_block(&p, pa, order), 0);
	}
	mmk_paddr_t pa;
	KEXPECT_EQ(mmk_pmm_alloc_block(&p, 6, &pa), -MMK_ENOMEM); /* no 64-frame aligned run */
	KEXPECT_EQ(mmk_pmm_alloc_block(&p, MMK_PMM_MAX_ORDER + 1, &pa), -MMK_EINVAL);
}

KTEST(pmm, exhaustion_then_full_recovery)
{
	static mmk_paddr_t held[80];
	struct mmk_pmm_stats before, after;
	unsigned n = 0;
	KASSERT_EQ(build_small(), 0);
	mmk_pmm_get_stats(&p, &before);
	while (n < 80 && mmk_pmm_alloc(&p, &held[n]) == 0)
		n++;
	KEXPECT_EQ(n, 72);
	KEXPECT_EQ(p.free_frames, 0);
	mmk_paddr_t extra = 0x5a5a;
	struct mmk_pmm_stats full, full_after;
	mmk_pmm_get_stats(&p, &full);
	KEXPECT_EQ(mmk_pmm_alloc(&p, &extra), -MMK_ENOMEM);
	KEXPECT_EQ(mmk_pmm_alloc_block(&p, 3, &extra), -MMK_ENOMEM);
	KEXPECT_EQ(mmk_pmm_alloc_below(&p, FRAME(1000), &extra), -MMK_ENOMEM);
	KEXPECT_EQ(mmk_pmm_alloc_block(&p, MMK_PMM_MAX_ORDER + 1, &extra), -MMK_EINVAL);
	KEXPECT_EQ(extra, 0x5a5a); /* untouched on failure */
	mmk_pmm_get_stats(&p, &full_after);
	KEXPECT_TRUE(stats_equal(&full, &full_after));
	KEXPECT_EQ(mmk_pmm_check(&p), 0);
	/* Free in an interleaved order so merging meets both buddy directions. */
	for (unsigned i = 0; i < n; i += 2)
		KEXPECT_EQ(mmk_pmm_free(&p, held[i]), 0);
	for (unsigned i = 1; i < n; i += 2)
		KEXPECT_EQ(mmk_pmm_free(&p, held[i]), 0);
	KEXPECT_EQ(p.cached, MMK_PMM_CACHE); /* the last frames freed wait in the cache */
	mmk_pmm_drain_cache(&p);
	mmk_pmm_get_stats(&p, &after);
	KEXPECT_TRUE(stats_equal(&before, &after));
	KEXPECT_EQ(mmk_pmm_check(&p), 0);
}

KTEST(pmm, bad_frees_are_refused_and_change_nothing)
{
	struct mmk_pmm_stats before, after;
	mmk_paddr_t one, four, free_frame;
	KASSERT_EQ(build_small(), 0);
	KASSERT_EQ(mmk_pmm_alloc(&p, &one), 0);
	KASSERT_EQ(mmk_pmm_alloc_block(&p, 2, &four), 0);
	KASSERT_EQ(mmk_pmm_alloc(&p, &free_frame), 0);
	KASSERT_EQ(mmk_pmm_free(&p, free_frame), 0);
	mmk_pmm_get_stats(&p, &before);

	KEXPECT_EQ(mmk_pmm_free(&p, one + 8), -MMK_EALIGN);
	KEXPECT_EQ(mmk_pmm_free(&p, FRAME(0)), -MMK_ERANGE);      /* below the span */
	KEXPECT_EQ(mmk_pmm_free(&p, FRAME(65)), -MMK_ERANGE);     /* reserved hole */
	KEXPECT_EQ(mmk_pmm_free(&p, FRAME(1000)), -MMK_ERANGE);   /* past the span */
	KEXPECT_EQ(mmk_pmm_free(&p, UINT64_MAX & ~0xFFFull), -MMK_ERANGE);
	KEXPECT_EQ(mmk_pmm_free(&p, free_frame), -MMK_ESTATE);    /* double free */
	KEXPECT_EQ(mmk_pmm_free(&p, four + FRAME(1)), -MMK_ESTATE); /* tail of a block */
	KEXPECT_EQ(mmk_pmm_free(&p, four), -MMK_EINVAL);          /* order 0 vs 2 */
	KEXPECT_EQ(mmk_pmm_free_block(&p, one, 1), -MMK_EINVAL);
	KEXPECT_EQ(mmk_pmm_free_block(&p, one, MMK_PMM_MAX_ORDER + 1), -MMK_EINVAL);
	KEXPECT_EQ(mmk_pmm_ref(&p, free_frame), -MMK_ESTATE);
	KEXPECT_EQ(mmk_pmm_ref(&p, FRAME(65)), -MMK_ERANGE);
	KEXPECT_EQ(mmk_pmm_split_block(&p, four, 1), -MMK_EINVAL);
	KEXPECT_EQ(mmk_pmm_split_block(&p, free_frame, 0), -MMK_ESTATE);

	mmk_pmm_get_stats(&p, &after);
	KEXPECT_TRUE(stats_equal(&before, &after));
	KEXPECT_EQ(mmk_pmm_refcount(&p, one), 1);
	KEXPECT_EQ(mmk_pmm_refcount(&p, four), 1);
	KEXPECT_EQ(mmk_pmm_check(&p), 0);
	KEXPECT_EQ(mmk_pmm_free(&p, one), 0);
	KEXPECT_EQ(mmk_pmm_free_block(&p, four, 2), 0);
	KEXPECT_EQ(p.free_frames, 72);
}

KTEST(pmm, reference_counts)
{
	mmk_paddr_t pa;
	KASSERT_EQ(build_small(), 0);
	KASSERT_EQ(mmk_pmm_alloc(&p, &pa), 0);
	KEXPECT_EQ(mmk_pmm_ref(&p, pa), 0);
	KEXPECT_EQ(mmk_pmm_ref(&p, pa), 0);
	KEXPECT_EQ(mmk_pmm_refcount(&p, pa), 3);
	KEXPECT_EQ(mmk_pmm_free(&p, pa), 0);
	KEXPECT_EQ(mmk_pmm_free(&p, pa), 0);
	KEXPECT_EQ(mmk_pmm_refcount(&p, pa), 1);
	KEXPECT_EQ(p.free_frames, 71);
	KEXPECT_EQ(mmk_pmm_free(&p, pa), 0);
	KEXPECT_EQ(mmk_pmm_refcount(&p, pa), 0);
	KEXPECT_EQ(p.free_frames, 72);
	KEXPECT_EQ(mmk_pmm_free(&p, pa), -MMK_ESTATE);
	KEXPECT_EQ(mmk_pmm_check(&p), 0);
}

KTEST(pmm, split_block_frees_frame_by_frame)
{
	mmk_paddr_t pa;
	KASSERT_EQ(build_small(), 0);
	KASSERT_EQ(mmk_pmm_alloc_block(&p, 3, &pa), 0);
	KASSERT_EQ(mmk_pmm_ref(&p, pa), 0);
	KASSERT_EQ(mmk_pmm_split_block(&p, pa, 3), 0);
	for (unsigned i = 0; i < 8; i++)
		KEXPECT_EQ(mmk_pmm_refcount(&p, pa + FRAME(i)), 2);
	KEXPECT_EQ(mmk_pmm_free_block(&p, pa, 3), -MMK_EINVAL); /* now single frames */
	for (unsigned i = 0; i < 8; i++) {
		KEXPECT_EQ(mmk_pmm_free(&p, pa + FRAME(i)), 0);
		KEXPECT_EQ(mmk_pmm_free(&p, pa + FRAME(i)), 0);
	}
	KEXPECT_EQ(p.free_frames, 72);
	KEXPECT_EQ(mmk_pmm_check(&p), 0);
}

KTEST(pmm, freed_single_frames_are_cached_in_front_of_the_lists)
{
	mmk_paddr_t a, b, blocks[8];
	struct mmk_pmm_stats s;
	KASSERT_EQ(build_small(), 0);
	KASSERT_EQ(mmk_pmm_alloc(&p, &a), 0);
	KEXPECT_EQ(mmk_pmm_free(&p, a), 0);
	KEXPECT_EQ(p.cached, 1);
	KEXPECT_EQ(p.free_frames, 72);
	KEXPECT_EQ(mmk_pmm_free(&p, a), -MMK_ESTATE);      /* a cached frame is free */
	KEXPECT_EQ(mmk_pmm_ref(&p, a), -MMK_ESTATE);
	KEXPECT_EQ(mmk_pmm_refcount(&p, a), 0);
	KEXPECT_EQ(mmk_pmm_alloc(&p, &b), 0);
	KEXPECT_EQ(b, a);                               /* LIFO: the warm frame again */
	KEXPECT_EQ(p.cached, 0);
	KEXPECT_EQ(mmk_pmm_free(&p, b), 0);
	mmk_pmm_get_stats(&p, &s);
	KEXPECT_EQ(s.cached_frames, 1);
	KEXPECT_EQ(mmk_pmm_check(&p), 0);
	/* Take the 7 blocks of 8 frames there are, free them all as single frames (split):
	 * the first 32 go to the cache, so the block of 32 at frame 32 only exists once the
	 * cache is drained back into the lists. */
	unsigned got = 0;
	for (; got < 8; got++)
		if (mmk_pmm_alloc_block(&p, 3, &blocks[got]) || mmk_pmm_split_block(&p, blocks[got], 3))
			break;
	KASSERT_EQ(got, 7);
	for (unsigned i = 0; i < 7; i++)
		for (unsigned j = 0; j < 8; j++)
			KEXPECT_EQ(mmk_pmm_free(&p, blocks[i] + FRAME(j)), 0);
	KEXPECT_EQ(p.cached, MMK_PMM_CACHE);
	mmk_paddr_t big;
	KEXPECT_EQ(mmk_pmm_alloc_block(&p, 5, &big), 0);    /* drained and merged on demand */
	KEXPECT_EQ(p.cached, 0);
	KEXPECT_EQ(mmk_pmm_free_block(&p, big, 5), 0);
	KEXPECT_EQ(p.free_frames, 72);
	KEXPECT_EQ(mmk_pmm_check(&p), 0);
}

KTEST(pmm, frames_below_a_limit)
{
	mmk_paddr_t pa, held[8];
	mmk_memmap_init(&map);
	mmk_memmap_add(&map, FRAME(16), FRAME(48), MMK_MEM_USABLE); /* frames 16..63 */
	KASSERT_EQ(build(), 0);
	/* Take the low ones away first: only the frame pool above 32 is left low-ish. */
	for (unsigned i = 0; i < 8; i++)
		KASSERT_EQ(mmk_pmm_alloc_below(&p, FRAME(24), &held[i]), 0);
	KEXPECT_EQ(mmk_pmm_alloc_below(&p, FRAME(24), &pa), -MMK_ENOMEM); /* 16..23 all taken */
	unsigned below = 0;
	for (unsigned i = 0; i < 8; i++)
		below += held[i] < FRAME(24);
	KEXPECT_EQ(below, 8);
	KEXPECT_EQ(mmk_pmm_alloc_below(&p, FRAME(40), &pa), 0);
	KEXPECT_LT(pa, FRAME(40));
	KEXPECT_EQ(mmk_pmm_free(&p, pa), 0);       /* to the cache */
	KEXPECT_EQ(mmk_pmm_alloc_below(&p, FRAME(40), &pa), 0); /* from the cache */
	KEXPECT_LT(pa, FRAME(40));
	KEXPECT_EQ(mmk_pmm_check(&p), 0);
	KEXPECT_EQ(p.free_frames, 48 - 9);
}

KTEST(pmm, injected_failure_hits_the_nth_allocation)
{
	mmk_paddr_t a, b, c;
	KASSERT_EQ(build_small(), 0);
	mmk_pmm_inject_failure(&p, 2);
	KEXPECT_EQ(mmk_pmm_alloc(&p, &a), 0);
	KEXPECT_EQ(mmk_pmm_alloc_block(&p, 1, &b), -MMK_ENOMEM);
	KEXPECT_EQ(mmk_pmm_alloc_block(&p, 1, &c), 0);
	KEXPECT_EQ(p.free_frames, 72 - 3);
	mmk_pmm_inject_failure(&p, 1);
	KEXPECT_EQ(mmk_pmm_alloc_below(&p, FRAME(1000), &b), -MMK_ENOMEM);
	KEXPECT_EQ(mmk_pmm_alloc_below(&p, FRAME(1000), &b), 0);
	KEXPECT_EQ(mmk_pmm_free(&p, b), 0);
	mmk_pmm_inject_failure(&p, 1);
	KEXPECT_EQ(mmk_pmm_alloc_below(&p, FRAME(1000), &b), -MMK_ENOMEM); /* cache path */
	mmk_pmm_inject_failure(&p, 1);
	mmk_pmm_inject_failure(&p, 0);
	KEXPECT_EQ(mmk_pmm_alloc(&p, &b), 0);
	KEXPECT_EQ(p.free_frames, 72 - 4);
	KEXPECT_EQ(mmk_pmm_check(&p), 0);
}

/* Regression: an injected failure on a block allocation that first drains the cache
 * used to drain it anyway, so the failed call had moved frames between cache and lists. */
KTEST(pmm, injected_failure_before_a_cache_drain_changes_nothing)
{
	static mmk_paddr_t held[72];
	struct mmk_pmm_stats before, after;
	mmk_paddr_t pa = 0x5a5a;
	unsigned n = 0;
	KASSERT_EQ(build_small(), 0);
	while (n < 72 && mmk_pmm_alloc(&p, &held[n]) == 0)
		n++;
	KASSERT_EQ(n, 72);
	KASSERT_EQ(mmk_pmm_free(&p, FRAME(2)), 0); /* two buddies, both to the cache */
	KASSERT_EQ(mmk_pmm_free(&p, FRAME(3)), 0);
	KEXPECT_EQ(p.cached, 2);
	mmk_pmm_get_stats(&p, &before);
	mmk_pmm_inject_failure(&p, 1);
	KEXPECT_EQ(mmk_pmm_alloc_block(&p, 1, &pa), -MMK_ENOMEM);
	mmk_pmm_get_stats(&p, &after);
	KEXPECT_TRUE(stats_equal(&before, &after));
	KEXPECT_EQ(after.cached_frames, before.cached_frames);
	KEXPECT_EQ(pa, 0x5a5a);
	KEXPECT_EQ(mmk_pmm_check(&p), 0);
	KEXPECT_EQ(mmk_pmm_alloc_block(&p, 1, &pa), 0); /* drained and merged this time */
	KEXPECT_EQ(pa, FRAME(2));
	KEXPECT_EQ(p.cached, 0);
	KEXPECT_EQ(mmk_pmm_check(&p), 0);
}

KTEST(pmm, frames_above_4_gib)
{
	mmk_paddr_t pa;
	mmk_memmap_init(&map);
	mmk_memmap_add(&map, 4 * MMK_GIB - MMK_MIB, 5 * MMK_MIB, MMK_MEM_USABLE);
	KASSERT_EQ(build(), 0);
	KEXPECT_EQ(p.total_frames, 1280);
	KASSERT_EQ(mmk_pmm_alloc_block(&p, 9, &pa), 0);
	KEXPECT_EQ(pa, 4 * MMK_GIB);
	KEXPECT_EQ(mmk_pmm_refcount(&p, pa), 1);
	KEXPECT_EQ(mmk_pmm_free_block(&p, pa, 9), 0);
	KEXPECT_EQ(mmk_pmm_check(&p), 0);
}

static uint8_t boot_meta[64 * 1024];
static mmk_paddr_t boot_meta_pa;

static void *fake_phys_to_virt(mmk_paddr_t pa)
{
	boot_meta_pa = pa;
	return boot_meta;
}

KTEST(pmm, init_boot_places_and_reserves_its_metadata)
{
	mmk_memmap_init(&map);
	mmk_memmap_add(&map, 0, 16 * MMK_MIB, MMK_MEM_USABLE);
	mmk_memmap_set(&map, 0, MMK_MIB, MMK_MEM_FIRMWARE);
	struct mmk_memmap saved = map;

	/* No room below a 1 MiB limit: refused, map unchanged. */
	KEXPECT_EQ(mmk_pmm_init_boot(&p, &map, MMK_MIB, fake_phys_to_virt), -MMK_ENOMEM);
	KEXPECT_EQ(map.count, saved.count);
	KEXPECT_EQ(mmk_memmap_total(&map, MMK_MEM_USABLE), 15 * MMK_MIB);

	KASSERT_EQ(mmk_pmm_init_boot(&p, &map, 16 * MMK_MIB, fake_phys_to_virt), 0);
	KEXPECT_EQ(boot_meta_pa, MMK_MIB);
	KEXPECT_EQ(mmk_memmap_type_at(&map, boot_meta_pa), MMK_MEM_PMM);
	KEXPECT_FALSE(mmk_pmm_owns(&p, boot_meta_pa));
	mmk_psize_t meta_bytes = mmk_memmap_total(&map, MMK_MEM_PMM);
	KEXPECT_EQ(meta_bytes, mmk_align_up(3840 * 16, MMK_PAGE_SIZE));
	KEXPECT_EQ(p.total_frames * MMK_PAGE_SIZE, 15 * MMK_MIB - meta_bytes);
	KEXPECT_EQ(mmk_pmm_check(&p), 0);
	mmk_pmm_print(&p);
}

KTEST(pmm, init_boot_failures_leave_the_map_unchanged)
{
	static struct mmk_memmap saved;
	/* No usable frame at all. */
	mmk_memmap_init(&map);
	mmk_memmap_add(&map, 0, MMK_MIB, MMK_MEM_RESERVED);
	saved = map;
	KEXPECT_EQ(mmk_pmm_init_boot(&p, &map, 16 * MMK_MIB, fake_phys_to_virt), -MMK_EINVAL);
	KEXPECT_EQ(map.count, saved.count);

	/* A full map: placing the metadata inside the first usable range needs one more. */
	mmk_memmap_init(&map);
	mmk_memmap_add(&map, 0, 64 * MMK_PAGE_SIZE, MMK_MEM_USABLE);
	for (unsigned i = 1; map.count < MMK_MEMMAP_MAX; i++)
		KASSERT_EQ(mmk_memmap_add(&map, FRAME(64 + 2 * i), FRAME(1), MMK_MEM_USABLE), 0);
	saved = map;
	KEXPECT_EQ(mmk_pmm_init_boot(&p, &map, 4 * MMK_GIB, fake_phys_to_virt), -MMK_ENOSPC);
	KASSERT_EQ(map.count, saved.count);
	unsigned differ = 0;
	for (unsigned i = 0; i < map.count; i++)
		differ += map.range[i].base != saved.range[i].base ||
			  map.range[i].size != saved.range[i].size ||
			  map.range[i].type != saved.range[i].type;
	KEXPECT_EQ(differ, 0);
}

KTEST(pmm, metadata_is_sized_for_16_mib_and_8_gib)
{
	/* QEMU pc, 16 MiB: low RAM, then 1 MiB up to the top (minus the firmware). */
	mmk_memmap_init(&map);
	mmk_memmap_add(&map, 0, 0x9FC00, MMK_MEM_USABLE);
	mmk_memmap_add(&map, MMK_MIB, 15 * MMK_MIB - 0x20000, MMK_MEM_USABLE);
	mmk_memmap_set(&map, 0, MMK_MIB, MMK_MEM_FIRMWARE);
	KEXPECT_EQ(mmk_pmm_metadata_size(&map), (4096 - 0x20 - 256) * 16);
	/* QEMU pc, 8 GiB: 3 GiB below the hole, 5 GiB from 4 GiB on; the span is 9 GiB. */
	mmk_memmap_init(&map);
	mmk_memmap_add(&map, MMK_MIB, 3 * MMK_GIB - MMK_MIB, MMK_MEM_USABLE);
	mmk_memmap_add(&map, 0xFEFFC000, 0x4000, MMK_MEM_RESERVED);
	mmk_memmap_add(&map, 4 * MMK_GIB, 5 * MMK_GIB, MMK_MEM_USABLE);
	KEXPECT_EQ(mmk_pmm_metadata_size(&map), ((9 * MMK_GIB - MMK_MIB) >> MMK_PAGE_SHIFT) * 16);
	KEXPECT_LT(mmk_pmm_metadata_size(&map), 37 * MMK_MIB);
	/* 2^32 frames (16 TiB) or more cannot be indexed: no size, and init says why. */
	mmk_memmap_add(&map, 16 * 1024 * MMK_GIB, MMK_GIB, MMK_MEM_USABLE);
	KEXPECT_EQ(mmk_pmm_metadata_size(&map), 0);
	KEXPECT_EQ(mmk_pmm_init(&p, &map, meta, sizeof(meta)), -MMK_ERANGE);
}

KTEST(pmm, init_refuses_misaligned_metadata)
{
	mmk_memmap_init(&map);
	mmk_memmap_add(&map, FRAME(8), FRAME(8), MMK_MEM_USABLE);
	KEXPECT_EQ(mmk_pmm_init(&p, &map, (uint8_t *)meta + 4, sizeof(meta) - 8), -MMK_EALIGN);
	KEXPECT_EQ(mmk_pmm_init(&p, &map, (uint8_t *)meta + 8, sizeof(meta) - 8), 0);
	KEXPECT_EQ(p.total_frames, 8);
	KEXPECT_EQ(mmk_pmm_check(&p), 0);
}

/* mmk_pmm_check must notice what a bug could break in the counters and lists. */
KTEST(pmm, check_finds_broken_invariants)
{
	mmk_paddr_t pa;
	KASSERT_EQ(build_small(), 0);
	KASSERT_EQ(mmk_pmm_alloc_block(&p, 2, &pa), 0);
	KASSERT_EQ(mmk_pmm_check(&p), 0);

	p.free_blocks[3]++;
	KEXPECT_EQ(mmk_pmm_check(&p), -MMK_ESTATE);
	p.free_blocks[3]--;
	p.free_frames++;
	KEXPECT_EQ(mmk_pmm_check(&p), -MMK_ESTATE);
	p.free_frames--;
	p.total_frames--;
	KEXPECT_EQ(mmk_pmm_check(&p), -MMK_ESTATE);
	p.total_frames++;
	uint32_t head = p.free_head[5];
	p.free_head[5] = MMK_PMM_NONE; /* a free block lost from its list */
	KEXPECT_EQ(mmk_pmm_check(&p), -MMK_ESTATE);
	p.free_head[5] = head;
	uint32_t head4 = p.free_head[4];
	p.free_head[4] = head; /* a block on the list of another order */
	KEXPECT_EQ(mmk_pmm_check(&p), -MMK_ESTATE);
	p.free_head[4] = head4;
	KEXPECT_EQ(mmk_pmm_check(&p), 0);
	p.cache[0] = (uint32_t)((pa >> MMK_PAGE_SHIFT) - p.base_pfn); /* an allocated frame */
	p.cached = 1;
	KEXPECT_EQ(mmk_pmm_check(&p), -MMK_ESTATE);
	p.cached = 0;
	KEXPECT_EQ(mmk_pmm_check(&p), 0);
}

static uint64_t rng_state;

static uint64_t rng_next(void)
{
	return ktest_random(&rng_state);
}

struct held_block {
	mmk_paddr_t pa;
	unsigned order;
	unsigned refs;
};

/* Random alloc/free/ref/split against a model of what is held; mmk_pmm_check every step. */
KTEST(pmm, random_sequence_matches_the_model)
{
	static struct held_block held[512];
	unsigned n = 0, errors = 0;
	uint64_t held_frames = 0;
	mmk_memmap_init(&map);
	mmk_memmap_add(&map, FRAME(3), FRAME(1000), MMK_MEM_USABLE);
	mmk_memmap_add(&map, FRAME(200), FRAME(7), MMK_MEM_RESERVED);
	mmk_memmap_add(&map, FRAME(700), FRAME(1), MMK_MEM_BAD);
	KASSERT_EQ(build(), 0);
	uint64_t total = p.total_frames;
	rng_state = 0x2545F4914F6CDD1Dull;

	unsigned steps = ktest_scale(20000, 1500);
	for (unsigned s = 0; s < steps && errors == 0; s++) {
		uint64_t r = rng_next();
		unsigned op = r % 8;
		if (op <= 2 && n < 256) { /* allocate */
			unsigned order = op == 0 ? (unsigned)((r >> 8) % 6) : 0;
			mmk_paddr_t pa;
			int err = mmk_pmm_alloc_block(&p, order, &pa);
			if (err == 0) {
				if (pa % FRAME(1u << order) || !mmk_pmm_owns(&p, pa))
					errors++;
				held[n++] = (struct held_block){pa, order, 1};
				held_frames += 1u << order;
			} else if (err != -MMK_ENOMEM ||
				   total - held_frames >= (1u << order) * 64u) {
				errors++; /* refused although plenty is free */
			}
		} else if (op <= 5 && n > 0) { /* drop a reference */
			unsigned i = (unsigned)((r >> 8) % n);
			if (mmk_pmm_free_block(&p, held[i].pa, held[i].order) != 0)
				errors++;
			if (--held[i].refs == 0) {
				held_frames -= 1u << held[i].order;
				held[i] = held[--n];
			}
		} else if (op == 6 && n > 0) { /* add a reference */
			unsigned i = (unsigned)((r >> 8) % n);
			if (mmk_pmm_ref(&p, held[i].pa) != 0)
				errors++;
			held[i].refs++;
		} else if (op == 7 && n > 0) { /* split a block into frames */
			unsigned i = (unsigned)((r >> 8) % n);
			unsigned order = held[i].order;
			if (n + (1u << order) > 512)
				continue;
			if (mmk_pmm_split_block(&p, held[i].pa, order) != 0)
				errors++;
			struct held_block b = held[i];
			held[i] = held[--n];
			for (unsigned j = 0; j < (1u << order); j++)
				held[n++] = (struct held_block){b.pa + FRAME(j), 0, b.refs};
		}
		if (p.free_frames != total - held_frames || mmk_pmm_check(&p) != 0)
			errors++;
		for (unsigned i = 0; i < n && errors == 0; i += 17)
			if (mmk_pmm_refcount(&p, held[i].pa) != held[i].refs)
				errors++;
	}
	KEXPECT_EQ(errors, 0);
	while (n > 0) {
		if (mmk_pmm_free_block(&p, held[n - 1].pa, held[n - 1].order) != 0)
			errors++;
		if (--held[n - 1].refs == 0)
			n--;
	}
	KEXPECT_EQ(errors, 0);
	KEXPECT_EQ(p.free_frames, total);
	KEXPECT_EQ(mmk_pmm_check(&p), 0);
}

/* ------------------------------------------------------------------ boot map */

/* One bit per frame of the span, to remember what the boot tests took (16 GiB). */
static uint8_t taken[(16 * MMK_GIB >> MMK_PAGE_SHIFT) / 8];

static bool in_usable_range(const struct mmk_memmap *m, mmk_paddr_t pa)
{
	return mmk_memmap_type_at(m, pa) == MMK_MEM_USABLE &&
	       mmk_memmap_type_at(m, pa + MMK_PAGE_SIZE - 1) == MMK_MEM_USABLE;
}

/* Allocates blocks of one order until the PMM runs dry, then frees them all. */
static void take_everything(unsigned order)
{
	struct mmk_pmm *env = ktest_env_pmm();
	const struct mmk_memmap *m = ktest_env_memmap();
	struct mmk_pmm_stats before, after;
	uint64_t count = 0, outside = 0, misaligned = 0, above_4g = 0;
	mmk_paddr_t pa;

	if (env->span > sizeof(taken) * 8)
		KTEST_SKIP("the machine's memory spans more than the 16 GiB this test's bitmap covers");
	mmk_pmm_drain_cache(env);
	mmk_pmm_get_stats(env, &before);
	while (mmk_pmm_alloc_block(env, order, &pa) == 0) {
		uint64_t i = (pa >> MMK_PAGE_SHIFT) - env->base_pfn;
		taken[i / 8] |= (uint8_t)(1u << (i % 8));
		count++;
		if (!in_usable_range(m, pa) ||
		    !in_usable_range(m, pa + FRAME(1u << order) - MMK_PAGE_SIZE))
			outside++;
		if (pa % FRAME(1u << order))
			misaligned++;
		if (pa >= 4 * MMK_GIB)
			above_4g++;
	}
	KEXPECT_EQ(outside, 0);
	KEXPECT_EQ(misaligned, 0);
	uint64_t expected = 0; /* every free block of this order or larger, split up */
	for (unsigned k = order; k <= MMK_PMM_MAX_ORDER; k++)
		expected += before.free_blocks[k] << (k - order);
	KEXPECT_EQ(count, expected);
	if (order == 0)
		KEXPECT_EQ(count, before.free_frames);
	if (mmk_memmap_total(m, MMK_MEM_USABLE) > 0 && env->base_pfn + env->span > (4 * MMK_GIB >> MMK_PAGE_SHIFT))
		KEXPECT_GT(above_4g, 0);
	ktest_log("order %u: %llu blocks taken, %llu above 4 GiB", order,
		  (unsigned long long)count, (unsigned long long)above_4g);

	for (uint64_t i = 0; i < env->span; i++) {
		if (!(taken[i / 8] & (1u << (i % 8))))
			continue;
		taken[i / 8] &= (uint8_t)~(1u << (i % 8));
		if (mmk_pmm_free_block(env, (env->base_pfn + i) << MMK_PAGE_SHIFT, order) != 0)
			outside++;
	}
	KEXPECT_EQ(outside, 0);
	mmk_pmm_drain_cache(env);
	mmk_pmm_get_stats(env, &after);
	KEXPECT_TRUE(stats_equal(&before, &after));
	KEXPECT_EQ(mmk_pmm_check(env), 0);
}

KTEST(pmm_boot, owns_only_usable_memory_of_the_boot_map)
{
	struct mmk_pmm *env = ktest_env_pmm();
	const struct mmk_memmap *m = ktest_env_memmap();
	uint64_t usable = 0;
	for (unsigned i = 0; i < m->count; i++) {
		const struct mmk_memrange *r = &m->range[i];
		if (r->type != MMK_MEM_USABLE)
			continue;
		mmk_paddr_t lo = mmk_align_up(r->base, MMK_PAGE_SIZE);
		mmk_paddr_t hi = mmk_align_down(r->base + r->size, MMK_PAGE_SIZE);
		if (hi <= lo)
			continue; /* no whole frame in it */
		usable += (hi - lo) >> MMK_PAGE_SHIFT;
		KEXPECT_TRUE(mmk_pmm_owns(env, lo));
		KEXPECT_TRUE(mmk_pmm_owns(env, hi - 1));
	}
	KEXPECT_EQ(env->total_frames, usable);
	KEXPECT_GT(mmk_memmap_total(m, MMK_MEM_KERNEL), 0);
	/* No whole frame of a reserved range (kernel, boot data, metadata...) is owned. */
	unsigned owned_reserved = 0;
	for (unsigned i = 0; i < m->count; i++) {
		const struct mmk_memrange *r = &m->range[i];
		mmk_paddr_t lo = mmk_align_up(r->base, MMK_PAGE_SIZE);
		if (r->type != MMK_MEM_USABLE && lo + MMK_PAGE_SIZE <= r->base + r->size &&
		    lo + MMK_PAGE_SIZE > lo && mmk_pmm_owns(env, lo))
			owned_reserved++;
	}
	KEXPECT_EQ(owned_reserved, 0);
	KEXPECT_EQ(mmk_pmm_check(env), 0);
}

KTEST(pmm_boot, every_frame_can_be_taken_and_returned)
{
	take_everything(0);
}

KTEST(pmm_boot, every_2mib_block_can_be_taken_and_returned)
{
	take_everything(9);
}
