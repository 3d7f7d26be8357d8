/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * stress: the user half of the kernel's stress run (kernel/stress_proc.c). Random
 * fork / exit / wait / mmap / munmap / sbrk and loads and stores, each process with its
 * own model of its memory: every page's first and last word (0 until written). A
 * child checks everything it inherited, then goes its own way; a parent's later
 * writes must never show in a child or the other way round (copy-on-write). At most
 * three children per process and two generations below the first, so the process
 * table never fills and no fork may fail. The sequence comes from the start state the
 * kernel leaves at STRESS_PARAMS_VA, split at each fork: nothing depends on timing.
 * Exit status 0 when every check held, in this process and in every child it waited for.
 */
#include "lib/ulib.h"
#include "kernel/stress.h"

#define P 4096
#define WORDS (P / 4)
#define REGIONS 6
#define REGION_PAGES 8
#define BRK_PAGES 32
#define MAX_DEPTH 2
#define MAX_CHILDREN 3

struct region {
	uint32_t *base; /* NULL: slot free */
	unsigned pages;
	bool rw;
	uint32_t val[REGION_PAGES][2];
};

static struct region regions[REGIONS];
static uint32_t *brk_base;
static unsigned brk_pages;
static uint32_t brk_val[BRK_PAGES][2];
static uint64_t rng;
static int depth, children;
static volatile uint32_t *gone; /* a page just unmapped */

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static unsigned below(unsigned n)
{
	return (uint32_t)(next() >> 32) % n;
}

static uint32_t *page_of(uint32_t *base, unsigned page)
{
	return base + (size_t)page * WORDS;
}

static void check_page(const uint32_t *page, const uint32_t val[2])
{
	CHECK(page[0] == val[0] && page[WORDS - 1] == val[1]);
}

static void write_page(uint32_t *page, uint32_t val[2])
{
	unsigned w = below(2);
	uint32_t x = (uint32_t)next() | 1;
	page[w ? WORDS - 1 : 0] = x;
	val[w] = x;
}

static void check_everything(void)
{
	for (unsigned r = 0; r < REGIONS; r++)
		for (unsigned p = 0; regions[r].base && p < regions[r].pages; p++)
			check_page(page_of(regions[r].base, p), regions[r].val[p]);
	for (unsigned p = 0; p < brk_pages; p++)
		check_page(page_of(brk_base, p), brk_val[p]);
}

static void op_mmap(void)
{
	struct region *r = &regions[below(REGIONS)];
	if (r->base)
		return;
	r->pages = 1 + below(REGION_PAGES);
	r->rw = below(4) != 0;
	long m = mmap((size_t)r->pages * P, r->rw ? SYS_PROT_READ | SYS_PROT_WRITE : SYS_PROT_READ);
	CHECK(m > 0);
	if (m <= 0)
		return;
	r->base = (uint32_t *)m;
	memset(r->val, 0, sizeof(r->val));
	check_page(page_of(r->base, below(r->pages)), r->val[0]); /* demand-zero */
}

static int touch_gone(void)
{
	gone[0] = 1;
	return 0; /* not reached: the kernel kills this process */
}

static void op_munmap(void)
{
	struct region *r = &regions[below(REGIONS)];
	if (!r->base)
		return;
	CHECK(munmap(r->base, (size_t)r->pages * P) == 0);
	CHECK(munmap(r->base, (size_t)r->pages * P) == 0); /* nothing left there: fine */
	gone = r->base;
	r->base = NULL;
	if (children == 0 && below(32) == 0) /* now a touch kills (rarely: it prints a report) */
		CHECK(run_child(touch_gone) == SYS_KILLED_PAGE_FAULT);
}

static void op_touch(void)
{
	struct region *r = &regions[below(REGIONS)];
	if (!r->base)
		return;
	unsigned p = below(r->pages);
	check_page(page_of(r->base, p), r->val[p]);
	if (r->rw)
		write_page(page_of(r->base, p), r->val[p]);
}

static void op_sbrk(void)
{
	unsigned n = 1 + below(4);
	if (brk_pages + n > BRK_PAGES)
		return;
	uint32_t *old = sbrk((size_t)n * P);
	CHECK((long)old > 0);
	if ((long)old <= 0)
		return;
	if (!brk_base)
		brk_base = old;
	CHECK(old == page_of(brk_base, brk_pages));
	for (unsigned p = brk_pages; p < brk_pages + n; p++)
		brk_val[p][0] = brk_val[p][1] = 0;
	brk_pages += n;
	CHECK(sbrk(0) == page_of(brk_base, brk_pages));
}

static void op_brk_touch(void)
{
	if (!brk_pages)
		return;
	unsigned p = below(brk_pages);
	check_page(page_of(brk_base, p), brk_val[p]);
	write_page(page_of(brk_base, p), brk_val[p]);
}

/* Returns the operations the caller has left: a child starts over with fewer. */
static unsigned op_fork(unsigned left)
{
	if (depth >= MAX_DEPTH || children >= MAX_CHILDREN)
		return left;
	uint64_t mine = next();
	int pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		depth++;
		children = 0;
		rng = mine ^ 0xC13FA9A902A6328Full;
		check_everything(); /* what the parent had, as it was */
		return left / 4 + 1; /* the caller counts this one */
	}
	if (pid > 0)
		children++;
	rng = mine ^ 0x9E3779B97F4A7C15ull;
	return left;
}

static void op_wait(void)
{
	if (!children)
		return;
	int status = -1;
	CHECK(wait(&status) > 0);
	CHECK(status == 0);
	children--;
}

int main(void)
{
	const struct stress_params *params = (const struct stress_params *)STRESS_PARAMS_VA;
	if (params->magic != STRESS_PARAMS_MAGIC) {
		printf("stress: no parameters at 0x%x\n", STRESS_PARAMS_VA);
		return 2;
	}
	rng = params->start | 1;
	for (unsigned left = params->ops; left; left--) {
		switch (below(16)) {
		case 0:
		case 1:
			op_mmap();
			break;
		case 2:
			op_munmap();
			break;
		case 3:
		case 4:
		case 5:
		case 6:
			op_touch();
			break;
		case 7:
			op_sbrk();
			break;
		case 8:
		case 9:
			op_brk_touch();
			break;
		case 10:
			left = op_fork(left);
			break;
		case 11:
			op_wait();
			break;
		case 12:
			check_everything();
			break;
		case 13:
			yield();
			break;
		default:
			op_touch();
			break;
		}
		if (check_failures)
			break;
	}
	while (children)
		op_wait();
	check_everything();
	if (check_failures)
		printf("stress: %d checks failed (depth %d)\n", check_failures, depth);
	return check_failures ? 1 : 0;
}
