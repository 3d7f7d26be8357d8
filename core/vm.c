/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * User address spaces and their regions (include/mmukit/vm.h): map, unmap and protect
 * any page range, splitting and merging regions; fork; destroy; the fatal fault's report
 * and mmk_vm_check. Faults are decided in core/vm_fault.c, objects kept in
 * core/vm_object.c, page arrays in core/vm_pages.c.
 * Portable: everything machine-specific goes through include/mmukit/mmu.h.
 *
 * The page tables are a cache of what regions, amaps and objects say: a page can be
 * unmapped at any time and its next fault maps it again. So every change here first
 * makes the tables agree (unmap, write-protect), finishes the batch (the TLB lets go),
 * and only then drops frames.
 */
#include <mmukit/errno.h>
#include <mmukit/pmm.h>
#include <mmukit/services.h>

#include "vm_internal.h"

static enum mmk_fault_result resolve(void *owner, struct mmk_mmu_space *space,
				     const struct mmk_fault *fault)
{
	(void)space;
	return mmk_vm_fault(owner, fault);
}

static void describe_region(struct mmk_vm_space *s, const struct mmk_fault *f);

static void describe(void *owner, struct mmk_mmu_space *space, const struct mmk_fault *fault)
{
	(void)space;
	describe_region(owner, fault);
}

/* The VM as the owner of its spaces' faults (include/mmukit/fault.h). */
static const struct mmk_fault_ops vm_fault_ops = {resolve, describe};

int mmk_vm_init(struct mmk_vm *vm, struct mmk_mmu *mmu, void *(*alloc)(size_t size),
		int (*release)(void *ptr))
{
	*vm = (struct mmk_vm){.mmu = mmu, .alloc = alloc, .release = release};
	if (mmk_pmm_alloc(mmu->pmm, &vm->zero_page))
		return -MMK_ENOMEM;
	mmk_mmu_zero_frame(mmu, vm->zero_page);
	return 0;
}

void mmk_vm_fini(struct mmk_vm *vm)
{
	MMK_ASSERT(mmk_pmm_free(vm->mmu->pmm, vm->zero_page) == 0);
	vm->zero_page = 0;
}

int mmk_vm_space_create(struct mmk_vm *vm, struct mmk_vm_space *space)
{
	int err = mmk_mmu_space_create(vm->mmu, &space->mmu);
	if (err)
		return err;
	mmk_vas_init(&space->regions, mmk_mmu_user_base(vm->mmu), mmk_mmu_user_end(vm->mmu));
	space->vm = vm;
	mmk_fault_set_owner(&space->mmu, &vm_fault_ops, space);
	return 0;
}

void mmk_vm_space_activate(struct mmk_vm_space *space)
{
	mmk_mmu_activate(&space->mmu);
}

struct mmk_vm_region *mmk_vm_region_at(struct mmk_vm_space *space, mmk_vaddr_t va)
{
	return (struct mmk_vm_region *)mmk_vas_lookup(&space->regions, va);
}

static struct mmk_vm_region *first_region(struct mmk_vm_space *s, mmk_vaddr_t va)
{
	struct mmk_vm_region *r = mmk_vm_region_at(s, va);
	return r ? r : (struct mmk_vm_region *)mmk_vas_first(&s->regions, va);
}

static struct mmk_vm_region *next_region(struct mmk_vm_space *s, struct mmk_vm_region *r)
{
	return (struct mmk_vm_region *)mmk_vas_next(&s->regions, &r->range);
}

static void amap_put(struct mmk_vm *vm, struct mmk_vm_amap *a)
{
	MMK_ASSERT(a->refs > 0);
	if (--a->refs)
		return;
	mmk_vm_pages_release(vm, &a->pages, 0, UINT64_MAX);
	MMK_ASSERT(vm->release(a) == 0);
}

/* ------------------------------------------------------------ the tables as a cache */

/* A run of mapped pages: the walk stops at the first gap after it. */
struct run {
	mmk_vaddr_t start, end;
};

static int extend_run(void *ctx, const struct mmk_mmu_mapping *m)
{
	struct run *run = ctx;
	mmk_vaddr_t end = m->va + ((mmk_vsize_t)1 << m->page_shift);
	if (run->end == run->start)
		run->start = m->va;
	else if (m->va != run->end)
		return 1;
	run->end = end;
	return 0;
}

