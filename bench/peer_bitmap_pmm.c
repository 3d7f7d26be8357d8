/* SPDX-License-Identifier: BSD-2-Clause */
/* The benchmark's peer: a linear-scan bitmap frame allocator (see the header). */
#include <mmukit/errno.h>

#include "peer_bitmap_pmm.h"

#define WORDS_PER_2M (512 / 64)

void bitmap_pmm_init(struct bitmap_pmm *b, uint64_t *bits, uint64_t frames)
{
	b->bits = bits;
	b->frames = frames;
	b->free_frames = frames;
	for (uint64_t i = 0; i < frames / 64; i++)
		bits[i] = 0;
}

int bitmap_pmm_alloc(struct bitmap_pmm *b, mmk_paddr_t *pa)
{
	for (uint64_t w = 0; w < b->frames / 64; w++) {
		if (b->bits[w] == UINT64_MAX)
			continue;
		unsigned bit = (unsigned)__builtin_ctzll(~b->bits[w]);
		b->bits[w] |= (uint64_t)1 << bit;
		b->free_frames--;
		*pa = (w * 64 + bit) << MMK_PAGE_SHIFT;
		return 0;
	}
	return -MMK_ENOMEM;
}

int bitmap_pmm_free(struct bitmap_pmm *b, mmk_paddr_t pa)
{
	uint64_t frame = pa >> MMK_PAGE_SHIFT;
	if (frame >= b->frames)
		return -MMK_ERANGE;
	uint64_t mask = (uint64_t)1 << (frame % 64);
	if (!(b->bits[frame / 64] & mask))
		return -MMK_ESTATE;
	b->bits[frame / 64] &= ~mask;
	b->free_frames++;
	return 0;
}

int bitmap_pmm_alloc_2m(struct bitmap_pmm *b, mmk_paddr_t *pa)
{
	for (uint64_t w = 0; w < b->frames / 64; w += WORDS_PER_2M) {
		unsigned i = 0;
		while (i < WORDS_PER_2M && b->bits[w + i] == 0)
			i++;
		if (i < WORDS_PER_2M)
			continue;
		for (i = 0; i < WORDS_PER_2M; i++)
			b->bits[w + i] = UINT64_MAX;
		b->free_frames -= 512;
		*pa = (w * 64) << MMK_PAGE_SHIFT;
		return 0;
	}
	return -MMK_ENOMEM;
}

int bitmap_pmm_free_2m(struct bitmap_pmm *b, mmk_paddr_t pa)
{
	uint64_t frame = pa >> MMK_PAGE_SHIFT;
	if (frame % 512 || frame >= b->frames)
		return -MMK_EALIGN;
	for (unsigned i = 0; i < WORDS_PER_2M; i++)
		b->bits[frame / 64 + i] = 0;
	b->free_frames += 512;
	return 0;
}
