/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * VAS: the set of used virtual ranges of one address space (an interval set). Reserve
 * a fixed range, allocate one of a size and alignment at the lowest or the highest
 * fitting address within bounds (so a heap can grow up and MMIO down in the same
 * window), free, find the range holding an address, iterate.
 *
 * Structure: an AVL tree of ranges ordered by start. Each node also keeps, for its
 * subtree, the lowest start, the highest end and the largest gap between two of its
 * ranges; all three are recomputed from the children alone, so rotations stay local.
 * An allocation skips every subtree whose gaps are all too small: O(log n) to find a
 * fit, insert and remove; lookups O(log n). Why not a list: 100k live ranges (bench/).
 *
 * Nodes are the caller's (struct mmk_vas_range embedded in its own region structure, as
 * Linux embeds rb_node in vm_area_struct): the VAS allocates nothing and cannot run out
 * of memory. Ranges are [start, end) with end > start; nothing here requires page
 * alignment (the VM does). Not thread-safe: the caller serialises.
 */
#ifndef MMUKIT_VAS_H
#define MMUKIT_VAS_H

#include <mmukit/types.h>

struct mmk_vas_range {
	mmk_vaddr_t start, end;          /* [start, end) */
	struct mmk_vas_range *left, *right;
	mmk_vaddr_t sub_lo, sub_hi;      /* lowest start, highest end in this subtree */
	mmk_vaddr_t sub_gap;             /* largest gap between ranges inside this subtree */
	int height;
};

struct mmk_vas {
	mmk_vaddr_t base, end;           /* the managed window [base, end) */
	struct mmk_vas_range *root;
	size_t count;
};

#define MMK_VAS_LOWEST 0  /* the lowest fitting address (grows up) */
#define MMK_VAS_HIGHEST 1 /* the highest fitting address (grows down) */

/* An empty set over [base, end). */
void mmk_vas_init(struct mmk_vas *vas, mmk_vaddr_t base, mmk_vaddr_t end);

/*
 * Adds [start, start+size) as node. Errors: MMK_EINVAL (size 0), MMK_ERANGE (wraps or
 * leaves the window), MMK_EEXIST (overlaps a range already there, or node is already in
 * this set). Nothing changes on error.
 * => node is in no other set (a node cannot be told apart from a stranger's cheaply).
 */
int mmk_vas_reserve(struct mmk_vas *vas, struct mmk_vas_range *node, mmk_vaddr_t start, mmk_vsize_t size);

/*
 * Finds size bytes aligned to align (a power of two) inside [lo, hi) and the window,
 * at the lowest (MMK_VAS_LOWEST) or highest (MMK_VAS_HIGHEST) fitting address, adds it as node
 * and returns its start in *start. Errors: MMK_EINVAL (size 0, align not a power of two,
 * unknown direction), MMK_ENOMEM (no gap fits), MMK_EEXIST (node is already in this set).
 * => node is in no other set.
 */
int mmk_vas_alloc(struct mmk_vas *vas, struct mmk_vas_range *node, mmk_vsize_t size, mmk_vsize_t align,
	      mmk_vaddr_t lo, mmk_vaddr_t hi, int direction, mmk_vaddr_t *start);

/* Like mmk_vas_alloc, but only finds the start: nothing is added. */
int mmk_vas_find(const struct mmk_vas *vas, mmk_vsize_t size, mmk_vsize_t align, mmk_vaddr_t lo, mmk_vaddr_t hi,
	     int direction, mmk_vaddr_t *start);

/* Removes node, which must be in vas (MMK_ENOENT otherwise, nothing changed). */
int mmk_vas_free(struct mmk_vas *vas, struct mmk_vas_range *node);

/* The range containing addr, or NULL. */
struct mmk_vas_range *mmk_vas_lookup(const struct mmk_vas *vas, mmk_vaddr_t addr);

/* The first range starting at or after addr, or NULL: iterate with mmk_vas_next. */
struct mmk_vas_range *mmk_vas_first(const struct mmk_vas *vas, mmk_vaddr_t addr);
struct mmk_vas_range *mmk_vas_next(const struct mmk_vas *vas, const struct mmk_vas_range *node);

/*
 * Validates every invariant: order, no overlap, inside the window, AVL balance and
 * heights, the subtree summaries, the count. Returns 0 or -MMK_ESTATE after printing
 * the first broken one.
 */
int mmk_vas_check(const struct mmk_vas *vas);

#endif