/* The next run of mapped pages in [lo, hi), clipped to it; false when none is left. */
static bool next_run(struct mmk_vm_space *s, mmk_vaddr_t lo, mmk_vaddr_t hi, struct run *run)
{
	*run = (struct run){lo, lo};
	if (lo >= hi)
		return false;
	(void)mmk_mmu_walk(&s->mmu, lo, hi, extend_run, run);
	if (run->end == run->start)
		return false;
	if (run->start < lo)
		run->start = lo;
	if (run->end > hi)
		run->end = hi;
	return true;
}

/*
 * Unmaps what is mapped in [lo, hi) with batch (user pages are all small: no split,
 * so nothing can fail). A range mapped whole - the common case - takes one call; one
 * with holes is done run by run.
 */
static void unmap_cached(struct mmk_vm_space *s, mmk_vaddr_t lo, mmk_vaddr_t hi,
			 struct mmk_mmu_batch *b)
{
	if (mmk_mmu_unmap(&s->mmu, lo, hi - lo, b) == 0)
		return;
	struct run run;
	for (mmk_vaddr_t at = lo; next_run(s, at, hi, &run); at = run.end)
		MMK_ASSERT(mmk_mmu_unmap(&s->mmu, run.start, run.end - run.start, b) == 0);
}

static void protect_cached(struct mmk_vm_space *s, mmk_vaddr_t lo, mmk_vaddr_t hi,
			   unsigned flags, struct mmk_mmu_batch *b)
{
	if (mmk_mmu_protect(&s->mmu, lo, hi - lo, flags, b) == 0)
		return;
	struct run run;
	for (mmk_vaddr_t at = lo; next_run(s, at, hi, &run); at = run.end)
		MMK_ASSERT(mmk_mmu_protect(&s->mmu, run.start, run.end - run.start, flags, b) == 0);
}

/* ------------------------------------------------------------ regions */

static int check_prot(unsigned prot)
{
	if (prot & ~(VM_PROT_FLAGS | MMK_VM_ALLOW_WX) || !(prot & (MMK_PROT_READ | MMK_PROT_WRITE | MMK_PROT_EXEC)))
		return -MMK_EINVAL;
	if (prot & MMK_PROT_GLOBAL)
		return -MMK_EINVAL; /* a user mapping is never global */
	if ((prot & MMK_PROT_WRITE) && (prot & MMK_PROT_EXEC) && !(prot & MMK_VM_ALLOW_WX))
		return -MMK_EPERM;
	return 0;
}

/* [va, va+size) is page aligned and inside the user half. */
static int check_range(struct mmk_vm_space *s, mmk_vaddr_t va, mmk_vsize_t size)
{
	if (size == 0)
		return -MMK_EINVAL;
	if (!mmk_is_aligned(va, MMK_PAGE_SIZE) || !mmk_is_aligned(size, MMK_PAGE_SIZE))
		return -MMK_EALIGN;
	if (va + size < va || va < s->regions.base || va + size > s->regions.end)
		return -MMK_ERANGE;
	return 0;
}

static bool range_is_free(struct mmk_vm_space *s, mmk_vaddr_t va, mmk_vaddr_t end)
{
	struct mmk_vm_region *r = first_region(s, va);
	return !r || r->range.start >= end;
}

static void set_range(struct mmk_vm_space *s, struct mmk_vm_region *r, mmk_vaddr_t start, mmk_vaddr_t end)
{
	MMK_ASSERT(mmk_vas_free(&s->regions, &r->range) == 0);
	MMK_ASSERT(mmk_vas_reserve(&s->regions, &r->range, start, end - start) == 0);
}

/* Drops r's own frames of [lo, hi) (the tables must not hold them any more). */
static void drop_pages(struct mmk_vm_space *s, struct mmk_vm_region *r, mmk_vaddr_t lo, mmk_vaddr_t hi)
{
	if (r->amap)
		mmk_vm_pages_release(s->vm, &r->amap->pages, vm_amap_index(r, lo), vm_amap_index(r, hi));
}

static void region_free(struct mmk_vm_space *s, struct mmk_vm_region *r)
{
	drop_pages(s, r, r->range.start, r->range.end);
	if (r->amap)
		amap_put(s->vm, r->amap);
	if (r->object)
		mmk_vm_object_release(s->vm, r->object);
	MMK_ASSERT(mmk_vas_free(&s->regions, &r->range) == 0);
	MMK_ASSERT(s->vm->release(r) == 0);
}

