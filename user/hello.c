/* SPDX-License-Identifier: BSD-2-Clause */
/* hello: prints, and checks that getpid gives a pid. */
#include "lib/ulib.h"

int main(void)
{
	int pid = getpid();
	printf("hello from pid %d\n", pid);
	CHECK(pid > 0);
	return check_failures;
}
