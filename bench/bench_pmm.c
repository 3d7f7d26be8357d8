/*
 * PMM benchmark: mmukit's buddy allocator beside a linear-scan bitmap allocator (the
 * design the seeds describe), same RAM, same states, same operations, in one run.
 *
 *   fresh       every frame free
 *   fragmented  the first 3/4 of RAM has a random half of its frames in use (no free
 *               2 MiB block there), the last 1/4 is free - a long-running kernel
 *
 * Reported: ns per alloc+free pair (median of several runs) and peer/mmukit ratios.
 */
#include <stdio.h>
#include <stdlib.h>

#include <mmukit/pmm.h>

#include "peer_bitmap_pmm.h"
#include "util_time.h"

#define RAM_BYTES (1ull << 30)
#define FRAMES (RAM_BYTES >> MMK_PAGE_SHIFT)
#define RUNS 7

static struct pmm buddy;
static struct bitmap_pmm bitmap;
static uint64_t bitmap_bits[FRAMES / 64];
static struct mmk_memmap map;
static void *buddy_meta;
static paddr_t *all_frames;

static uint64_t rng = 0x853C49E6748FEA9Bull;

static uint64_t next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* True when the fragmented state keeps this frame in use. */
static bool kept_in_use(paddr_t pa, const uint8_t *coin)
{
	uint64_t frame = pa >> MMK_PAGE_SHIFT;
	return frame < FRAMES * 3 / 4 && coin[frame];
}

static void prepare(bool fragmented)
{
	static uint8_t coin[FRAMES];
	rng = 0x853C49E6748FEA9Bull;
	for (uint64_t i = 0; i < FRAMES; i++)
		coin[i] = next_random() & 1;

	if (pmm_init(&buddy, &map, buddy_meta, pmm_metadata_size(&map)) != 0)
		abort();
	bitmap_pmm_init(&bitmap, bitmap_bits, FRAMES);
	if (!fragmented)
		return;
	for (uint64_t i = 0; i < FRAMES; i++)
		if (pmm_alloc(&buddy, &all_frames[i]) != 0)
			abort();
	for (uint64_t i = 0; i < FRAMES; i++)
		if (!kept_in_use(all_frames[i], coin) && pmm_free(&buddy, all_frames[i]) != 0)
			abort();
	for (uint64_t i = 0; i < FRAMES; i++) {
		paddr_t pa;
		if (bitmap_pmm_alloc(&bitmap, &pa) != 0)
			abort();
	}
	for (uint64_t i = 0; i < FRAMES; i++)
		if (!kept_in_use(i << MMK_PAGE_SHIFT, coin))
			bitmap_pmm_free(&bitmap, i << MMK_PAGE_SHIFT);
	if (buddy.free_frames != bitmap.free_frames)
		abort();
}

typedef void (*workload_fn)(unsigned ops);

static void buddy_single(unsigned ops)
{
	paddr_t pa;
	for (unsigned i = 0; i < ops; i++)
		if (pmm_alloc(&buddy, &pa) || pmm_free(&buddy, pa))
			abort();
}

static void bitmap_single(unsigned ops)
{
	paddr_t pa;
	for (unsigned i = 0; i < ops; i++)
		if (bitmap_pmm_alloc(&bitmap, &pa) || bitmap_pmm_free(&bitmap, pa))
			abort();
}

static void buddy_2m(unsigned ops)
{
	paddr_t pa;
	for (unsigned i = 0; i < ops; i++)
		if (pmm_alloc_block(&buddy, 9, &pa) || pmm_free_block(&buddy, pa, 9))
			abort();
}

static void bitmap_2m(unsigned ops)
{
	paddr_t pa;
	for (unsigned i = 0; i < ops; i++)
		if (bitmap_pmm_alloc_2m(&bitmap, &pa) || bitmap_pmm_free_2m(&bitmap, pa))
			abort();
}

/* Median ns per operation of fn over RUNS runs of ops operations. */
static double measure(workload_fn fn, unsigned ops)
{
	double runs[RUNS];
	fn(ops / 10); /* warm up */
	for (unsigned r = 0; r < RUNS; r++) {
		uint64_t t0 = bench_now_ns();
		fn(ops);
		runs[r] = (double)(bench_now_ns() - t0) / ops;
	}
	return bench_median(runs, RUNS);
}

static void row(const char *what, bool fragmented, workload_fn mine, workload_fn peer,
		unsigned ops)
{
	prepare(fragmented);
	double a = measure(mine, ops);
	double b = measure(peer, ops);
	printf("%-28s %-11s %12.1f %14.1f %10.2fx\n", what, fragmented ? "fragmented" : "fresh",
	       a, b, b / a);
}

int main(void)
{
	memmap_init(&map);
	memmap_add(&map, 0, RAM_BYTES, MMK_MEM_USABLE);
	buddy_meta = malloc(pmm_metadata_size(&map));
	all_frames = malloc(FRAMES * sizeof(*all_frames));
	if (!buddy_meta || !all_frames)
		return 1;

	printf("PMM: 1 GiB of simulated RAM (%llu frames), ns per alloc+free pair, median of %d runs\n",
	       (unsigned long long)FRAMES, RUNS);
	printf("%-28s %-11s %12s %14s %11s\n", "operation", "state", "mmukit buddy",
	       "bitmap (peer)", "peer/mmukit");
	row("4 KiB frame alloc+free", false, buddy_single, bitmap_single, 2000000);
	row("4 KiB frame alloc+free", true, buddy_single, bitmap_single, 2000000);
	row("2 MiB block alloc+free", false, buddy_2m, bitmap_2m, 200000);
	row("2 MiB block alloc+free", true, buddy_2m, bitmap_2m, 2000);
	printf("metadata per 4 KiB frame: mmukit buddy 16 bytes (0.39%%), bitmap 1 bit (0.003%%)\n");
	free(buddy_meta);
	free(all_frames);
	return 0;
}