/*
 * r now keeps only [lo, hi) of what it was. A stack's guard and growth stay with the
 * piece holding its guard; a piece above the guard becomes plain memory, all of it
 * valid; a piece of guard alone is never valid.
 */
static void clip_growth(struct mmk_vm_region *r, mmk_vaddr_t lo, mmk_vaddr_t hi)
{
	if (r->grow_limit && r->grow_limit <= lo) {
		r->grow_limit = 0;
		r->low = lo;
	} else if (r->grow_limit && r->grow_limit >= hi) {
		r->grow_limit = 0;
		r->low = hi;
	} else {
		r->low = r->low < lo ? lo : r->low > hi ? hi : r->low;
	}
}

/* Keeps [start, hi) of r: the part below hi. */
static void keep_below(struct mmk_vm_space *s, struct mmk_vm_region *r, mmk_vaddr_t hi)
{
	drop_pages(s, r, hi, r->range.end);
	clip_growth(r, r->range.start, hi);
	set_range(s, r, r->range.start, hi);
}

/* Keeps [lo, end) of r: the part above lo. */
static void keep_above(struct mmk_vm_space *s, struct mmk_vm_region *r, mmk_vaddr_t lo)
{
	drop_pages(s, r, r->range.start, lo);
	r->offset = vm_object_offset(r, lo);
	clip_growth(r, lo, r->range.end);
	set_range(s, r, lo, r->range.end);
}

/* Splits r at va into r below and *upper above; upper is a spare structure. */
static void split(struct mmk_vm_space *s, struct mmk_vm_region *r, mmk_vaddr_t va,
		  struct mmk_vm_region *upper)
{
	*upper = *r;
	upper->range = (struct mmk_vas_range){0};
	if (r->amap)
		r->amap->refs++;
	if (r->object)
		MMK_ASSERT(mmk_vm_object_ref(r->object) == 0);
	mmk_vaddr_t start = r->range.start, end = r->range.end;
	upper->offset = vm_object_offset(r, va);
	clip_growth(upper, va, end);
	clip_growth(r, start, va);
	set_range(s, r, start, va);
	MMK_ASSERT(mmk_vas_reserve(&s->regions, &upper->range, va, end - va) == 0);
}

/*
 * Removes [lo, hi) from the regions (with spare, a structure for the one split a range
 * inside a region needs): first from the tables, then, once the TLB let go, the
 * regions and their frames.
 */
static void remove_range(struct mmk_vm_space *s, mmk_vaddr_t lo, mmk_vaddr_t hi,
			 struct mmk_vm_region **spare)
{
	struct mmk_mmu_batch b;
	mmk_mmu_batch_begin(&b, &s->mmu, NULL, NULL);
	unmap_cached(s, lo, hi, &b);
	mmk_mmu_batch_finish(&b);
	struct mmk_vm_region *r = first_region(s, lo), *next;
	for (; r && r->range.start < hi; r = next) {
		next = next_region(s, r);
		if (r->range.start < lo && r->range.end > hi) {
			split(s, r, hi, *spare);
			*spare = NULL;
			keep_below(s, r, lo);
			return;
		}
		if (r->range.start < lo)
			keep_below(s, r, lo);
		else if (r->range.end > hi)
			keep_above(s, r, hi);
		else
			region_free(s, r);
	}
}

static bool needs_split(struct mmk_vm_space *s, mmk_vaddr_t lo, mmk_vaddr_t hi)
{
	struct mmk_vm_region *r = mmk_vm_region_at(s, lo);
	return r && r->range.start < lo && r->range.end > hi;
}

int mmk_vm_unmap(struct mmk_vm_space *s, mmk_vaddr_t va, mmk_vsize_t size)
{
	int err = check_range(s, va, size);
	if (err)
		return err;
	struct mmk_vm_region *spare = NULL;
	if (needs_split(s, va, va + size) && !(spare = s->vm->alloc(sizeof(*spare))))
		return -MMK_ENOMEM;
	remove_range(s, va, va + size, &spare);
	MMK_ASSERT(!spare);
	return 0;
}

/* ------------------------------------------------------------ merging */

static bool object_continues(const struct mmk_vm_region *a, const struct mmk_vm_region *b)
{
	if (a->object != b->object)
		return false;
	return !a->object || b->offset == vm_object_offset(a, a->range.end);
}

