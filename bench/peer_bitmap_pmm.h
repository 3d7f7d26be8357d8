/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The peer the PMM is measured against: a plain bitmap frame allocator, one bit per
 * frame, scanning linearly from the start (the classic hobby-kernel design). Written for
 * the benchmark, honestly: it skips full 64-bit words and uses ctz on the first word
 * with a free bit.
 */
#ifndef MMUKIT_BENCH_PEER_BITMAP_PMM_H
#define MMUKIT_BENCH_PEER_BITMAP_PMM_H

#include <mmukit/types.h>

struct bitmap_pmm {
	uint64_t *bits;   /* 1 = in use */
	uint64_t frames;  /* a multiple of 512 */
	uint64_t free_frames;
};

/* All frames [0, frames) free; bits holds frames / 64 words. */
void bitmap_pmm_init(struct bitmap_pmm *b, uint64_t *bits, uint64_t frames);
int bitmap_pmm_alloc(struct bitmap_pmm *b, mmk_paddr_t *pa);
int bitmap_pmm_free(struct bitmap_pmm *b, mmk_paddr_t pa);
/* 512 frames (2 MiB), aligned to 2 MiB. */
int bitmap_pmm_alloc_2m(struct bitmap_pmm *b, mmk_paddr_t *pa);
int bitmap_pmm_free_2m(struct bitmap_pmm *b, mmk_paddr_t pa);

#endif
