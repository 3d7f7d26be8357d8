/* SPDX-License-Identifier: BSD-2-Clause */
/* shm: shared anonymous memory stays shared across fork - parent and child see each
 * other's writes, also a grandchild's - while private memory is copied; a child's
 * munmap of the shared pages leaves the parent's mapping alone. */
#include "lib/ulib.h"

#define P 4096
#define RW (SYS_PROT_READ | SYS_PROT_WRITE)

static volatile int *shared, *private;

static int child_writes(void)
{
	CHECK(shared[0] == 1 && private[0] == 1);
	shared[0] = 2;
	shared[P / sizeof(int)] = 3; /* the second page: never touched by the parent yet */
	private[0] = 4;
	int pid = fork();
	if (pid == 0) {
		shared[1] = 5; /* a grandchild */
		exit(check_failures);
	}
	int status = -1;
	CHECK(wait(&status) == pid && status == 0);
	CHECK(shared[1] == 5);
	return check_failures;
}

static int child_unmaps(void)
{
	CHECK(munmap((void *)shared, 2 * P) == 0);
	return 0;
}

int main(void)
{
	long s = mmap_at(0, 2 * P, RW, SYS_MAP_SHARED), p = mmap(P, RW);
	CHECK(s > 0 && p > 0);
	shared = (volatile int *)s;
	private = (volatile int *)p;
	shared[0] = 1;
	private[0] = 1;
	CHECK(run_child(child_writes) == 0);
	CHECK(shared[0] == 2 && shared[P / sizeof(int)] == 3 && shared[1] == 5);
	CHECK(private[0] == 1);
	CHECK(run_child(child_unmaps) == 0);
	CHECK(shared[0] == 2);
	shared[0] = 6;
	CHECK(shared[0] == 6);
	CHECK(munmap((void *)shared, 2 * P) == 0 && munmap((void *)private, P) == 0);
	return check_failures;
}