/* Whether b can become part of a, just below it: alike in every way but place. */
static bool can_merge(const struct mmk_vm_region *a, const struct mmk_vm_region *b)
{
	if (a->range.end != b->range.start || a->prot != b->prot || a->flags != b->flags)
		return false;
	if (a->grow_limit || b->grow_limit || a->low != a->range.start || b->low != b->range.start)
		return false;
	if (!object_continues(a, b))
		return false;
	if (a->amap && b->amap)
		return a->amap == b->amap;
	if (b->amap)
		return a->range.start >= b->amap->base; /* a's pages get indices in b's amap */
	return true;
}

/* Merges b into a (can_merge(a, b)). */
static void merge(struct mmk_vm_space *s, struct mmk_vm_region *a, struct mmk_vm_region *b)
{
	mmk_vaddr_t end = b->range.end;
	if (!a->amap) {
		a->amap = b->amap;
		b->amap = NULL;
	} else if (b->amap) {
		b->amap->refs--; /* the same amap: b's reference goes */
		b->amap = NULL;
	}
	if (b->object) {
		mmk_vm_object_release(s->vm, b->object);
		b->object = NULL;
	}
	MMK_ASSERT(mmk_vas_free(&s->regions, &b->range) == 0);
	MMK_ASSERT(s->vm->release(b) == 0);
	set_range(s, a, a->range.start, end);
	a->low = a->range.start;
}

/* Merges alike neighbours among the regions touching [lo, hi) and the two around it. */
static void merge_span(struct mmk_vm_space *s, mmk_vaddr_t lo, mmk_vaddr_t hi)
{
	struct mmk_vm_region *r = lo > s->regions.base ? mmk_vm_region_at(s, lo - 1) : NULL;
	if (!r)
		r = first_region(s, lo);
	while (r && r->range.start <= hi) {
		struct mmk_vm_region *next = next_region(s, r);
		if (next && can_merge(r, next))
			merge(s, r, next); /* r grows; look at its new neighbour */
		else
			r = next;
	}
}

/* ------------------------------------------------------------ mapping */

static int check_object(struct mmk_vm_object *obj, unsigned flags, uint64_t offset, mmk_vsize_t size)
{
	if (!obj)
		return offset ? -MMK_EINVAL : 0;
	if (!mmk_is_aligned(offset, MMK_PAGE_SIZE))
		return -MMK_EALIGN;
	if (obj->kind == MMK_VM_OBJ_PHYS && !(flags & MMK_VM_SHARED))
		return -MMK_EINVAL; /* device memory is never copied on write */
	if (offset > obj->size || size > obj->size - offset)
		return -MMK_EINVAL;
	return 0;
}

/* Where a new region of size goes: *va exactly (FIXED, NOREPLACE) or as a hint. */
static int place(struct mmk_vm_space *s, mmk_vaddr_t *va, mmk_vsize_t size, unsigned flags)
{
	if (flags & (MMK_VM_FIXED | MMK_VM_NOREPLACE)) {
		int err = check_range(s, *va, size);
		if (err)
			return err;
		if ((flags & MMK_VM_NOREPLACE) && !range_is_free(s, *va, *va + size))
			return -MMK_EEXIST;
		return 0;
	}
	if (!mmk_is_aligned(*va, MMK_PAGE_SIZE) || !mmk_is_aligned(size, MMK_PAGE_SIZE))
		return -MMK_EALIGN;
	if (*va && check_range(s, *va, size) == 0 && range_is_free(s, *va, *va + size))
		return 0;
	mmk_vaddr_t hint = *va;
	if (hint && mmk_vas_find(&s->regions, size, MMK_PAGE_SIZE, hint, (mmk_vaddr_t)-1,
				 MMK_VAS_LOWEST, va) == 0)
		return 0;
	if (mmk_vas_find(&s->regions, size, MMK_PAGE_SIZE, 0, (mmk_vaddr_t)-1, MMK_VAS_LOWEST, va))
		return -MMK_ENOMEM;
	return 0;
}

/* The structures a new region needs, taken before anything changes. */
struct map_plan {
	struct mmk_vm_region *region, *spare;
	struct mmk_vm_object *made; /* a new anonymous object for a shared mapping */
};

static void plan_drop(struct mmk_vm *vm, struct map_plan *p)
{
	if (p->region)
		MMK_ASSERT(vm->release(p->region) == 0);
	if (p->spare)
		MMK_ASSERT(vm->release(p->spare) == 0);
	if (p->made)
		mmk_vm_object_release(vm, p->made);
}

