/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * 64-bit division for the 32-bit kernels, which have no compiler-rt here: i386's
 * __udivdi3 family and ARM's __aeabi_uldivmod call this. Shift-and-subtract, one
 * quotient bit per step; division by zero is a bug and traps through the caller's
 * MMK_ASSERT.
 */
#include <mmukit/services.h>

#include "divide.h"

uint64_t mmk_udivmod64(uint64_t n, uint64_t d, uint64_t *rem)
{
	uint64_t q = 0, r = 0;
	MMK_ASSERT(d != 0);
	for (int bit = 63; bit >= 0; bit--) {
		r = (r << 1) | ((n >> bit) & 1);
		if (r >= d) {
			r -= d;
			q |= (uint64_t)1 << bit;
		}
	}
	if (rem)
		*rem = r;
	return q;
}

int64_t mmk_sdivmod64(int64_t n, int64_t d, int64_t *rem)
{
	uint64_t un = n < 0 ? (uint64_t)0 - (uint64_t)n : (uint64_t)n;
	uint64_t ud = d < 0 ? (uint64_t)0 - (uint64_t)d : (uint64_t)d;
	uint64_t ur;
	uint64_t uq = mmk_udivmod64(un, ud, &ur);
	/* C rounds toward zero: the remainder takes the dividend's sign. */
	if (rem)
		*rem = n < 0 ? -(int64_t)ur : (int64_t)ur;
	return (n < 0) != (d < 0) ? -(int64_t)uq : (int64_t)uq;
}
