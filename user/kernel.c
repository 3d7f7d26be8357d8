/* SPDX-License-Identifier: BSD-2-Clause */
/* kernel: children read kernel data, write it, jump into kernel text; each is refused
 * (killed), and the kernel checks its canary is unchanged afterwards. */
#include "lib/ulib.h"

static int read_kernel(void)
{
	return (int)*(volatile unsigned long *)kernel_address(1);
}

static int write_kernel(void)
{
	*(volatile unsigned long *)kernel_address(1) = 0xBAD;
	return 0;
}

static int jump_kernel(void)
{
	void (*f)(void) = (void (*)(void))kernel_address(0);
	f();
	return 0;
}

int main(void)
{
	CHECK(run_child(read_kernel) >= SYS_KILLED);
	CHECK(run_child(write_kernel) >= SYS_KILLED);
	CHECK(run_child(jump_kernel) >= SYS_KILLED);
	return check_failures;
}