static int plan_map(struct mmk_vm_space *s, struct map_plan *p, mmk_vaddr_t va, mmk_vsize_t size,
		    unsigned flags, struct mmk_vm_object **obj)
{
	*p = (struct map_plan){0};
	p->region = s->vm->alloc(sizeof(*p->region));
	int err = p->region ? 0 : -MMK_ENOMEM;
	if (!err && (flags & MMK_VM_FIXED) && needs_split(s, va, va + size) &&
	    !(p->spare = s->vm->alloc(sizeof(*p->spare))))
		err = -MMK_ENOMEM;
	if (!err && !*obj && (flags & MMK_VM_SHARED)) {
		err = mmk_vm_object_anon(s->vm, size, &p->made);
		*obj = p->made;
	} else if (!err && *obj) {
		err = mmk_vm_object_ref(*obj);
	}
	if (err) {
		if (!p->made)
			*obj = NULL; /* not referenced */
		plan_drop(s->vm, p);
	}
	return err;
}

/* Adds a region as planned; the object's reference is the region's now. */
static struct mmk_vm_region *add_region(struct mmk_vm_space *s, struct map_plan *p, mmk_vaddr_t va,
					mmk_vsize_t size, unsigned prot, unsigned flags,
					struct mmk_vm_object *obj, uint64_t offset)
{
	if (flags & MMK_VM_FIXED)
		remove_range(s, va, va + size, &p->spare);
	struct mmk_vm_region *r = p->region;
	*r = (struct mmk_vm_region){.prot = prot & ~MMK_VM_ALLOW_WX,
				    .flags = flags & MMK_VM_SHARED,
				    .low = va,
				    .object = obj,
				    .offset = offset};
	MMK_ASSERT(mmk_vas_reserve(&s->regions, &r->range, va, size) == 0);
	p->region = NULL;
	p->made = NULL;
	plan_drop(s->vm, p);
	return r;
}

int mmk_vm_map(struct mmk_vm_space *s, mmk_vaddr_t *va, mmk_vsize_t size, unsigned prot,
	       unsigned flags, struct mmk_vm_object *obj, uint64_t offset)
{
	int err = check_prot(prot);
	if (!err && (flags & ~MMK_VM_MAP_FLAGS ||
		     (flags & (MMK_VM_FIXED | MMK_VM_NOREPLACE)) == (MMK_VM_FIXED | MMK_VM_NOREPLACE)))
		err = -MMK_EINVAL;
	if (!err && size == 0)
		err = -MMK_EINVAL;
	if (!err)
		err = check_object(obj, flags, offset, size);
	mmk_vaddr_t at = *va;
	if (!err)
		err = place(s, &at, size, flags);
	struct map_plan plan;
	if (!err)
		err = plan_map(s, &plan, at, size, flags, &obj);
	if (err)
		return err;
	add_region(s, &plan, at, size, prot, flags, obj, offset);
	merge_span(s, at, at + size);
	*va = at;
	return 0;
}

int mmk_vm_map_anon(struct mmk_vm_space *s, mmk_vaddr_t *va, mmk_vsize_t size, unsigned prot)
{
	return mmk_vm_map(s, va, size, prot, *va ? MMK_VM_NOREPLACE : 0, NULL, 0);
}

int mmk_vm_map_phys(struct mmk_vm_space *s, mmk_vaddr_t *va, mmk_paddr_t pa, mmk_vsize_t size, unsigned prot)
{
	struct mmk_vm_object *obj;
	int err = mmk_vm_object_phys(s->vm, pa, size, prot & MMK_CACHE_MASK, &obj);
	if (err)
		return err;
	err = mmk_vm_map(s, va, size, prot, MMK_VM_SHARED | (*va ? MMK_VM_NOREPLACE : 0), obj, 0);
	mmk_vm_object_release(s->vm, obj); /* the region holds it now, or nobody */
	return err;
}

