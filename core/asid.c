/* SPDX-License-Identifier: BSD-2-Clause */
/* ASIDs / PCIDs with generation roll-over (include/mmukit/asid.h). */
#include <mmukit/asid.h>
#include <mmukit/errno.h>

static bool used(const struct mmk_asid_allocator *a, unsigned n)
{
	return a->used[n / 32] & (1u << (n % 32));
}

static void mark(struct mmk_asid_allocator *a, unsigned n)
{
	a->used[n / 32] |= 1u << (n % 32);
}

static void clear_all(struct mmk_asid_allocator *a)
{
	for (unsigned i = 0; i < MMK_ARRAY_SIZE(a->used); i++)
		a->used[i] = 0;
	mark(a, 0); /* never handed out */
	a->next = 1;
}

int mmk_asid_init(struct mmk_asid_allocator *a, unsigned bits, void (*flush_all)(void *ctx),
	      void *ctx)
{
	if (bits < 1 || bits > MMK_ASID_MAX_BITS)
		return -MMK_EINVAL;
	*a = (struct mmk_asid_allocator){.bits = bits, .generation = (uint64_t)1 << bits,
				     .flush_all = flush_all, .ctx = ctx};
	clear_all(a);
	return 0;
}

/* A free number of this generation, or 0 when there is none. */
static unsigned find_free(struct mmk_asid_allocator *a)
{
	unsigned count = 1u << a->bits;
	for (unsigned i = 0; i < count; i++) {
		unsigned n = (a->next + i) % count;
		if (!used(a, n))
			return n;
	}
	return 0;
}

unsigned mmk_asid_activate(struct mmk_asid_allocator *a, uint64_t *tag, bool *flushed)
{
	uint64_t generation_mask = ~(((uint64_t)1 << a->bits) - 1);
	*flushed = false;
	if (*tag != 0 && (*tag & generation_mask) == a->generation)
		return asid_of(a, *tag);
	unsigned n = find_free(a);
	if (n == 0) {
		a->generation += (uint64_t)1 << a->bits;
		a->rollovers++;
		clear_all(a);
		a->flush_all(a->ctx);
		*flushed = true;
		n = find_free(a);
	}
	mark(a, n);
	a->next = n + 1;
	*tag = a->generation | n;
	return n;
}
