/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The set of used virtual ranges of one space: an AVL tree ordered by start, each node
 * summarising its subtree (lowest start, highest end, largest inner gap) so allocation
 * can skip subtrees with no room. See include/mmukit/vas.h.
 */
#include <mmukit/errno.h>
#include <mmukit/services.h>
#include <mmukit/vas.h>

static int height(const struct mmk_vas_range *n)
{
	return n ? n->height : 0;
}

static mmk_vaddr_t max_addr(mmk_vaddr_t a, mmk_vaddr_t b)
{
	return a > b ? a : b;
}

/* Recomputes n's height and subtree summary from its children. */
static void update(struct mmk_vas_range *n)
{
	const struct mmk_vas_range *l = n->left, *r = n->right;
	int hl = height(l), hr = height(r);
	n->height = 1 + (hl > hr ? hl : hr);
	n->sub_lo = l ? l->sub_lo : n->start;
	n->sub_hi = r ? r->sub_hi : n->end;
	mmk_vaddr_t gap = 0;
	if (l)
		gap = max_addr(l->sub_gap, n->start - l->sub_hi);
	if (r)
		gap = max_addr(gap, max_addr(r->sub_gap, r->sub_lo - n->end));
	n->sub_gap = gap;
}

static struct mmk_vas_range *rotate_right(struct mmk_vas_range *n)
{
	struct mmk_vas_range *l = n->left;
	n->left = l->right;
	l->right = n;
	update(n);
	update(l);
	return l;
}

static struct mmk_vas_range *rotate_left(struct mmk_vas_range *n)
{
	struct mmk_vas_range *r = n->right;
	n->right = r->left;
	r->left = n;
	update(n);
	update(r);
	return r;
}

/* Restores the AVL property at n (children already balanced); returns the new root. */
static struct mmk_vas_range *rebalance(struct mmk_vas_range *n)
{
	update(n);
	int balance = height(n->left) - height(n->right);
	if (balance > 1) {
		if (height(n->left->left) < height(n->left->right))
			n->left = rotate_left(n->left);
		return rotate_right(n);
	}
	if (balance < -1) {
		if (height(n->right->right) < height(n->right->left))
			n->right = rotate_right(n->right);
		return rotate_left(n);
	}
	return n;
}

static struct mmk_vas_range *insert(struct mmk_vas_range *t, struct mmk_vas_range *node)
{
	if (!t)
		return node;
	if (node->start < t->start)
		t->left = insert(t->left, node);
	else
		t->right = insert(t->right, node);
	return rebalance(t);
}

static struct mmk_vas_range *remove_min(struct mmk_vas_range *t, struct mmk_vas_range **min)
{
	if (!t->left) {
		*min = t;
		return t->right;
	}
	t->left = remove_min(t->left, min);
	return rebalance(t);
}

static struct mmk_vas_range *remove(struct mmk_vas_range *t, const struct mmk_vas_range *node)
{
	if (t == node) {
		if (!t->left)
			return t->right;
		if (!t->right)
			return t->left;
		struct mmk_vas_range *min;
		struct mmk_vas_range *rest = remove_min(t->right, &min);
		min->left = t->left;
		min->right = rest;
		return rebalance(min);
	}
	if (node->start < t->start)
		t->left = remove(t->left, node);
	else
		t->right = remove(t->right, node);
	return rebalance(t);
}

void mmk_vas_init(struct mmk_vas *vas, mmk_vaddr_t base, mmk_vaddr_t end)
{
	MMK_ASSERT(base < end);
	*vas = (struct mmk_vas){base, end, NULL, 0};
}

/* True when some range overlaps [start, end). Ranges are disjoint, so ends are sorted too. */
static bool overlaps(const struct mmk_vas_range *t, mmk_vaddr_t start, mmk_vaddr_t end)
{
	while (t) {
		if (t->end <= start)
			t = t->right;
		else if (t->start >= end)
			t = t->left;
		else
			return true;
	}
	return false;
}

static void add(struct mmk_vas *vas, struct mmk_vas_range *node, mmk_vaddr_t start, mmk_vaddr_t end)
{
	node->start = start;
	node->end = end;
	node->left = node->right = NULL;
	update(node);
	vas->root = insert(vas->root, node);
	vas->count++;
}

static bool contains_node(const struct mmk_vas_range *t, const struct mmk_vas_range *node);

int mmk_vas_reserve(struct mmk_vas *vas, struct mmk_vas_range *node, mmk_vaddr_t start, mmk_vsize_t size)
{
	if (size == 0)
		return -MMK_EINVAL;
	if (contains_node(vas->root, node))
		return -MMK_EEXIST; /* re-adding it would cut the tree under it */
	mmk_vaddr_t end = start + size;
	if (end < start || start < vas->base || end > vas->end)
		return -MMK_ERANGE;
	if (overlaps(vas->root, start, end))
		return -MMK_EEXIST;
	add(vas, node, start, end);
	return 0;
}

/* ------------------------------------------------------------ allocation */

struct request {
	mmk_vsize_t size, align;
	mmk_vaddr_t lo, hi; /* bounds, already clipped to the window */
	int direction;
};

/* The fitting start inside the gap [gap_lo, gap_hi) for the request, if any. */
static bool fit_in_gap(const struct request *q, mmk_vaddr_t gap_lo, mmk_vaddr_t gap_hi, mmk_vaddr_t *out)
{
	gap_lo = max_addr(gap_lo, q->lo);
	gap_hi = gap_hi < q->hi ? gap_hi : q->hi;
	if (gap_lo >= gap_hi || gap_hi - gap_lo < q->size)
		return false;
	mmk_vaddr_t s;
	if (q->direction == MMK_VAS_LOWEST) {
		s = (gap_lo + (q->align - 1)) & ~(q->align - 1);
		if (s < gap_lo || s > gap_hi - q->size)
			return false;
	} else {
		s = (gap_hi - q->size) & ~(q->align - 1);
		if (s < gap_lo)
			return false;
	}
	*out = s;
	return true;
}