int mmk_vm_map_stack(struct mmk_vm_space *s, mmk_vaddr_t *va, mmk_vsize_t size, mmk_vsize_t guard, unsigned prot)
{
	if (size == 0 || guard == 0 || !mmk_is_aligned(guard, MMK_PAGE_SIZE))
		return -MMK_EINVAL;
	if (size > (mmk_vaddr_t)-1 - guard)
		return -MMK_ERANGE;
	if (*va && *va <= guard)
		return -MMK_ERANGE; /* the guard would start at address 0 or below it */
	int err = check_prot(prot);
	if (err)
		return err;
	mmk_vaddr_t at = *va ? *va - guard : 0;
	if (*va)
		err = place(s, &at, size + guard, MMK_VM_NOREPLACE);
	else if (mmk_vas_find(&s->regions, size + guard, MMK_PAGE_SIZE, MMK_PAGE_SIZE,
			      (mmk_vaddr_t)-1, MMK_VAS_LOWEST, &at) != 0)
		err = -MMK_ENOMEM; /* placed by the VM: never with its guard at 0 either */
	else
		err = place(s, &at, size + guard, MMK_VM_NOREPLACE); /* alignment, range */
	struct map_plan plan;
	struct mmk_vm_object *none = NULL;
	if (!err)
		err = plan_map(s, &plan, at, size + guard, 0, &none);
	if (err)
		return err;
	struct mmk_vm_region *r = add_region(s, &plan, at, size + guard, prot, 0, NULL, 0);
	r->grow_limit = at + guard;
	r->low = r->range.end; /* empty: it grows as it is touched */
	*va = at + guard;
	return 0;
}

/* ------------------------------------------------------------ protection */

/* Every page of [lo, hi) is in a region with the same user access as prot. */
static int check_cover(struct mmk_vm_space *s, mmk_vaddr_t lo, mmk_vaddr_t hi, unsigned prot)
{
	mmk_vaddr_t at = lo;
	for (struct mmk_vm_region *r = mmk_vm_region_at(s, lo); r && at < hi; r = next_region(s, r)) {
		if (r->range.start > at)
			return -MMK_ENOENT; /* a hole */
		if ((r->prot ^ prot) & MMK_PROT_USER)
			return -MMK_EPERM;
		at = r->range.end;
	}
	return at >= hi ? 0 : -MMK_ENOENT;
}

/* How many region structures cutting [lo, hi) out of its regions needs: 0 to 2. */
static unsigned cuts_needed(struct mmk_vm_space *s, mmk_vaddr_t lo, mmk_vaddr_t hi)
{
	struct mmk_vm_region *first = mmk_vm_region_at(s, lo), *last = mmk_vm_region_at(s, hi - 1);
	return (first && first->range.start < lo) + (last && last->range.end > hi);
}

int mmk_vm_protect(struct mmk_vm_space *s, mmk_vaddr_t va, mmk_vsize_t size, unsigned prot)
{
	int err = check_range(s, va, size);
	if (!err)
		err = check_prot(prot);
	if (!err)
		err = check_cover(s, va, va + size, prot);
	if (err)
		return err;
	mmk_vaddr_t end = va + size;
	struct mmk_vm_region *spare[2] = {NULL, NULL};
	unsigned need = cuts_needed(s, va, end);
	for (unsigned i = 0; i < need; i++) {
		spare[i] = s->vm->alloc(sizeof(*spare[i]));
		if (!spare[i]) {
			if (i)
				MMK_ASSERT(s->vm->release(spare[0]) == 0);
			return -MMK_ENOMEM;
		}
	}
	unsigned used = 0;
	struct mmk_vm_region *r = mmk_vm_region_at(s, va);
	if (r->range.start < va) {
		split(s, r, va, spare[used]);
		r = spare[used++];
	}
	struct mmk_mmu_batch b;
	mmk_mmu_batch_begin(&b, &s->mmu, NULL, NULL);
	for (struct mmk_vm_region *next; r && r->range.start < end; r = next) {
		if (r->range.end > end)
			split(s, r, end, spare[used++]);
		next = next_region(s, r);
		bool shared = r->flags & MMK_VM_SHARED;
		unsigned was = r->prot;
		r->prot = prot & ~MMK_VM_ALLOW_WX;
		/* Private pages get write access back by a fault that checks who holds them,
		 * so giving write to a private region changes no entry at all. */
		bool write_given = !shared && (was ^ r->prot) == MMK_PROT_WRITE && (r->prot & MMK_PROT_WRITE);
		if (was != r->prot && !write_given)
			protect_cached(s, r->range.start, r->range.end, vm_page_flags(r, shared), &b);
	}
	mmk_mmu_batch_finish(&b);
	MMK_ASSERT(used == need);
	merge_span(s, va, end);
	return 0;
}

/* ------------------------------------------------------------ destroy and fork */

int mmk_vm_space_destroy(struct mmk_vm_space *s)
{
	if (s->vm == NULL)
		return -MMK_EINVAL;
	int err = mmk_mmu_space_destroy(&s->mmu, NULL, NULL); /* the TLB lets go of every page */
	if (err)
		return err;
	struct mmk_vm_region *r;
	while ((r = (struct mmk_vm_region *)mmk_vas_first(&s->regions, 0)) != NULL)
		region_free(s, r);
	s->vm = NULL;
	return 0;
}

