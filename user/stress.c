/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * stress: the user half of the kernel's stress run (kernel/stress_proc.c). Random
 * fork / exit / wait / mmap (private and shared) / munmap and mprotect of any part of a
 * region / sbrk up and down, and loads and stores, each process with its own model of
 * its memory: every page's first and last word (0 until written), whether it is mapped
 * and writable. A child checks everything it inherited, then goes its own way: private
 * pages are copies (copy-on-write: a parent's later write never shows in the child or
 * the other way round), shared ones are one memory - the child writes a token of its
 * own into a shared region the parent made, which the parent must see once it has
 * waited for its children (a process writes its shared pages only while it has no
 * child, and never the ones it inherited, so every value is known in advance).
 * At most three children per process and two generations below the first, so the
 * process table never fills and no fork may fail. The sequence comes from the start
 * state the kernel leaves at STRESS_PARAMS_VA, split at each fork: nothing depends on
 * timing. Exit status 0 when every check held, in this process and in every child it
 * waited for.
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
	bool shared, own;        /* own: made by this process (not inherited) */
	bool mapped[REGION_PAGES];
	bool rw[REGION_PAGES];
	uint32_t val[REGION_PAGES][2];
	uint32_t token[MAX_CHILDREN]; /* own shared: what each child writes to page 0 */
};

static struct region regions[REGIONS];
static uint32_t *brk_base;
static unsigned brk_pages;
static uint32_t brk_val[BRK_PAGES][2];
static uint64_t rng;
static int depth, children;
static volatile uint32_t *gone; /* a page just unmapped, or read-only */

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
	for (unsigned i = 0; i < REGIONS; i++) {
		struct region *r = &regions[i];
		for (unsigned p = 0; r->base && p < r->pages; p++)
			if (r->mapped[p])
				check_page(page_of(r->base, p), r->val[p]);
	}
	for (unsigned p = 0; p < brk_pages; p++)
		check_page(page_of(brk_base, p), brk_val[p]);
}

static void op_mmap(void)
{
	struct region *r = &regions[below(REGIONS)];
	if (r->base)
		return;
	unsigned pages = 1 + below(REGION_PAGES);
	bool rw = below(4) != 0, shared = below(3) == 0;
	int prot = rw ? SYS_PROT_READ | SYS_PROT_WRITE : SYS_PROT_READ;
	long m = shared ? mmap_at(0, (size_t)pages * P, prot, SYS_MAP_SHARED)
			: mmap((size_t)pages * P, prot);
	CHECK(m > 0);
	if (m <= 0)
		return;
	*r = (struct region){(uint32_t *)m, pages, shared, true, {0}, {0}, {{0}}, {0}};
	for (unsigned p = 0; p < pages; p++) {
		r->mapped[p] = true;
		r->rw[p] = rw;
	}
	check_page(page_of(r->base, below(pages)), r->val[0]); /* zero-filled */
}

static int touch_gone(void)
{
	gone[0] = 1;
	return 0; /* not reached: the kernel kills this process */
}

/* Now and then (it prints a report), a store to *page must kill a child that makes it. */
static void store_kills(uint32_t *page)
{
	if (children == 0 && below(32) == 0) {
		gone = page;
		CHECK(run_child(touch_gone) == SYS_KILLED_PAGE_FAULT);
	}
}

/* The region with a mapped page at address page (a new region can take the place of
 * pages another one gave back), and that page's index; NULL when nothing is there. */
static struct region *holder(const uint32_t *page, unsigned *index)
{
	for (unsigned i = 0; i < REGIONS; i++) {
		struct region *r = &regions[i];
		if (!r->base || page < r->base || page >= page_of(r->base, r->pages))
			continue;
		unsigned p = (unsigned)((page - r->base) / WORDS);
		if (r->mapped[p]) {
			*index = p;
			return r;
		}
	}
	return NULL;
}

static void forget_if_empty(struct region *r)
{
	for (unsigned p = 0; p < r->pages; p++)
		if (r->mapped[p])
			return;
	r->base = NULL;
}

/* A random run [*first, *first + *n) of region r's pages. */
static void pick_pages(const struct region *r, unsigned *first, unsigned *n)
{
	*first = below(r->pages);
	*n = 1 + below(r->pages - *first);
}

static void op_munmap(void)
{
	struct region *r = &regions[below(REGIONS)];
	if (!r->base)
		return;
	unsigned first, n;
	pick_pages(r, &first, &n);
	uint32_t *start = page_of(r->base, first);
	CHECK(munmap(start, (size_t)n * P) == 0);
	CHECK(munmap(start, (size_t)n * P) == 0); /* nothing there now: fine */
	for (unsigned k = 0; k < n; k++) { /* whatever was there is gone */
		unsigned p;
		struct region *h = holder(page_of(start, k), &p);
		if (h) {
			h->mapped[p] = false;
			if (p == 0) /* the children's tokens can no longer be seen */
				memset(h->token, 0, sizeof(h->token));
			forget_if_empty(h);
		}
	}
	store_kills(start);
}

