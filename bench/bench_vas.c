/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * VAS benchmark: allocate+free of one range with 100,000 ranges live, mmukit's
 * augmented AVL tree against a first-fit sorted list, same workload in one run.
 *
 * Set-up: 100k ranges of 1-4 pages with gaps of 1 page between them (so no small hole
 * fits a request of 2+ pages), then: free a random live range and allocate one of
 * 1-4 pages (lowest fit), repeated. ns per free+alloc pair, median of runs.
 */
#include <stdio.h>
#include <stdlib.h>

#include <mmukit/vas.h>

#include "peer_list_vas.h"
#include "util_time.h"

#define LIVE 100000
#define OPS 20000
#define RUNS 5
#define P 4096ul

static struct mmk_vas tree;
static struct mmk_vas_range *tree_nodes;
static struct list_vas list;
static struct list_range *list_nodes;
static uint64_t rng;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static void fill(void)
{
	mmk_vas_init(&tree, 0x100000000ul, 0x100000000ul + 1024ul * 1024 * 1024 * 16);
	list_vas_init(&list, tree.base, tree.end);
	mmk_vaddr_t at = tree.base;
	struct list_range *tail = NULL;
	rng = 42;
	for (unsigned i = 0; i < LIVE; i++) {
		mmk_vsize_t size = (1 + rnd(4)) * P;
		if (mmk_vas_reserve(&tree, &tree_nodes[i], at, size))
			abort();
		list_nodes[i] = (struct list_range){at, at + size, tail, NULL};
		if (tail)
			tail->next = &list_nodes[i];
		else
			list.head = &list_nodes[i];
		tail = &list_nodes[i];
		at += size + P; /* a one-page hole after each */
	}
}

static double run_tree(void)
{
	uint64_t t0 = bench_now_ns();
	for (unsigned i = 0; i < OPS; i++) {
		unsigned k = rnd(LIVE);
		mmk_vaddr_t s;
		if (mmk_vas_free(&tree, &tree_nodes[k]) ||
		    mmk_vas_alloc(&tree, &tree_nodes[k], (2 + rnd(3)) * P, P, 0, (mmk_vaddr_t)-1,
			      MMK_VAS_LOWEST, &s))
			abort();
	}
	return (double)(bench_now_ns() - t0) / OPS;
}

static double run_list(void)
{
	uint64_t t0 = bench_now_ns();
	for (unsigned i = 0; i < OPS; i++) {
		unsigned k = rnd(LIVE);
		mmk_vaddr_t s;
		list_vas_free(&list, &list_nodes[k]);
		if (list_vas_alloc(&list, &list_nodes[k], (2 + rnd(3)) * P, P, &s))
			abort();
	}
	return (double)(bench_now_ns() - t0) / OPS;
}

int main(void)
{
	double t[RUNS], l[RUNS];
	tree_nodes = calloc(LIVE, sizeof(*tree_nodes));
	list_nodes = calloc(LIVE, sizeof(*list_nodes));
	if (!tree_nodes || !list_nodes)
		return 1;
	for (int r = 0; r < RUNS; r++) {
		fill();
		rng = 7 + (uint64_t)r;
		t[r] = run_tree();
		rng = 7 + (uint64_t)r;
		l[r] = run_list();
	}
	double tm = bench_median(t, RUNS), lm = bench_median(l, RUNS);
	printf("\nVAS: free+allocate one range with %d live, ns per pair, median of %d runs\n",
	       LIVE, RUNS);
	printf("  mmukit augmented AVL %10.1f\n  first-fit list       %10.1f\n  list/mmukit          %10.1fx\n",
	       tm, lm, lm / tm);
	free(tree_nodes);
	free(list_nodes);
	return 0;
}
