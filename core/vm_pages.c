/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Frames by page index (struct mmk_vm_pages in include/mmukit/vm.h): what an amap and an
 * object keep. A radix tree of 64-way nodes: a region of up to 256 KiB needs one node,
 * 16 MiB two levels, whatever its address (indices are relative to the amap's base).
 * A leaf slot holds the frame's address with bit 0 set (0: empty); an inner slot holds
 * a child node. Nodes come from the VM's allocator and go back when they empty.
 */
#include <mmukit/errno.h>
#include <mmukit/pmm.h>
#include <mmukit/services.h>

#include <mmukit/vm.h>

#define FANOUT_SHIFT 6
#define FANOUT (1u << FANOUT_SHIFT)
#define PRESENT 1u
#define MAX_HEIGHT 11 /* 66 bits of index: every 64-bit address */

struct pages_node {
	uint64_t slot[FANOUT];
	unsigned used; /* nonzero slots */
};

static unsigned slot_of(uint64_t index, unsigned level)
{
	return (unsigned)(index >> (FANOUT_SHIFT * level)) & (FANOUT - 1);
}

/* Indices below 64^height fit a tree of that height. */
static bool fits(uint64_t index, unsigned height)
{
	return height >= MAX_HEIGHT || (index >> (FANOUT_SHIFT * height)) == 0;
}

static struct pages_node *child(const struct pages_node *n, unsigned slot)
{
	return (struct pages_node *)(uintptr_t)n->slot[slot];
}

/* The leaf node kept from the last reserve, if index is in it. */
static struct pages_node *cached_leaf(const struct mmk_vm_pages *p, uint64_t index)
{
	return p->leaf && p->leaf_block == index >> FANOUT_SHIFT ? p->leaf : NULL;
}

static void forget_leaf(struct mmk_vm_pages *p)
{
	p->leaf = NULL;
}

bool mmk_vm_pages_get(const struct mmk_vm_pages *p, uint64_t index, mmk_paddr_t *pa)
{
	const struct pages_node *n = cached_leaf(p, index);
	if (!n) {
		if (!p->root || !fits(index, p->height))
			return false;
		n = p->root;
		for (unsigned level = p->height - 1; level > 0; level--) {
			n = child(n, slot_of(index, level));
			if (!n)
				return false;
		}
	}
	uint64_t e = n->slot[slot_of(index, 0)];
	if (!e)
		return false;
	*pa = (mmk_paddr_t)(e & ~(uint64_t)PRESENT);
	return true;
}

static struct pages_node *node_new(struct mmk_vm *vm)
{
	struct pages_node *n = vm->alloc(sizeof(*n));
	if (n)
		*n = (struct pages_node){.used = 0};
	return n;
}

static void node_free(struct mmk_vm *vm, struct pages_node *n)
{
	MMK_ASSERT(vm->release(n) == 0);
}

/* Frees the empty nodes on index's path, bottom up, and an empty tree's root. */
static void prune_path(struct mmk_vm *vm, struct mmk_vm_pages *p, uint64_t index)
{
	forget_leaf(p);
	struct pages_node *path[MAX_HEIGHT];
	struct pages_node *n = p->root;
	unsigned depth = 0;
	for (unsigned level = p->height; n && level-- > 0;) {
		path[depth++] = n;
		n = level ? child(n, slot_of(index, level)) : NULL;
	}
	while (depth-- > 0) {
		if (path[depth]->used)
			return;
		node_free(vm, path[depth]);
		if (depth == 0) {
			p->root = NULL;
			p->height = 0;
			return;
		}
		unsigned level = p->height - depth; /* the parent's level */
		path[depth - 1]->slot[slot_of(index, level)] = 0;
		path[depth - 1]->used--;
	}
}

/* Raises the tree until index fits; a new root keeps the old tree in its slot 0. */
static int grow(struct mmk_vm *vm, struct mmk_vm_pages *p, uint64_t index)
{
	if (!p->root) {
		unsigned h = 1;
		while (!fits(index, h))
			h++;
		p->root = node_new(vm);
		if (!p->root)
			return -MMK_ENOMEM;
		p->height = h;
		return 0;
	}
	while (!fits(index, p->height)) {
		struct pages_node *top = node_new(vm);
		if (!top)
			return -MMK_ENOMEM; /* a taller tree with the same contents is no harm */
		top->slot[0] = (uint64_t)(uintptr_t)p->root;
		top->used = 1;
		p->root = top;
		p->height++;
	}
	return 0;
}

int mmk_vm_pages_reserve(struct mmk_vm *vm, struct mmk_vm_pages *p, uint64_t index, uint64_t **slot)
{
	struct pages_node *leaf = cached_leaf(p, index);
	if (leaf) {
		*slot = &leaf->slot[slot_of(index, 0)];
		return 0;
	}
	int err = grow(vm, p, index);
	if (err)
		return err;
	struct pages_node *n = p->root;
	for (unsigned level = p->height - 1; level > 0; level--) {
		unsigned s = slot_of(index, level);
		if (!n->slot[s]) {
			struct pages_node *c = node_new(vm);
			if (!c) {
				prune_path(vm, p, index);
				return -MMK_ENOMEM;
			}
			n->slot[s] = (uint64_t)(uintptr_t)c;
			n->used++;
		}
		n = child(n, s);
	}
	*slot = &n->slot[slot_of(index, 0)];
	p->leaf = n;
	p->leaf_block = index >> FANOUT_SHIFT;
	return 0;
}

void mmk_vm_pages_store(struct mmk_vm_pages *p, uint64_t *slot, uint64_t index, mmk_paddr_t pa)
{
	if (!*slot) {
		/* slot[0] is a leaf node's first member: the node is where its slot 0 is */
		((struct pages_node *)(slot - slot_of(index, 0)))->used++;
		p->count++;
	}
	*slot = (uint64_t)pa | PRESENT;
}

void mmk_vm_pages_unreserve(struct mmk_vm *vm, struct mmk_vm_pages *p, uint64_t index)
{
	if (p->root && fits(index, p->height))
		prune_path(vm, p, index);
}

/*
 * Visits the present slots of [lo, hi) under n (level, covering indices from base), in
 * index order; with clear, empties them and frees nodes left empty. Returns the
 * first nonzero visit result, which stops the walk.
 */
struct visit {
	struct mmk_vm *vm;
	uint64_t lo, hi;
	bool clear;
	int (*fn)(void *ctx, uint64_t index, mmk_paddr_t pa);
	void *ctx;
	size_t cleared;
};

static int visit_node(struct visit *v, struct pages_node *n, unsigned level, uint64_t base)
{
	uint64_t span = (uint64_t)1 << (FANOUT_SHIFT * level); /* indices per slot */
	uint64_t first = v->lo > base ? (v->lo - base) / span : 0;
	for (unsigned s = first < FANOUT ? (unsigned)first : FANOUT; s < FANOUT; s++) {
		uint64_t at = base + s * span;
		if (at >= v->hi || at < base)
			break;
		if (!n->slot[s])
			continue;
		int r = 0;
		if (level == 0) {
			if (v->fn)
				r = v->fn(v->ctx, at, (mmk_paddr_t)(n->slot[s] & ~(uint64_t)PRESENT));
			if (v->clear) {
				n->slot[s] = 0;
				n->used--;
				v->cleared++;
			}
		} else {
			struct pages_node *c = child(n, s);
			r = visit_node(v, c, level - 1, at);
			if (v->clear && !c->used) {
				node_free(v->vm, c);
				n->slot[s] = 0;
				n->used--;
			}
		}
		if (r)
			return r;
	}
	return 0;
}

static int visit_range(struct visit *v, struct mmk_vm_pages *p)
{
	if (!p->root || v->lo >= v->hi)
		return 0;
	if (v->clear)
		forget_leaf(p); /* its node may go */
	int r = visit_node(v, p->root, p->height - 1, 0);
	if (v->clear) {
		p->count -= v->cleared;
		if (!((struct pages_node *)p->root)->used) {
			node_free(v->vm, p->root);
			p->root = NULL;
			p->height = 0;
		}
	}
	return r;
}

int mmk_vm_pages_visit(const struct mmk_vm_pages *p, uint64_t lo, uint64_t hi,
		   int (*fn)(void *ctx, uint64_t index, mmk_paddr_t pa), void *ctx)
{
	struct visit v = {.lo = lo, .hi = hi, .fn = fn, .ctx = ctx};
	return visit_range(&v, (struct mmk_vm_pages *)p);
}

static int drop_frame(void *vm, uint64_t index, mmk_paddr_t pa)
{
	(void)index;
	MMK_ASSERT(mmk_pmm_free(((struct mmk_vm *)vm)->mmu->pmm, pa) == 0);
	return 0;
}

void mmk_vm_pages_release(struct mmk_vm *vm, struct mmk_vm_pages *p, uint64_t lo, uint64_t hi)
{
	struct visit v = {.vm = vm, .lo = lo, .hi = hi, .clear = true, .fn = drop_frame, .ctx = vm};
	MMK_ASSERT(visit_range(&v, p) == 0);
}

static int count_one(void *ctx, uint64_t index, mmk_paddr_t pa)
{
	(void)index;
	(void)pa;
	(*(uint64_t *)ctx)++;
	return 0;
}

uint64_t mmk_vm_pages_count(const struct mmk_vm_pages *p, uint64_t lo, uint64_t hi)
{
	if (lo == 0 && hi == UINT64_MAX)
		return p->count;
	uint64_t n = 0;
	MMK_ASSERT(mmk_vm_pages_visit(p, lo, hi, count_one, &n) == 0);
	return n;
}

/* Copying for fork: each frame gains a reference for the copy. */
struct copy {
	struct mmk_vm *vm;
	struct mmk_vm_pages *dst;
};

static int copy_one(void *ctx, uint64_t index, mmk_paddr_t pa)
{
	struct copy *c = ctx;
	uint64_t *slot;
	int err = mmk_vm_pages_reserve(c->vm, c->dst, index, &slot);
	if (err)
		return err;
	err = mmk_pmm_ref(c->vm->mmu->pmm, pa);
	if (err) {
		mmk_vm_pages_unreserve(c->vm, c->dst, index);
		return err;
	}
	mmk_vm_pages_store(c->dst, slot, index, pa);
	return 0;
}

int mmk_vm_pages_copy(struct mmk_vm *vm, struct mmk_vm_pages *dst, const struct mmk_vm_pages *src,
		  uint64_t lo, uint64_t hi)
{
	struct copy c = {vm, dst};
	return mmk_vm_pages_visit(src, lo, hi, copy_one, &c);
}
