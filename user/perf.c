/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * perf: the costs of issue 12's Performance section, measured from user mode (the
 * counter read before and after, so trap to return and the access itself): demand-zero
 * write fault, copy-on-write fault after fork, mmap + munmap of one page, mmap of 1,024
 * pages touched + munmap, mprotect of 1,024 pages (write taken away; given back),
 * fork + exit + wait with 1 MiB touched. Under QEMU -icount
 * shift=0 the counter counts guest instructions; the minimum of each series is printed
 * (a timer tick inside one sample only makes it larger).
 */
#include "lib/ulib.h"

#define PAGES 64

static unsigned long long lowest(unsigned long long a, unsigned long long b)
{
	return a < b ? a : b;
}

static unsigned long long overhead(void)
{
	unsigned long long best = ~0ull;
	for (int i = 0; i < 16; i++) {
		unsigned long long t = cycles();
		best = lowest(best, cycles() - t);
	}
	return best;
}

static unsigned long long zero_fill(unsigned long long base)
{
	long m = mmap(PAGES * 4096, SYS_PROT_READ | SYS_PROT_WRITE);
	CHECK(m > 0);
	volatile char *p = (volatile char *)m;
	unsigned long long best = ~0ull;
	for (int i = 0; i < PAGES; i++) {
		unsigned long long t = cycles();
		p[i * 4096] = 1;
		best = lowest(best, cycles() - t - base);
	}
	CHECK(munmap((void *)m, PAGES * 4096) == 0);
	return best;
}

static unsigned long long cow(unsigned long long base)
{
	long m = mmap(PAGES * 4096, SYS_PROT_READ | SYS_PROT_WRITE);
	CHECK(m > 0);
	volatile char *p = (volatile char *)m;
	for (int i = 0; i < PAGES; i++)
		p[i * 4096] = 1;
	int pid = fork();
	if (pid == 0) {
		for (int i = 0; i < 100; i++)
			yield(); /* holds the shared frames while the parent writes */
		exit(0);
	}
	unsigned long long best = ~0ull;
	for (int i = 0; i < PAGES; i++) {
		unsigned long long t = cycles();
		p[i * 4096] = 2;
		best = lowest(best, cycles() - t - base);
	}
	CHECK(wait(0) == pid);
	CHECK(munmap((void *)m, PAGES * 4096) == 0);
	return best;
}

static unsigned long long map_unmap(unsigned long long base, int pages)
{
	unsigned long long best = ~0ull;
	for (int n = 0; n < 8; n++) {
		unsigned long long t = cycles();
		long m = mmap((size_t)pages * 4096, SYS_PROT_READ | SYS_PROT_WRITE);
		for (int i = 1; i < pages; i++)
			((volatile char *)m)[i * 4096] = 1; /* populated (one page: untouched) */
		int r = munmap((void *)m, (size_t)pages * 4096);
		best = lowest(best, cycles() - t - base);
		CHECK(m > 0 && r == 0);
	}
	return best;
}

static unsigned long long fork_exit_wait(unsigned long long base)
{
	long m = mmap(256 * 4096, SYS_PROT_READ | SYS_PROT_WRITE);
	CHECK(m > 0);
	for (int i = 0; i < 256; i++)
		((volatile char *)m)[i * 4096] = 1;
	unsigned long long best = ~0ull;
	for (int n = 0; n < 4; n++) {
		unsigned long long t = cycles();
		int pid = fork();
		if (pid == 0)
			exit(0);
		int r = wait(0);
		best = lowest(best, cycles() - t - base);
		CHECK(r == pid);
	}
	CHECK(munmap((void *)m, 256 * 4096) == 0);
	return best;
}

/* mprotect of 1,024 pages written to: taking write away (every entry changes) or giving
 * it back (private pages get it back lazily, by a fault each); the minimum of 4 calls. */
static unsigned long long protect(unsigned long long base, int prot)
{
	long m = mmap(1024 * 4096, SYS_PROT_READ | SYS_PROT_WRITE);
	CHECK(m > 0);
	unsigned long long best = ~0ull;
	for (int n = 0; n < 4; n++) {
		CHECK(mprotect((void *)m, 1024 * 4096, SYS_PROT_READ | SYS_PROT_WRITE) == 0);
		for (int i = 0; i < 1024; i++)
			((volatile char *)m)[i * 4096] = 1; /* writable entries again */
		if (prot & SYS_PROT_WRITE)
			CHECK(mprotect((void *)m, 1024 * 4096, SYS_PROT_READ) == 0);
		unsigned long long t = cycles();
		int r = mprotect((void *)m, 1024 * 4096, prot);
		best = lowest(best, cycles() - t - base);
		CHECK(r == 0);
	}
	CHECK(munmap((void *)m, 1024 * 4096) == 0);
	return best;
}

int main(void)
{
	unsigned long long base = overhead();
	printf("perf: demand-zero write fault %llu\n", zero_fill(base));
	printf("perf: copy-on-write fault after fork %llu\n", cow(base));
	printf("perf: mmap + munmap of one page %llu\n", map_unmap(base, 1));
	printf("perf: mmap of 1024 pages touched + munmap %llu\n", map_unmap(base, 1024));
	printf("perf: mprotect of 1024 pages %llu\n", protect(base, SYS_PROT_READ));
	printf("perf: mprotect of 1024 pages, write given back %llu\n",
	       protect(base, SYS_PROT_READ | SYS_PROT_WRITE));
	printf("perf: fork + exit + wait, 1 MiB touched %llu\n", fork_exit_wait(base));
	return check_failures;
}
