/* SPDX-License-Identifier: BSD-2-Clause */
/* Tests for the used-virtual-range set (core/vas.c). */
#include <mmukit/errno.h>
#include <mmukit/ktest.h>
#include <mmukit/vas.h>

#define P 0x1000u
#define BASE 0x10000000u

static struct mmk_vas vas;
static struct mmk_vas_range nodes[600];

KTEST(vas, reserve_lookup_and_iterate)
{
	mmk_vas_init(&vas, BASE, BASE + 100 * P);
	KEXPECT_EQ(mmk_vas_reserve(&vas, &nodes[0], BASE + 10 * P, 2 * P), 0);
	KEXPECT_EQ(mmk_vas_reserve(&vas, &nodes[1], BASE, P), 0);
	KEXPECT_EQ(mmk_vas_reserve(&vas, &nodes[2], BASE + 50 * P, 50 * P), 0);
	KEXPECT_TRUE(mmk_vas_lookup(&vas, BASE + 11 * P + 5) == &nodes[0]);
	KEXPECT_TRUE(mmk_vas_lookup(&vas, BASE + 12 * P) == NULL);
	KEXPECT_TRUE(mmk_vas_lookup(&vas, BASE + 100 * P - 1) == &nodes[2]);
	KEXPECT_TRUE(mmk_vas_first(&vas, 0) == &nodes[1]);
	KEXPECT_TRUE(mmk_vas_next(&vas, &nodes[1]) == &nodes[0]);
	KEXPECT_TRUE(mmk_vas_next(&vas, &nodes[0]) == &nodes[2]);
	KEXPECT_TRUE(mmk_vas_next(&vas, &nodes[2]) == NULL);
	KEXPECT_EQ(vas.count, 3);
	KEXPECT_EQ(mmk_vas_check(&vas), 0);
}

KTEST(vas, overlaps_and_bad_ranges_are_refused)
{
	mmk_vas_init(&vas, BASE, BASE + 100 * P);
	KASSERT_EQ(mmk_vas_reserve(&vas, &nodes[0], BASE + 10 * P, 10 * P), 0);
	KEXPECT_EQ(mmk_vas_reserve(&vas, &nodes[1], BASE + 19 * P, 2 * P), -MMK_EEXIST);
	KEXPECT_EQ(mmk_vas_reserve(&vas, &nodes[1], BASE + 5 * P, 6 * P), -MMK_EEXIST);
	KEXPECT_EQ(mmk_vas_reserve(&vas, &nodes[1], BASE + 5 * P, 100 * P), -MMK_ERANGE);
	KEXPECT_EQ(mmk_vas_reserve(&vas, &nodes[1], BASE - P, 2 * P), -MMK_ERANGE);
	KEXPECT_EQ(mmk_vas_reserve(&vas, &nodes[1], (mmk_vaddr_t)-P, 2 * P), -MMK_ERANGE);
	KEXPECT_EQ(mmk_vas_reserve(&vas, &nodes[1], BASE, 0), -MMK_EINVAL);
	KEXPECT_EQ(mmk_vas_free(&vas, &nodes[1]), -MMK_ENOENT);
	KEXPECT_EQ(mmk_vas_reserve(&vas, &nodes[1], BASE + 20 * P, P), 0); /* touching is fine */
	KEXPECT_EQ(vas.count, 2);
	KEXPECT_EQ(mmk_vas_check(&vas), 0);
}

KTEST(vas, allocation_lowest_highest_aligned_and_bounded)
{
	mmk_vaddr_t s;
	mmk_vas_init(&vas, BASE, BASE + 256 * P);
	KASSERT_EQ(mmk_vas_reserve(&vas, &nodes[0], BASE + P, P), 0);
	KEXPECT_EQ(mmk_vas_alloc(&vas, &nodes[1], P, P, 0, (mmk_vaddr_t)-1, MMK_VAS_LOWEST, &s), 0);
	KEXPECT_EQ(s, BASE);
	KEXPECT_EQ(mmk_vas_alloc(&vas, &nodes[2], 2 * P, 16 * P, 0, (mmk_vaddr_t)-1, MMK_VAS_LOWEST, &s), 0);
	KEXPECT_EQ(s, BASE + 16 * P);
	KEXPECT_EQ(mmk_vas_alloc(&vas, &nodes[3], 3 * P, P, 0, (mmk_vaddr_t)-1, MMK_VAS_HIGHEST, &s), 0);
	KEXPECT_EQ(s, BASE + 253 * P);
	KEXPECT_EQ(mmk_vas_alloc(&vas, &nodes[4], P, 64 * P, 0, (mmk_vaddr_t)-1, MMK_VAS_HIGHEST, &s), 0);
	KEXPECT_EQ(s, BASE + 192 * P);
	/* Bounds: a heap growing up from 32 and MMIO down from 64 meet, then fail. */
	unsigned up = 0, down = 0;
	for (int i = 5; i < 100; i++) {
		int d = i % 2 ? MMK_VAS_LOWEST : MMK_VAS_HIGHEST;
		if (mmk_vas_alloc(&vas, &nodes[i], 2 * P, P, BASE + 32 * P, BASE + 64 * P, d, &s))
			break;
		d == MMK_VAS_LOWEST ? up++ : down++;
	}
	KEXPECT_EQ(up + down, 16);
	KEXPECT_EQ(mmk_vas_lookup(&vas, BASE + 32 * P)->start, BASE + 32 * P);
	KEXPECT_EQ(mmk_vas_lookup(&vas, BASE + 63 * P)->end, BASE + 64 * P);
	KEXPECT_EQ(mmk_vas_alloc(&vas, &nodes[200], P, P, BASE + 32 * P, BASE + 64 * P, MMK_VAS_LOWEST, &s),
		   -MMK_ENOMEM);
	KEXPECT_EQ(mmk_vas_find(&vas, P, P, 0, (mmk_vaddr_t)-1, MMK_VAS_LOWEST, &s), 0);
	KEXPECT_EQ(s, BASE + 2 * P);
	KEXPECT_EQ(mmk_vas_find(&vas, P, P, 0, (mmk_vaddr_t)-1, MMK_VAS_HIGHEST, &s), 0);
	KEXPECT_EQ(s, BASE + 252 * P);
	KEXPECT_EQ(mmk_vas_lookup(&vas, BASE + 2 * P), NULL); /* find adds nothing */
	KEXPECT_EQ(mmk_vas_alloc(&vas, &nodes[200], 0, P, 0, (mmk_vaddr_t)-1, MMK_VAS_LOWEST, &s), -MMK_EINVAL);
	KEXPECT_EQ(mmk_vas_alloc(&vas, &nodes[200], P, 3 * P, 0, (mmk_vaddr_t)-1, MMK_VAS_LOWEST, &s), -MMK_EINVAL);
	KEXPECT_EQ(mmk_vas_alloc(&vas, &nodes[200], P, P, 0, (mmk_vaddr_t)-1, 7, &s), -MMK_EINVAL);
	KEXPECT_EQ(mmk_vas_check(&vas), 0);
}