/*
 * Searches the gaps of subtree t, which lies between before (the end of whatever
 * precedes it) and after (the start of whatever follows), in the request's direction.
 */
static bool search(const struct mmk_vas_range *t, mmk_vaddr_t before, mmk_vaddr_t after,
		   const struct request *q, mmk_vaddr_t *out)
{
	if (after <= q->lo || before >= q->hi)
		return false;
	if (!t)
		return fit_in_gap(q, before, after, out);
	mmk_vaddr_t room = max_addr(max_addr(t->sub_lo - before, after - t->sub_hi), t->sub_gap);
	if (room < q->size)
		return false;
	if (q->direction == MMK_VAS_LOWEST)
		return search(t->left, before, t->start, q, out) ||
		       search(t->right, t->end, after, q, out);
	return search(t->right, t->end, after, q, out) ||
	       search(t->left, before, t->start, q, out);
}

int mmk_vas_find(const struct mmk_vas *vas, mmk_vsize_t size, mmk_vsize_t align, mmk_vaddr_t lo, mmk_vaddr_t hi,
	     int direction, mmk_vaddr_t *start)
{
	if (size == 0 || align == 0 || (align & (align - 1)) ||
	    (direction != MMK_VAS_LOWEST && direction != MMK_VAS_HIGHEST))
		return -MMK_EINVAL;
	struct request q = {size, align, max_addr(lo, vas->base), hi < vas->end ? hi : vas->end,
			    direction};
	if (q.lo >= q.hi || !search(vas->root, vas->base, vas->end, &q, start))
		return -MMK_ENOMEM;
	return 0;
}

int mmk_vas_alloc(struct mmk_vas *vas, struct mmk_vas_range *node, mmk_vsize_t size, mmk_vsize_t align,
	      mmk_vaddr_t lo, mmk_vaddr_t hi, int direction, mmk_vaddr_t *start)
{
	mmk_vaddr_t s;
	int err = mmk_vas_find(vas, size, align, lo, hi, direction, &s);
	if (err)
		return err;
	if (contains_node(vas->root, node))
		return -MMK_EEXIST;
	add(vas, node, s, s + size);
	*start = s;
	return 0;
}

/* ------------------------------------------------------------ removal, lookup */

static bool contains_node(const struct mmk_vas_range *t, const struct mmk_vas_range *node)
{
	while (t && t != node)
		t = node->start < t->start ? t->left : t->right;
	return t == node;
}

int mmk_vas_free(struct mmk_vas *vas, struct mmk_vas_range *node)
{
	if (!contains_node(vas->root, node))
		return -MMK_ENOENT;
	vas->root = remove(vas->root, node);
	vas->count--;
	node->left = node->right = NULL;
	return 0;
}

struct mmk_vas_range *mmk_vas_lookup(const struct mmk_vas *vas, mmk_vaddr_t addr)
{
	struct mmk_vas_range *t = vas->root;
	while (t) {
		if (addr < t->start)
			t = t->left;
		else if (addr >= t->end)
			t = t->right;
		else
			return t;
	}
	return NULL;
}

struct mmk_vas_range *mmk_vas_first(const struct mmk_vas *vas, mmk_vaddr_t addr)
{
	struct mmk_vas_range *t = vas->root, *best = NULL;
	while (t) {
		if (t->start >= addr) {
			best = t;
			t = t->left;
		} else {
			t = t->right;
		}
	}
	return best;
}

struct mmk_vas_range *mmk_vas_next(const struct mmk_vas *vas, const struct mmk_vas_range *node)
{
	return node->start == (mmk_vaddr_t)-1 ? NULL : mmk_vas_first(vas, node->start + 1);
}

/* ------------------------------------------------------------ checking */

static int broken(const char *what, mmk_vaddr_t at)
{
	mmk_printf("mmk_vas_check: %s (range at 0x%llx)\n", what, (unsigned long long)at);
	return -MMK_ESTATE;
}

/* Checks subtree t; *prev_end is the end of the range before it; counts nodes. */
static int check_subtree(const struct mmk_vas *vas, const struct mmk_vas_range *t, mmk_vaddr_t *prev_end,
			 bool *first, size_t *count)
{
	if (!t)
		return 0;
	int err = check_subtree(vas, t->left, prev_end, first, count);
	if (err)
		return err;
	if (t->end <= t->start)
		return broken("empty or inverted range", t->start);
	if (t->start < vas->base || t->end > vas->end)
		return broken("range outside the window", t->start);
	if (!*first && t->start < *prev_end)
		return broken("ranges out of order or overlapping", t->start);
	*first = false;
	*prev_end = t->end;
	(*count)++;
	struct mmk_vas_range copy = *t;
	update(&copy);
	if (copy.height != t->height || copy.sub_lo != t->sub_lo || copy.sub_hi != t->sub_hi ||
	    copy.sub_gap != t->sub_gap)
		return broken("stale subtree summary", t->start);
	int balance = height(t->left) - height(t->right);
	if (balance > 1 || balance < -1)
		return broken("unbalanced", t->start);
	return check_subtree(vas, t->right, prev_end, first, count);
}

int mmk_vas_check(const struct mmk_vas *vas)
{
	mmk_vaddr_t prev_end = vas->base;
	bool first = true;
	size_t count = 0;
	int err = check_subtree(vas, vas->root, &prev_end, &first, &count);
	if (err)
		return err;
	if (count != vas->count)
		return broken("count differs from the tree", 0);
	return 0;
}
