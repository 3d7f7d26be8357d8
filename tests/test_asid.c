/* SPDX-License-Identifier: BSD-2-Clause */
/* Tests for the ASID / PCID allocator (core/asid.c). */
#include <mmukit/asid.h>
#include <mmukit/errno.h>
#include <mmukit/ktest.h>

static struct mmk_asid_allocator alloc;
static unsigned flushes;

static void count_flush(void *ctx)
{
	(void)ctx;
	flushes++;
}

KTEST(asid, distinct_numbers_until_rollover)
{
	static uint64_t tag[256];
	bool flushed;
	flushes = 0;
	KASSERT_EQ(mmk_asid_init(&alloc, 8, count_flush, NULL), 0);
	unsigned seen[256] = {0}, dup = 0, zero = 0;
	for (unsigned i = 0; i < 255; i++) {
		tag[i] = 0;
		unsigned n = mmk_asid_activate(&alloc, &tag[i], &flushed);
		zero += n == 0;
		dup += seen[n]++ != 0;
		KEXPECT_FALSE(flushed);
	}
	KEXPECT_EQ(zero, 0);
	KEXPECT_EQ(dup, 0);
	KEXPECT_EQ(flushes, 0);
	/* Again in the same generation: the same number, no flush. */
	KEXPECT_EQ(mmk_asid_activate(&alloc, &tag[17], &flushed), asid_of(&alloc, tag[17]));
	KEXPECT_FALSE(flushed);
	/* The 256th space rolls the generation over: one flush, everyone re-tagged later. */
	tag[255] = 0;
	unsigned n = mmk_asid_activate(&alloc, &tag[255], &flushed);
	KEXPECT_TRUE(flushed);
	KEXPECT_EQ(flushes, 1);
	KEXPECT_EQ(alloc.rollovers, 1);
	KEXPECT_EQ(n, 1);
	uint64_t old = tag[0];
	unsigned m = mmk_asid_activate(&alloc, &tag[0], &flushed);
	KEXPECT_FALSE(flushed);
	KEXPECT_NE(tag[0], old); /* a new generation */
	KEXPECT_NE(m, n);
	KEXPECT_EQ(mmk_asid_init(&alloc, 0, count_flush, NULL), -MMK_EINVAL);
	KEXPECT_EQ(mmk_asid_init(&alloc, MMK_ASID_MAX_BITS + 1, count_flush, NULL), -MMK_EINVAL);
}

/*
 * A random sequence of activations over more spaces than numbers, against a model of
 * a tagged TLB: a space must never be given a number whose TLB entries belong to
 * another space unless a flush came in between.
 */
KTEST(asid, random_switches_never_share_live_entries)
{
	enum { SPACES = 40, BITS = 4 };
	static uint64_t tag[SPACES];
	int owner[1 << BITS]; /* which space's entries the TLB holds under each number, -1 none */
	uint64_t rng = 0x1234567ull;
	unsigned bad = 0, steps = ktest_scale(20000, 3000);
	flushes = 0;
	KASSERT_EQ(mmk_asid_init(&alloc, BITS, count_flush, NULL), 0);
	for (unsigned i = 0; i < SPACES; i++)
		tag[i] = 0;
	for (unsigned i = 0; i < (1u << BITS); i++)
		owner[i] = -1;
	for (unsigned s = 0; s < steps; s++) {
		unsigned space = ktest_random_below(&rng, SPACES);
		bool flushed;
		if (ktest_random_below(&rng, 16) == 0)
			tag[space] = 0; /* destroyed and created again */
		unsigned n = mmk_asid_activate(&alloc, &tag[space], &flushed);
		if (flushed)
			for (unsigned i = 0; i < (1u << BITS); i++)
				owner[i] = -1;
		if (n == 0 || (owner[n] != -1 && owner[n] != (int)space))
			bad++;
		owner[n] = (int)space; /* it now fills the TLB under n */
	}
	KEXPECT_EQ(bad, 0);
	KEXPECT_GT(flushes, 10);
	KEXPECT_EQ(flushes, alloc.rollovers);
	ktest_log("%u switches, %u roll-overs", steps, flushes);
}
