/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * PMM benchmark: mmukit's buddy allocator beside a linear-scan bitmap allocator (the
 * design the seeds describe: bench/peer_bitmap_pmm.c), same 1 GiB of simulated RAM,
 * same fill state, same operations, in one run.
 *
 * Fill states (what is in use before timing starts; both allocators hold the same frames):
 *   fresh       every frame free
 *   scattered   a random half of the frames in the first 3/4 of RAM in use (no free
 *               2 MiB block there), the last 1/4 free
 *   low-full    the first half of RAM entirely in use (long-lived allocations, which a
 *               first-fit bitmap packs at the bottom), a random half of the next 1/4,
 *               the last 1/4 free
 *
 * Operations:
 *   pair    alloc then free the same 4 KiB frame (or 2 MiB block), repeated
 *   batch   alloc 256 frames, then free them in a shuffled order, repeated (frees land
 *           away from where the next alloc looks; the buddy's 32-frame cache overflows)
 *
 * Reported: median ns per alloc+free over RUNS runs, and peer/mmukit (> 1: mmukit faster).
 */
#include <stdio.h>
#include <stdlib.h>

#include <mmukit/pmm.h>

#include "peer_bitmap_pmm.h"
#include "util_time.h"

#define RAM_BYTES (1ull << 30)
#define FRAMES (RAM_BYTES >> MMK_PAGE_SHIFT)
#define RUNS 7
#define BATCH 256

enum fill { FILL_FRESH, FILL_SCATTERED, FILL_LOW_FULL };
static const char *const fill_names[] = {"fresh", "scattered", "low-full"};

static struct mmk_pmm buddy;
static struct bitmap_pmm bitmap;
static uint64_t bitmap_bits[FRAMES / 64];
static struct mmk_memmap map;
static void *buddy_meta;
static mmk_paddr_t *all_frames;
static mmk_paddr_t batch[BATCH];
static unsigned batch_order[BATCH]; /* the order frees are done in */

static uint64_t rng;

static uint64_t next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* True when the fill state keeps this frame in use. */
static bool kept_in_use(uint64_t frame, enum fill fill, const uint8_t *coin)
{
	switch (fill) {
	case FILL_FRESH:
		return false;
	case FILL_SCATTERED:
		return frame < FRAMES * 3 / 4 && coin[frame];
	case FILL_LOW_FULL:
		return frame < FRAMES / 2 || (frame < FRAMES * 3 / 4 && coin[frame]);
	}
	return false;
}

/* Both allocators from scratch, then everything the fill state keeps taken in each. */
static void prepare(enum fill fill)
{
	static uint8_t coin[FRAMES];
	rng = 0x853C49E6748FEA9Bull;
	for (uint64_t i = 0; i < FRAMES; i++)
		coin[i] = next_random() & 1;
	for (unsigned i = 0; i < BATCH; i++)
		batch_order[i] = i;
	for (unsigned i = BATCH - 1; i > 0; i--) { /* Fisher-Yates */
		unsigned j = (unsigned)(next_random() % (i + 1));
		unsigned t = batch_order[i];
		batch_order[i] = batch_order[j];
		batch_order[j] = t;
	}

	if (mmk_pmm_init(&buddy, &map, buddy_meta, mmk_pmm_metadata_size(&map)) != 0)
		abort();
	bitmap_pmm_init(&bitmap, bitmap_bits, FRAMES);
	if (fill == FILL_FRESH)
		return;
	for (uint64_t i = 0; i < FRAMES; i++)
		if (mmk_pmm_alloc(&buddy, &all_frames[i]) != 0)
			abort();
	for (uint64_t i = 0; i < FRAMES; i++)
		if (!kept_in_use(all_frames[i] >> MMK_PAGE_SHIFT, fill, coin) &&
		    mmk_pmm_free(&buddy, all_frames[i]) != 0)
			abort();
	mmk_pmm_drain_cache(&buddy);
	for (uint64_t i = 0; i < FRAMES; i++) {
		mmk_paddr_t pa;
		if (bitmap_pmm_alloc(&bitmap, &pa) != 0)
			abort();
	}
	for (uint64_t i = 0; i < FRAMES; i++)
		if (!kept_in_use(i, fill, coin))
			bitmap_pmm_free(&bitmap, i << MMK_PAGE_SHIFT);
	if (buddy.free_frames != bitmap.free_frames || mmk_pmm_check(&buddy) != 0)
		abort();
}

typedef void (*workload_fn)(unsigned ops);

static void buddy_pair(unsigned ops)
{
	mmk_paddr_t pa;
	for (unsigned i = 0; i < ops; i++)
		if (mmk_pmm_alloc(&buddy, &pa) || mmk_pmm_free(&buddy, pa))
			abort();
}

static void bitmap_pair(unsigned ops)
{
	mmk_paddr_t pa;
	for (unsigned i = 0; i < ops; i++)
		if (bitmap_pmm_alloc(&bitmap, &pa) || bitmap_pmm_free(&bitmap, pa))
			abort();
}

static void buddy_batch(unsigned ops)
{
	for (unsigned n = 0; n < ops; n += BATCH) {
		for (unsigned i = 0; i < BATCH; i++)
			if (mmk_pmm_alloc(&buddy, &batch[i]))
				abort();
		for (unsigned i = 0; i < BATCH; i++)
			if (mmk_pmm_free(&buddy, batch[batch_order[i]]))
				abort();
	}
}

static void bitmap_batch(unsigned ops)
{
	for (unsigned n = 0; n < ops; n += BATCH) {
		for (unsigned i = 0; i < BATCH; i++)
			if (bitmap_pmm_alloc(&bitmap, &batch[i]))
				abort();
		for (unsigned i = 0; i < BATCH; i++)
			if (bitmap_pmm_free(&bitmap, batch[batch_order[i]]))
				abort();
	}
}

static void buddy_2m(unsigned ops)
{
	mmk_paddr_t pa;
	for (unsigned i = 0; i < ops; i++)
		if (mmk_pmm_alloc_block(&buddy, 9, &pa) || mmk_pmm_free_block(&buddy, pa, 9))
			abort();
}

static void bitmap_2m(unsigned ops)
{
	mmk_paddr_t pa;
	for (unsigned i = 0; i < ops; i++)
		if (bitmap_pmm_alloc_2m(&bitmap, &pa) || bitmap_pmm_free_2m(&bitmap, pa))
			abort();
}

/* Median ns per operation of fn over RUNS runs of ops operations (after a warm-up). */
static double measure(workload_fn fn, unsigned ops)
{
	double runs[RUNS];
	fn(ops / 10 ? ops / 10 : 1);
	for (unsigned r = 0; r < RUNS; r++) {
		uint64_t t0 = bench_now_ns();
		fn(ops);
		runs[r] = (double)(bench_now_ns() - t0) / ops;
	}
	return bench_median(runs, RUNS);
}

/* ops is for the fresh state; states where the bitmap scans long get fewer. */
static void row(const char *what, enum fill fill, workload_fn mine, workload_fn peer,
		unsigned ops)
{
	prepare(fill);
	double a = measure(mine, ops);
	double b = measure(peer, ops);
	if (buddy.free_frames != bitmap.free_frames || mmk_pmm_check(&buddy) != 0)
		abort(); /* the workloads give back all they take */
	printf("%-26s %-10s %13.1f %14.1f %12.2fx\n", what, fill_names[fill], a, b, b / a);
}

int main(void)
{
	mmk_memmap_init(&map);
	mmk_memmap_add(&map, 0, RAM_BYTES, MMK_MEM_USABLE);
	buddy_meta = malloc(mmk_pmm_metadata_size(&map));
	all_frames = malloc(FRAMES * sizeof(*all_frames));
	if (!buddy_meta || !all_frames)
		return 1;

	printf("PMM: %llu MiB of simulated RAM (%llu frames), ns per alloc+free, median of %d runs\n",
	       (unsigned long long)(RAM_BYTES >> 20), (unsigned long long)FRAMES, RUNS);
	printf("%-26s %-10s %13s %14s %13s\n", "operation", "fill", "mmukit buddy",
	       "bitmap (peer)", "peer/mmukit");
	for (enum fill f = FILL_FRESH; f <= FILL_LOW_FULL; f++) {
		unsigned scale = f == FILL_LOW_FULL ? 20 : 1;
		row("4 KiB frame, pair", f, buddy_pair, bitmap_pair, 2000000 / scale);
		row("4 KiB frames, batch of 256", f, buddy_batch, bitmap_batch,
		    BATCH * (2000 / scale));
		row("2 MiB block, pair", f, buddy_2m, bitmap_2m,
		    f == FILL_FRESH ? 200000 : 5000);
	}
	struct mmk_pmm_stats s;
	mmk_pmm_get_stats(&buddy, &s);
	printf("metadata per 4 KiB frame: mmukit buddy %.1f bytes (%.2f%% of RAM), bitmap %.3f bytes (%.4f%%)\n",
	       (double)s.metadata_bytes / FRAMES, 100.0 * s.metadata_bytes / RAM_BYTES,
	       (double)sizeof(bitmap_bits) / FRAMES, 100.0 * sizeof(bitmap_bits) / RAM_BYTES);
	free(buddy_meta);
	free(all_frames);
	return 0;
}
