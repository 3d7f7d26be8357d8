/* SPDX-License-Identifier: BSD-2-Clause */
/* hog: a child maps and touches memory until the kernel says no - its mmap fails with
 * -ENOMEM, or it is killed when a fault finds no frame - and the kernel goes on: the
 * parent sees the child end, and every frame comes back (the procs suite counts). */
#include "lib/ulib.h"

#define P 4096

static int hog(void)
{
	for (;;) {
		long m = mmap(64 * P, SYS_PROT_READ | SYS_PROT_WRITE);
		if (m < 0)
			return m == -MMK_ENOMEM ? 0 : 1;
		for (int i = 0; i < 64; i++)
			((volatile char *)m)[i * P] = 1;
	}
}

int main(void)
{
	int status = run_child(hog);
	CHECK(status == 0 || status == SYS_KILLED_PAGE_FAULT);
	printf("hog: the child %s\n", status == 0 ? "was refused memory by mmap"
						   : "was killed by a fault with no frame left");
	CHECK(run_child(hog) == status); /* all of it came back: the same again */
	return check_failures;
}