static void op_mprotect(void)
{
	struct region *r = &regions[below(REGIONS)];
	if (!r->base)
		return;
	unsigned first, n, p;
	pick_pages(r, &first, &n);
	uint32_t *start = page_of(r->base, first);
	bool rw = below(2), all = true;
	for (unsigned k = 0; k < n; k++)
		all = all && holder(page_of(start, k), &p);
	int err = mprotect(start, (size_t)n * P, rw ? SYS_PROT_READ | SYS_PROT_WRITE : SYS_PROT_READ);
	CHECK(all ? err == 0 : err == -MMK_ENOENT);
	if (!all)
		return;
	for (unsigned k = 0; k < n; k++)
		holder(page_of(start, k), &p)->rw[p] = rw;
	if (!rw)
		store_kills(start);
}

static void op_touch(void)
{
	struct region *r = &regions[below(REGIONS)];
	if (!r->base)
		return;
	unsigned p = below(r->pages);
	if (!r->mapped[p])
		return;
	check_page(page_of(r->base, p), r->val[p]);
	/* Shared pages: only their owner writes them, and only while it has no child, so
	 * they never change under a process that reads them (the tokens aside, in words
	 * the model does not cover). */
	if (r->rw[p] && (!r->shared || (r->own && children == 0)))
		write_page(page_of(r->base, p), r->val[p]);
}

static void op_sbrk(void)
{
	if (brk_pages && below(4) == 0) { /* give some back */
		unsigned n = 1 + below(brk_pages);
		uint32_t *old = sbrk(-(long)n * P);
		CHECK(old == page_of(brk_base, brk_pages));
		brk_pages -= n;
		CHECK(sbrk(0) == page_of(brk_base, brk_pages));
		return;
	}
	unsigned n = 1 + below(4);
	if (brk_pages + n > BRK_PAGES)
		return;
	uint32_t *old = sbrk((long)n * P);
	CHECK((long)old > 0);
	if ((long)old <= 0)
		return;
	if (!brk_base)
		brk_base = old;
	CHECK(old == page_of(brk_base, brk_pages));
	for (unsigned p = brk_pages; p < brk_pages + n; p++) {
		brk_val[p][0] = brk_val[p][1] = 0;
		check_page(page_of(old, p - brk_pages), brk_val[p]); /* zero, even where it was before */
	}
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

/* A child writes a token into a word of page 0 of its parent's first own writable
 * shared region (word 1 + slot: the model's words are the first and the last), which
 * the parent checks once every child has been waited for. */
static struct region *token_region(unsigned *slot)
{
	for (unsigned i = 0; i < REGIONS; i++) {
		struct region *r = &regions[i];
		if (!r->base || !r->shared || !r->own || !r->mapped[0] || !r->rw[0])
			continue;
		for (unsigned k = 0; k < MAX_CHILDREN; k++)
			if (!r->token[k]) {
				*slot = k;
				return r;
			}
	}
	return NULL;
}

static void check_tokens(void)
{
	for (unsigned i = 0; i < REGIONS; i++)
		for (unsigned k = 0; regions[i].base && k < MAX_CHILDREN; k++)
			if (regions[i].token[k]) {
				CHECK(regions[i].base[1 + k] == regions[i].token[k]);
				regions[i].token[k] = 0;
			}
}

/* Returns the operations the caller has left: a child starts over with fewer. */
static unsigned op_fork(unsigned left)
{
	if (depth >= MAX_DEPTH || children >= MAX_CHILDREN)
		return left;
	uint64_t mine = next();
	uint32_t token = (uint32_t)(mine >> 16) | 1;
	unsigned slot = 0;
	struct region *t = token_region(&slot);
	int pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		depth++;
		children = 0;
		rng = mine ^ 0xC13FA9A902A6328Full;
		check_everything(); /* what the parent had, as it was */
		for (unsigned i = 0; i < REGIONS; i++) {
			regions[i].own = false;
			memset(regions[i].token, 0, sizeof(regions[i].token));
		}
		if (t)
			t->base[1 + slot] = token; /* the parent sees it: the page is shared */
		return left / 4 + 1; /* the caller counts this one */
	}
	if (pid > 0) {
		children++;
		if (t)
			t->token[slot] = token;
	}
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
	if (--children == 0)
		check_tokens();
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
		switch (below(18)) {
		case 0:
		case 1:
			op_mmap();
			break;
		case 2:
			op_munmap();
			break;
		case 3:
			op_mprotect();
			break;
		case 4:
		case 5:
		case 6:
		case 7:
			op_touch();
			break;
		case 8:
			op_sbrk();
			break;
		case 9:
		case 10:
			op_brk_touch();
			break;
		case 11:
			left = op_fork(left);
			break;
		case 12:
			op_wait();
			break;
		case 13:
			check_everything();
			break;
		case 14:
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
