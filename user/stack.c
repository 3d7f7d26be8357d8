/* SPDX-License-Identifier: BSD-2-Clause */
/* stack: the stack grows on demand as a recursion goes deeper, every frame keeping its
 * bytes, down to its limit; a recursion without end reaches the guard below the limit
 * and is reported and killed, the parent goes on. */
#include "lib/ulib.h"

/* About 1 KiB of stack per level; returns the sum of what each level kept. */
static int deep(int n)
{
	volatile char frame[1000];
	for (unsigned i = 0; i < sizeof(frame); i += 100)
		frame[i] = (char)n;
	int below = n ? deep(n - 1) : 0;
	for (unsigned i = 0; i < sizeof(frame); i += 100)
		CHECK(frame[i] == (char)n);
	return below + frame[500];
}

static volatile int no_end = 1 << 30; /* far deeper than any stack: never reached */

static int without_end(int n)
{
	volatile char frame[1000];
	frame[0] = (char)n;
	return n < no_end ? without_end(n + 1) + frame[0] : 0;
}

static int overflow(void)
{
	return without_end(0);
}

int main(void)
{
	CHECK(deep(40) == 40 * 41 / 2); /* about 40 KiB: the stack grew to hold it */
	CHECK(deep(40) == 40 * 41 / 2); /* again, in the pages it has now */
	CHECK(run_child(overflow) == SYS_KILLED_PAGE_FAULT);
	return check_failures;
}
