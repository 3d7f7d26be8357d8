/* SPDX-License-Identifier: BSD-2-Clause */
/* forkbomb: every process forks until fork fails (the process table or memory runs out),
 * then waits for its children. It must end in -ENOSPC / -ENOMEM, never a panic. */
#include "lib/ulib.h"

int main(void)
{
	int top = getpid(), error = 0, children = 0;
	for (;;) {
		int pid = fork();
		if (pid < 0) {
			error = pid;
			break;
		}
		if (pid == 0) {
			children = 0; /* the child forks on too */
			continue;
		}
		children++;
	}
	int status, bad = 0;
	for (int i = 0; i < children; i++)
		if (wait(&status) < 0 || status != 0)
			bad++;
	if (getpid() != top)
		return bad || (error != -MMK_ENOSPC && error != -MMK_ENOMEM);
	printf("fork failed with %d after %d children of pid %d\n", error, children, top);
	CHECK(error == -MMK_ENOSPC || error == -MMK_ENOMEM);
	CHECK(children > 0);
	CHECK(bad == 0);
	return check_failures;
}
