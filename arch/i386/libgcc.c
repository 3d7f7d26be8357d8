/* SPDX-License-Identifier: BSD-2-Clause */
/* The 64-bit division helpers clang calls on i386 (no compiler-rt for the target here). */
#include <stdint.h>

#include "divide.h"

uint64_t __udivdi3(uint64_t n, uint64_t d);
uint64_t __umoddi3(uint64_t n, uint64_t d);
int64_t __divdi3(int64_t n, int64_t d);
int64_t __moddi3(int64_t n, int64_t d);

uint64_t __udivdi3(uint64_t n, uint64_t d)
{
	return mmk_udivmod64(n, d, 0);
}

uint64_t __umoddi3(uint64_t n, uint64_t d)
{
	uint64_t r;
	mmk_udivmod64(n, d, &r);
	return r;
}

int64_t __divdi3(int64_t n, int64_t d)
{
	return mmk_sdivmod64(n, d, 0);
}

int64_t __moddi3(int64_t n, int64_t d)
{
	int64_t r;
	mmk_sdivmod64(n, d, &r);
	return r;
}