/* The child's copy of a parent region; amap copies are shared like the parent's. */
struct fork_state {
	struct mmk_vm_amap *parent_amap, *child_amap; /* the last amap copied */
};

static int fork_region(struct mmk_vm_space *child, const struct mmk_vm_region *r, struct fork_state *st)
{
	struct mmk_vm *vm = child->vm;
	struct mmk_vm_region *c = vm->alloc(sizeof(*c));
	if (!c)
		return -MMK_ENOMEM;
	*c = *r;
	c->range = (struct mmk_vas_range){0};
	c->amap = NULL;
	c->object = NULL;
	MMK_ASSERT(mmk_vas_reserve(&child->regions, &c->range, r->range.start,
				   r->range.end - r->range.start) == 0);
	if (r->object) {
		int err = mmk_vm_object_ref(r->object);
		if (err)
			return err; /* c is in the child: freed with it */
		c->object = r->object;
	}
	if (!r->amap)
		return 0;
	if (st->parent_amap == r->amap) {
		c->amap = st->child_amap;
		c->amap->refs++;
	} else {
		int err = vm_region_amap(vm, c);
		if (err)
			return err;
		c->amap->base = r->amap->base;
		st->parent_amap = r->amap;
		st->child_amap = c->amap;
	}
	return mmk_vm_pages_copy(vm, &c->amap->pages, &r->amap->pages, vm_amap_index(r, r->range.start),
			     vm_amap_index(r, r->range.end));
}

int mmk_vm_fork(struct mmk_vm_space *parent, struct mmk_vm_space *child)
{
	int err = mmk_vm_space_create(parent->vm, child);
	if (err)
		return err;
	struct fork_state st = {NULL, NULL};
	struct mmk_mmu_batch b;
	mmk_mmu_batch_begin(&b, &parent->mmu, NULL, NULL);
	for (struct mmk_vm_region *r = (struct mmk_vm_region *)mmk_vas_first(&parent->regions, 0); r;
	     r = next_region(parent, r)) {
		err = fork_region(child, r, &st);
		if (err)
			break;
		/* The parent's own pages are now shared: the next write copies or reclaims. */
		if (r->amap && !(r->flags & MMK_VM_SHARED) && (r->prot & MMK_PROT_WRITE))
			protect_cached(parent, r->range.start, r->range.end, vm_page_flags(r, false), &b);
	}
	mmk_mmu_batch_finish(&b);
	if (err)
		MMK_ASSERT(mmk_vm_space_destroy(child) == 0);
	return err;
}

/* ------------------------------------------------------------ for people and checks */

static void describe_region(struct mmk_vm_space *s, const struct mmk_fault *f)
{
	struct mmk_vm_region *r = mmk_vm_region_at(s, f->addr);
	if (!r) {
		mmk_printf("  in no region\n");
		return;
	}
	const char *where = "";
	if (f->addr < r->low && r->grow_limit && f->addr < r->grow_limit)
		where = ": its guard page (stack overflow)";
	else if (f->addr < r->low)
		where = ": a part that is not valid (a guard)";
	mmk_printf("  in %s region [0x%llx, 0x%llx)%s, protection 0x%x\n", mmk_vm_region_kind(r),
		   (unsigned long long)r->range.start, (unsigned long long)r->range.end, where, r->prot);
}

void mmk_vm_fault_report(struct mmk_vm_space *s, const struct mmk_fault *f, enum mmk_fault_result result)
{
	mmk_fault_report(&s->mmu, f, result);
	describe_region(s, f);
	mmk_mmu_print_walk(&s->mmu, f->addr);
}


const char *mmk_vm_region_kind(const struct mmk_vm_region *r)
{
	if (r->grow_limit)
		return "stack";
	if (!r->object)
		return "anonymous";
	switch (r->object->kind) {
	case MMK_VM_OBJ_PHYS: return "physical";
	case MMK_VM_OBJ_PAGER: return "pager";
	default: return (r->flags & MMK_VM_SHARED) ? "shared" : "anonymous";
	}
}

