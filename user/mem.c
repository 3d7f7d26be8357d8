/* SPDX-License-Identifier: BSD-2-Clause */
/* mem: sbrk grows and shrinks the break; mmap gives zeroed, writable memory at a hint,
 * at a fixed address or anywhere; munmap and mprotect work on any page range (a later
 * touch of an unmapped or read-only page kills); write + execute is refused; bad
 * pointers to write give -EFAULT. */
#include "lib/ulib.h"

#define P 4096
#define RW (SYS_PROT_READ | SYS_PROT_WRITE)

static volatile char *target;

static int touch_target(void)
{
	target[0] = 1;
	return 0; /* not reached: killed */
}

static int read_target(void)
{
	return target[0] == 0 ? 0 : 1;
}

/* Whether a child writing at va is killed by the fault. */
static bool write_kills(volatile char *va)
{
	target = va;
	return run_child(touch_target) == SYS_KILLED_PAGE_FAULT;
}

static void check_break(void)
{
	char *a = sbrk(2 * P);
	char *b = sbrk(P);
	CHECK(b == a + 2 * P);
	for (int i = 0; i < 3 * P; i += 512) {
		CHECK(a[i] == 0);
		a[i] = (char)i;
	}
	CHECK(sbrk(-P) == a + 3 * P); /* gives back b's page */
	CHECK(sbrk(0) == a + 2 * P);
	CHECK(write_kills(b));
	CHECK(sbrk(100) == (void *)(long)-MMK_EINVAL);
	CHECK(a[512] == (char)512);
}

static void check_mmap(void)
{
	long m = mmap(8 * P, RW);
	CHECK(m > 0);
	char *p = (char *)m;
	for (int i = 0; i < 8 * P; i += P) {
		CHECK(p[i] == 0);
		p[i] = 7;
	}
	CHECK(mmap(P, SYS_PROT_READ | SYS_PROT_WRITE | SYS_PROT_EXEC) == -MMK_EPERM);
	CHECK(mmap(P, 0) == -MMK_EINVAL);
	CHECK(mmap(100, SYS_PROT_READ) == -MMK_EALIGN);
	CHECK(mmap_at(p, P, RW, SYS_MAP_NOREPLACE) == -MMK_EEXIST);
	CHECK(mmap_at(p + 2 * P, P, RW, SYS_MAP_FIXED) == (long)(p + 2 * P)); /* replaced: zero */
	CHECK(p[2 * P] == 0 && p[3 * P] == 7);
	CHECK(munmap(p + P, P) == 0); /* a hole in the middle */
	CHECK(write_kills(p + P));
	CHECK(p[0] == 7 && p[4 * P] == 7);
	CHECK(munmap(p, 8 * P) == 0);
	CHECK(munmap(p, 8 * P) == 0); /* nothing there: fine, as POSIX says */
	CHECK(write_kills(p));
	CHECK(munmap(p + 1, P) == -MMK_EALIGN);
	CHECK(munmap(p, 0) == -MMK_EINVAL);
}

static void check_mprotect(void)
{
	char *p = (char *)mmap(4 * P, RW);
	p[P] = 5;
	CHECK(mprotect(p + P, P, SYS_PROT_READ) == 0);
	CHECK(p[P] == 5);
	CHECK(write_kills(p + P));
	CHECK(!write_kills(p)); /* its neighbours keep write access */
	target = p + P;
	CHECK(run_child(read_target) == 1); /* still readable, still 5 */
	CHECK(mprotect(p, 4 * P, RW) == 0);
	p[P] = 6;
	CHECK(p[P] == 6);
	CHECK(mprotect(p, 4 * P, SYS_PROT_READ | SYS_PROT_WRITE | SYS_PROT_EXEC) == -MMK_EPERM);
	CHECK(munmap(p, 4 * P) == 0);
	CHECK(mprotect(p, P, SYS_PROT_READ) == -MMK_ENOENT);
}

int main(void)
{
	check_break();
	check_mmap();
	check_mprotect();
	CHECK(write((void *)0x1000, 10) == -MMK_EFAULT);
	CHECK(write((void *)kernel_address(1), 8) == -MMK_EFAULT);
	CHECK(wait(0) == -MMK_ENOENT);
	return check_failures;
}
