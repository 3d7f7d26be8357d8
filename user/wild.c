/* SPDX-License-Identifier: BSD-2-Clause */
/* wild: children write and read through wild pointers (unmapped, and page 0); each is
 * reported and killed, the parent goes on. */
#include "lib/ulib.h"

static int write_wild(void)
{
	*(volatile int *)0x5eadb000 = 1;
	return 0;
}

static int read_null(void)
{
	return *(volatile int *)0;
}

static int write_below_stack(void)
{
	char here;
	volatile uintptr_t guard = (uintptr_t)&here - 66 * 1024; /* past the 64 KiB stack */
	*(volatile char *)guard = 1;
	return 0;
}

int main(void)
{
	CHECK(run_child(write_wild) == SYS_KILLED_PAGE_FAULT);
	CHECK(run_child(read_null) == SYS_KILLED_PAGE_FAULT);
	CHECK(run_child(write_below_stack) == SYS_KILLED_PAGE_FAULT);
	return check_failures;
}