uint64_t mmk_vm_region_resident(const struct mmk_vm_region *r)
{
	uint64_t n = 0;
	if (r->amap)
		n += mmk_vm_pages_count(&r->amap->pages, vm_amap_index(r, r->range.start),
				    vm_amap_index(r, r->range.end));
	if (r->object && r->object->kind != MMK_VM_OBJ_PHYS && (r->flags & MMK_VM_SHARED)) {
		uint64_t first = r->offset >> MMK_PAGE_SHIFT;
		n += mmk_vm_pages_count(&r->object->pages, first,
				    first + ((r->range.end - r->range.start) >> MMK_PAGE_SHIFT));
	}
	return n;
}

/* What a mapped page may be, by its region: the frame and whether it may be writable. */
static bool page_expected(struct mmk_vm_space *s, const struct mmk_vm_region *r, mmk_vaddr_t va,
			  mmk_paddr_t *pa, bool *may_write)
{
	struct mmk_pmm *pmm = s->vm->mmu->pmm;
	*may_write = false;
	if (va < r->low)
		return false;
	if (r->amap && mmk_vm_pages_get(&r->amap->pages, vm_amap_index(r, va), pa)) {
		*may_write = mmk_pmm_refcount(pmm, *pa) == 1;
		return true;
	}
	if (!r->object) {
		*pa = s->vm->zero_page;
		return true;
	}
	uint64_t off = vm_object_offset(r, va);
	if (r->object->kind == MMK_VM_OBJ_PHYS) {
		*pa = r->object->phys + (mmk_paddr_t)off;
		*may_write = true;
		return true;
	}
	*may_write = r->flags & MMK_VM_SHARED;
	return mmk_vm_pages_get(&r->object->pages, off >> MMK_PAGE_SHIFT, pa);
}

struct check_ctx {
	struct mmk_vm_space *s;
	int bad;
};

static int check_leaf(void *ctx, const struct mmk_mmu_mapping *m)
{
	struct check_ctx *c = ctx;
	struct mmk_vm_region *r = mmk_vm_region_at(c->s, m->va);
	mmk_paddr_t pa;
	bool may_write;
	const char *why = NULL;
	if (!r)
		why = "mapped outside every region";
	else if (m->page_shift != MMK_PAGE_SHIFT)
		why = "a large page in a user region";
	else if (!page_expected(c->s, r, m->va, &pa, &may_write))
		why = "mapped where the region holds no page";
	else if (pa != m->pa)
		why = "a frame the region does not hold there";
	else if ((m->flags & MMK_PROT_WRITE) && (!may_write || !(r->prot & MMK_PROT_WRITE)))
		why = "writable though shared or read-only";
	else if ((m->flags ^ r->prot) & MMK_PROT_USER)
		why = "user access other than the region's";
	if (!why)
		return 0;
	mmk_printf("mmk_vm_check: page 0x%llx -> 0x%llx flags 0x%x: %s\n", (unsigned long long)m->va,
		   (unsigned long long)m->pa, m->flags, why);
	c->bad = 1;
	return 1;
}

static int check_region(struct mmk_vm_space *s, const struct mmk_vm_region *r)
{
	const char *why = NULL;
	if (r->low < r->range.start || r->low > r->range.end)
		why = "low outside the region";
	else if (r->grow_limit && (r->grow_limit <= r->range.start || r->grow_limit > r->low))
		why = "a stack without its guard";
	else if (r->amap && (r->amap->refs == 0 || r->amap->base > r->range.start))
		why = "amap";
	else if (r->object && (r->object->refs == 0 ||
			       r->offset + (r->range.end - r->range.start) > r->object->size))
		why = "object";
	else if (r->prot & (MMK_PROT_GLOBAL | MMK_VM_ALLOW_WX))
		why = "protection";
	if (!why)
		return 0;
	mmk_printf("mmk_vm_check: region [0x%llx, 0x%llx): %s\n", (unsigned long long)r->range.start,
		   (unsigned long long)r->range.end, why);
	(void)s;
	return -MMK_ESTATE;
}

int mmk_vm_check(struct mmk_vm_space *s)
{
	if (mmk_vas_check(&s->regions))
		return -MMK_ESTATE;
	for (struct mmk_vm_region *r = (struct mmk_vm_region *)mmk_vas_first(&s->regions, 0); r;
	     r = next_region(s, r))
		if (check_region(s, r))
			return -MMK_ESTATE;
	struct check_ctx c = {s, 0};
	(void)mmk_mmu_walk(&s->mmu, s->regions.base, s->regions.end, check_leaf, &c);
	return c.bad ? -MMK_ESTATE : 0;
}
