/* SPDX-License-Identifier: BSD-2-Clause */
/* exec: a child replaces itself with hello; unknown names and bad pointers fail. */
#include "lib/ulib.h"

static int exec_hello(void)
{
	exec("hello");
	return 99; /* exec returned: failed */
}

int main(void)
{
	CHECK(exec("no-such-program") == -MMK_ENOENT);
	CHECK(exec((const char *)0x10) == -MMK_EFAULT);
	CHECK(exec((const char *)kernel_address(1)) == -MMK_EFAULT);
	CHECK(run_child(exec_hello) == 0);
	return check_failures;
}
