/* SPDX-License-Identifier: BSD-2-Clause */
/* mmap: mmap (fixed), munmap and mprotect of random page ranges against a model of
 * what each page is (unmapped, read-only, read-write) and holds; reads check every
 * readable page, and now and then a child's write to a page must kill it exactly when
 * the model says it is not writable - and, when it is, change nothing for the parent. */
#include "lib/ulib.h"

#define P 4096
#define PAGES 32
#define R SYS_PROT_READ
#define RW (SYS_PROT_READ | SYS_PROT_WRITE)

static char *base;
static int prot[PAGES]; /* 0: unmapped */
static unsigned val[PAGES];
static unsigned long long rng = 0x2545F4914F6CDD1Dull;
static volatile unsigned *target;

static unsigned below(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng >> 32) % n;
}

static volatile unsigned *page(unsigned i)
{
	return (volatile unsigned *)(base + (unsigned long)i * P);
}

static int write_target(void)
{
	*target = 0xBAD;
	return 0;
}

static void map(unsigned first, unsigned n)
{
	int pr = below(2) ? RW : R;
	CHECK(mmap_at(base + (unsigned long)first * P, n * P, pr, SYS_MAP_FIXED) ==
	      (long)(base + (unsigned long)first * P));
	for (unsigned i = first; i < first + n; i++) {
		prot[i] = pr;
		val[i] = 0;
	}
}

static void unmap(unsigned first, unsigned n)
{
	CHECK(munmap(base + (unsigned long)first * P, n * P) == 0);
	for (unsigned i = first; i < first + n; i++)
		prot[i] = 0;
}

static void protect(unsigned first, unsigned n)
{
	int pr = below(2) ? RW : R, hole = 0;
	for (unsigned i = first; i < first + n; i++)
		hole |= !prot[i];
	int r = mprotect(base + (unsigned long)first * P, n * P, pr);
	CHECK(r == (hole ? -MMK_ENOENT : 0));
	for (unsigned i = first; i < first + n && !hole; i++)
		prot[i] = pr;
}

static void check_all(void)
{
	for (unsigned i = 0; i < PAGES; i++)
		if (prot[i])
			CHECK(*page(i) == val[i]);
}

static void check_child_write(unsigned i)
{
	target = page(i);
	int status = run_child(write_target);
	CHECK(status == (prot[i] == RW ? 0 : SYS_KILLED_PAGE_FAULT));
	if (prot[i])
		CHECK(*page(i) == val[i]); /* the child's write was its own */
}

int main(void)
{
	long m = mmap(PAGES * P, RW);
	CHECK(m > 0);
	base = (char *)m;
	CHECK(munmap(base, PAGES * P) == 0);
	for (int step = 0; step < 600; step++) {
		unsigned first = below(PAGES), n = 1 + below(PAGES - first < 8 ? PAGES - first : 8);
		unsigned op = below(10);
		if (op < 2)
			map(first, n);
		else if (op < 3)
			unmap(first, n);
		else if (op < 5)
			protect(first, n);
		else if (op < 8 && prot[first] == RW)
			*page(first) = val[first] = below(1000000) + 1;
		else if (prot[first])
			CHECK(*page(first) == val[first]);
		if (step % 50 == 0) {
			check_all();
			check_child_write(below(PAGES));
		}
	}
	check_all();
	CHECK(munmap(base, PAGES * P) == 0);
	return check_failures;
}
