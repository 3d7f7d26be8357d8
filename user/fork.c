/* SPDX-License-Identifier: BSD-2-Clause */
/* fork: parent and child write the same data, bss, heap and stack variables after fork;
 * each must see only its own writes (private copy-on-write copies). */
#include "lib/ulib.h"

static int data_word = 1;
static int bss_word;

int main(void)
{
	int *heap = sbrk(4096);
	CHECK((long)heap > 0);
	heap[0] = 10;
	int stack_word = 100;
	bss_word = 1000;
	int parent = getpid();
	int pid = fork();
	CHECK(pid >= 0);
	int mine = pid == 0 ? 2 : 3;
	data_word = mine;
	bss_word = 1000 + mine;
	heap[0] = 10 + mine;
	stack_word = 100 + mine;
	for (int i = 0; i < 3; i++)
		yield(); /* let the other one write in between */
	CHECK(data_word == mine && bss_word == 1000 + mine && heap[0] == 10 + mine &&
	      stack_word == 100 + mine);
	if (pid == 0) {
		CHECK(getpid() != parent);
		printf("child %d sees its own copies\n", getpid());
		return check_failures;
	}
	int status = -1;
	CHECK(wait(&status) == pid);
	CHECK(status == 0);
	CHECK(wait(&status) == -MMK_ENOENT); /* no child left */
	printf("parent %d sees its own copies, child %d exited with %d\n", parent, pid, status);
	return check_failures;
}
