/* SPDX-License-Identifier: BSD-2-Clause */
/* mem: sbrk and mmap give zeroed, writable memory; munmap removes it (a later touch
 * kills); write + execute is refused; bad pointers to write give -EFAULT. */
#include "lib/ulib.h"

static volatile char *gone;

static int touch_gone(void)
{
	gone[0] = 1;
	return 0; /* not reached: killed */
}

int main(void)
{
	char *a = sbrk(2 * 4096);
	char *b = sbrk(4096);
	CHECK(b == a + 2 * 4096);
	for (int i = 0; i < 3 * 4096; i += 512) {
		CHECK(a[i] == 0);
		a[i] = (char)i;
	}
	long m = mmap(8 * 4096, SYS_PROT_READ | SYS_PROT_WRITE);
	CHECK(m > 0);
	char *p = (char *)m;
	for (int i = 0; i < 8 * 4096; i += 4096) {
		CHECK(p[i] == 0);
		p[i] = 7;
	}
	CHECK(mmap(4096, SYS_PROT_READ | SYS_PROT_WRITE | SYS_PROT_EXEC) == -MMK_EPERM);
	CHECK(mmap(4096, 0) == -MMK_EINVAL);
	CHECK(mmap(100, SYS_PROT_READ) == -MMK_EINVAL);
	CHECK(munmap(p) == 0);
	CHECK(munmap(p) == -MMK_EINVAL);
	CHECK(munmap(a) == -MMK_EINVAL); /* the break is sbrk's */
	gone = p;
	CHECK(run_child(touch_gone) == SYS_KILLED_PAGE_FAULT);
	CHECK(write((void *)0x1000, 10) == -MMK_EFAULT);
	CHECK(write((void *)kernel_address(1), 8) == -MMK_EFAULT);
	CHECK(wait(0) == -MMK_ENOENT);
	CHECK(a[512] == (char)512);
	return check_failures;
}