/* ------------------------------------------------------------ random vs a model */

#define UNITS 512 /* pages in the window */

static short owner[UNITS]; /* node index + 1, or 0 */
static uint64_t rng;

static unsigned rnd(unsigned n)
{
	return ktest_random_below(&rng, n);
}

static bool units_free(unsigned first, unsigned n)
{
	for (unsigned i = first; i < first + n; i++)
		if (owner[i])
			return false;
	return true;
}

/* The unit a lowest/highest fit must return, by brute force; -1 if none. */
static int model_fit(unsigned n, unsigned align, int direction)
{
	if (direction == MMK_VAS_LOWEST) {
		for (unsigned u = 0; u + n <= UNITS; u += align)
			if (units_free(u, n))
				return (int)u;
	} else {
		for (int u = (int)((UNITS - n) / align * align); u >= 0; u -= (int)align)
			if (units_free((unsigned)u, n))
				return u;
	}
	return -1;
}

KTEST(vas, random_operations_match_a_model)
{
	unsigned bad = 0, steps = ktest_scale(20000, 2000), allocs = 0, frees = 0;
	mmk_vas_init(&vas, BASE, BASE + UNITS * P);
	for (unsigned i = 0; i < UNITS; i++)
		owner[i] = 0;
	bool used[600] = {false};
	rng = 0xD1B54A32D192ED03ull;
	for (unsigned step = 0; step < steps && bad == 0; step++) {
		unsigned k = rnd(600), op = rnd(3);
		if (used[k]) { /* free it */
			struct mmk_vas_range *r = &nodes[k];
			for (mmk_vaddr_t a = r->start; a < r->end; a += P)
				owner[(a - BASE) / P] = 0;
			bad += mmk_vas_free(&vas, r) != 0;
			used[k] = false;
			frees++;
		} else if (op == 0) { /* reserve somewhere */
			unsigned first = rnd(UNITS), n = 1 + rnd(8);
			bool ok = first + n <= UNITS && units_free(first, n);
			int err = mmk_vas_reserve(&vas, &nodes[k], BASE + first * P, n * P);
			if (ok != (err == 0))
				bad++;
			if (!err) {
				used[k] = true;
				for (unsigned i = first; i < first + n; i++)
					owner[i] = (short)(k + 1);
			}
		} else { /* allocate */
			unsigned n = 1 + rnd(8), align = 1u << rnd(4);
			int dir = op == 1 ? MMK_VAS_LOWEST : MMK_VAS_HIGHEST;
			int want = model_fit(n, align, dir);
			mmk_vaddr_t s = 0;
			int err = mmk_vas_alloc(&vas, &nodes[k], n * P, align * P, 0, (mmk_vaddr_t)-1, dir, &s);
			if ((want < 0) != (err != 0) || (!err && s != BASE + (unsigned)want * P))
				bad++;
			if (!err) {
				used[k] = true;
				allocs++;
				for (unsigned i = 0; i < n; i++)
					owner[(s - BASE) / P + i] = (short)(k + 1);
			}
		}
		if (mmk_vas_check(&vas) != 0)
			bad++;
		for (unsigned t = 0; t < 4; t++) {
			unsigned u = rnd(UNITS);
			struct mmk_vas_range *r = mmk_vas_lookup(&vas, BASE + u * P + 7);
			if ((r == NULL) != (owner[u] == 0) || (r && r != &nodes[owner[u] - 1]))
				bad++;
		}
	}
	ktest_log("%u allocations, %u frees, %zu live ranges at the end", allocs, frees, vas.count);
	KEXPECT_EQ(bad, 0);
	KEXPECT_GT(allocs, 100);
}
