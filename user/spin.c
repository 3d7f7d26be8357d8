/* SPDX-License-Identifier: BSD-2-Clause */
/* spin: parent and child each count to a large number without a system call; they share
 * the CPU only because the timer preempts them (the kernel counts the preemptions). */
#include "lib/ulib.h"

static unsigned long spin(void)
{
	volatile unsigned long n = 0;
	for (unsigned long i = 0; i < 20000000; i++)
		n++;
	return n;
}

int main(void)
{
	int pid = fork();
	CHECK(pid >= 0);
	CHECK(spin() == 20000000);
	if (pid == 0)
		return check_failures;
	int status = -1;
	CHECK(wait(&status) == pid && status == 0);
	return check_failures;
}
