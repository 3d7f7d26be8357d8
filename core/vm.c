/*
 * User address spaces, regions and fault decisions (include/mmukit/vm.h). Portable:
 * everything machine-specific goes through include/mmukit/mmu.h.
 */
#include <mmukit/errno.h>
#include <mmukit/pmm.h>
#include <mmukit/services.h>
#include <mmukit/vm.h>

#define PROT_FLAGS (MMK_PROT_MASK | MMK_CACHE_MASK)

void vm_init(struct vm *vm, struct mmu *mmu, void *(*alloc)(size_t size),
	     int (*release)(void *ptr))
{
	*vm = (struct vm){.mmu = mmu, .alloc = alloc, .release = release};
}

int vm_space_create(struct vm *vm, struct vm_space *space)
{
	int err = mmu_space_create(vm->mmu, &space->mmu);
	if (err)
		return err;
	vas_init(&space->regions, mmu_user_base(), mmu_user_end());
	space->vm = vm;
	return 0;
}

void vm_space_activate(struct vm_space *space)
{
	mmu_activate(&space->mmu);
}

struct vm_region *vm_region_at(struct vm_space *space, vaddr_t va)
{
	return (struct vm_region *)vas_lookup(&space->regions, va);
}

/* The protection a page of the region is mapped with (copy-on-write: without write). */
static unsigned page_flags(const struct vm_region *r, bool writable)
{
	unsigned flags = r->prot & PROT_FLAGS;
	if (!writable)
		flags &= ~MMK_PROT_WRITE;
	return flags;
}

/* ------------------------------------------------------------ regions */

static int check_prot(unsigned prot)
{
	if (prot & ~(PROT_FLAGS | VM_ALLOW_WX) || !(prot & (MMK_PROT_READ | MMK_PROT_WRITE)))
		return -MMK_EINVAL;
	if ((prot & MMK_PROT_WRITE) && (prot & MMK_PROT_EXEC) && !(prot & VM_ALLOW_WX))
		return -MMK_EPERM;
	return 0;
}

/* Places a new region of the given kind; on success it is in the VAS, nothing mapped. */
static int add_region(struct vm_space *s, struct vm_region **out, vaddr_t *va, vsize_t size,
		      unsigned kind, unsigned prot)
{
	int err = check_prot(prot);
	if (err)
		return err;
	if (size == 0)
		return -MMK_EINVAL;
	if (!mmk_is_aligned(*va, MMK_PAGE_SIZE) || !mmk_is_aligned(size, MMK_PAGE_SIZE))
		return -MMK_EALIGN;
	struct vm_region *r = s->vm->alloc(sizeof(*r));
	if (!r)
		return -MMK_ENOMEM;
	*r = (struct vm_region){.kind = kind, .prot = prot & ~VM_ALLOW_WX};
	if (*va)
		err = vas_reserve(&s->regions, &r->range, *va, size);
	else
		err = vas_alloc(&s->regions, &r->range, size, MMK_PAGE_SIZE, 0, (vaddr_t)-1,
				VAS_LOWEST, va);
	if (err) {
		s->vm->release(r);
		return err;
	}
	*out = r;
	return 0;
}

static void drop_region(struct vm_space *s, struct vm_region *r)
{
	MMK_ASSERT(vas_free(&s->regions, &r->range) == 0);
	MMK_ASSERT(s->vm->release(r) == 0);
}

int vm_map_anon(struct vm_space *s, vaddr_t *va, vsize_t size, unsigned prot)
{
	struct vm_region *r;
	return add_region(s, &r, va, size, VM_ANON, prot);
}

int vm_map_stack(struct vm_space *s, vaddr_t *va, vsize_t size, vsize_t guard, unsigned prot)
{
	struct vm_region *r;
	if (guard == 0 || !mmk_is_aligned(guard, MMK_PAGE_SIZE))
		return -MMK_EINVAL;
	if (size > (vaddr_t)-1 - guard)
		return -MMK_ERANGE;
	vaddr_t at = *va ? *va - guard : 0;
	if (*va && *va < guard)
		return -MMK_ERANGE;
	int err = add_region(s, &r, &at, size + guard, VM_STACK, prot);
	if (err)
		return err;
	r->guard = guard;
	*va = at + guard;
	return 0;
}

int vm_map_phys(struct vm_space *s, vaddr_t *va, paddr_t pa, vsize_t size, unsigned prot)
{
	struct vm_region *r;
	if (!mmk_is_aligned(pa, MMK_PAGE_SIZE))
		return -MMK_EALIGN;
	int err = add_region(s, &r, va, size, VM_PHYS, prot);
	if (err)
		return err;
	r->phys = pa;
	err = mmu_map(&s->mmu, *va, pa, size, page_flags(r, true), 0);
	if (err) {
		drop_region(s, r);
		return err;
	}
	return 0;
}

static int take_first(void *ctx, const struct mmu_mapping *m)
{
	*(struct mmu_mapping *)ctx = *m;
	return 1;
}

/* The first mapping of space in [from, end), if any (the walk itself changes nothing). */
static bool next_mapping(struct vm_space *s, vaddr_t from, vaddr_t end, struct mmu_mapping *m)
{
	return from < end && mmu_walk(&s->mmu, from, end, take_first, m) == 1;
}

/* Unmaps whatever is mapped in [start, end); anonymous frames lose their reference. */
static void unmap_range(struct vm_space *s, vaddr_t start, vaddr_t end, bool free_frames)
{
	struct mmu_mapping m;
	while (next_mapping(s, start, end, &m)) {
		vsize_t size = (vsize_t)1 << m.page_shift;
		/* Regions are page-table aligned for large pages, so no split is needed. */
		MMK_ASSERT(mmu_unmap(&s->mmu, m.va, size, free_frames) == 0);
		start = m.va + size;
	}
}

static void remove_region(struct vm_space *s, struct vm_region *r)
{
	unmap_range(s, r->range.start, r->range.end, r->kind != VM_PHYS);
	drop_region(s, r);
}

int vm_unmap(struct vm_space *s, vaddr_t va)
{
	struct vm_region *r = vm_region_at(s, va);
	if (!r)
		return -MMK_ENOENT;
	remove_region(s, r);
	return 0;
}

int vm_space_destroy(struct vm_space *s)
{
	if (s->mmu.mmu->active == &s->mmu)
		return -MMK_EBUSY;
	struct vm_region *r;
	while ((r = (struct vm_region *)vas_first(&s->regions, 0)) != NULL)
		remove_region(s, r);
	return mmu_space_destroy(&s->mmu, false);
}

/* ------------------------------------------------------------ fork */

/* Shares one parent mapping with the child, read-only on both sides when writable. */
static int share_mapping(struct vm_space *parent, struct vm_space *child,
			 const struct vm_region *r, const struct mmu_mapping *m)
{
	struct pmm *pmm = parent->vm->mmu->pmm;
	vsize_t size = (vsize_t)1 << m->page_shift;
	bool anon = r->kind != VM_PHYS;
	if (anon) {
		int err = pmm_ref(pmm, m->pa);
		if (err)
			return err;
	}
	int err = mmu_map(&child->mmu, m->va, m->pa, size, page_flags(r, !anon), m->page_shift);
	if (err) {
		if (anon)
			MMK_ASSERT(pmm_free(pmm, m->pa) == 0);
		return err;
	}
	if (anon && (r->prot & MMK_PROT_WRITE))
		MMK_ASSERT(mmu_protect(&parent->mmu, m->va, size, page_flags(r, false)) == 0);
	return 0;
}

static int fork_region(struct vm_space *parent, struct vm_space *child,
		       const struct vm_region *r)
{
	struct vm_region *copy;
	vaddr_t va = r->range.start;
	int err = add_region(child, &copy, &va, r->range.end - r->range.start, r->kind,
			     r->prot | VM_ALLOW_WX);
	if (err)
		return err;
	copy->phys = r->phys;
	copy->guard = r->guard;
	struct mmu_mapping m;
	for (vaddr_t at = r->range.start; next_mapping(parent, at, r->range.end, &m);
	     at = m.va + ((vsize_t)1 << m.page_shift)) {
		err = share_mapping(parent, child, r, &m);
		if (err)
			return err;
	}
	return 0;
}

int vm_fork(struct vm_space *parent, struct vm_space *child)
{
	int err = vm_space_create(parent->vm, child);
	if (err)
		return err;
	for (struct vm_region *r = (struct vm_region *)vas_first(&parent->regions, 0); r;
	     r = (struct vm_region *)vas_next(&parent->regions, &r->range)) {
		err = fork_region(parent, child, r);
		if (err) {
			MMK_ASSERT(vm_space_destroy(child) == 0);
			return err;
		}
	}
	return 0;
}

/* ------------------------------------------------------------ faults */

static bool access_allowed(const struct vm_region *r, const struct mmk_fault *f)
{
	if (f->user && !(r->prot & MMK_PROT_USER))
		return false;
	if (f->access == MMK_ACCESS_WRITE)
		return r->prot & MMK_PROT_WRITE;
	if (f->access == MMK_ACCESS_EXEC)
		return r->prot & MMK_PROT_EXEC;
	return true;
}

/* First touch of an anonymous page: a zeroed frame. */
static enum fault_result fault_zero_fill(struct vm_space *s, const struct vm_region *r,
					 vaddr_t page)
{
	struct pmm *pmm = s->vm->mmu->pmm;
	paddr_t pa;
	if (pmm_alloc(pmm, &pa))
		return FAULT_OOM;
	mmu_zero_frame(s->vm->mmu, pa);
	if (mmu_map(&s->mmu, page, pa, MMK_PAGE_SIZE, page_flags(r, true), 12)) {
		MMK_ASSERT(pmm_free(pmm, pa) == 0);
		return FAULT_OOM; /* a page table could not be had */
	}
	s->vm->stats.zero_fills++;
	return FAULT_RESOLVED;
}

/* A write to a shared page: take it over if ours alone, else copy it. */
static enum fault_result fault_cow(struct vm_space *s, const struct vm_region *r,
				   vaddr_t page)
{
	struct pmm *pmm = s->vm->mmu->pmm;
	struct mmu_mapping m;
	if (mmu_query(&s->mmu, page, &m) != 0)
		return FAULT_BAD_ACCESS;
	if (m.page_shift != 12) /* large pages come only from physical regions */
		return FAULT_BAD_ACCESS;
	if (pmm_refcount(pmm, m.pa) == 1) {
		MMK_ASSERT(mmu_protect(&s->mmu, page, MMK_PAGE_SIZE, page_flags(r, true)) == 0);
		s->vm->stats.cow_reuses++;
		return FAULT_RESOLVED;
	}
	paddr_t copy;
	if (pmm_alloc(pmm, &copy))
		return FAULT_OOM;
	mmu_copy_frame(s->vm->mmu, copy, m.pa);
	/* The table exists (the page is mapped), so neither call can fail. */
	MMK_ASSERT(mmu_unmap(&s->mmu, page, MMK_PAGE_SIZE, true) == 0);
	MMK_ASSERT(mmu_map(&s->mmu, page, copy, MMK_PAGE_SIZE, page_flags(r, true), 12) == 0);
	s->vm->stats.cow_copies++;
	return FAULT_RESOLVED;
}

enum fault_result vm_fault(struct vm_space *s, const struct mmk_fault *f)
{
	struct vm_region *r = vm_region_at(s, f->addr);
	vaddr_t page = mmk_align_down(f->addr, MMK_PAGE_SIZE);
	enum fault_result result = FAULT_BAD_ACCESS;
	if (!r || f->reserved_bit || !access_allowed(r, f))
		result = FAULT_BAD_ACCESS;
	else if (r->kind == VM_STACK && f->addr < r->range.start + r->guard)
		result = FAULT_BAD_ACCESS; /* the guard page: a stack overflow */
	else if (r->kind == VM_PHYS)
		result = FAULT_BAD_ACCESS; /* mapped whole at creation: nothing to fill */
	else if (!f->present)
		result = fault_zero_fill(s, r, page);
	else if (f->access == MMK_ACCESS_WRITE)
		result = fault_cow(s, r, page);
	if (result == FAULT_BAD_ACCESS)
		s->vm->stats.bad_faults++;
	return result;
}

static const char *kind_name(unsigned kind)
{
	switch (kind) {
	case VM_ANON: return "anonymous";
	case VM_PHYS: return "physical";
	case VM_STACK: return "stack";
	default: return "?";
	}
}

static void describe_region(struct vm_space *s, const struct mmk_fault *f)
{
	struct vm_region *r = vm_region_at(s, f->addr);
	if (!r)
		mmk_printf("  in no region\n");
	else
		mmk_printf("  in %s region [0x%llx, 0x%llx)%s, protection 0x%x\n",
			   kind_name(r->kind), (unsigned long long)r->range.start,
			   (unsigned long long)r->range.end,
			   r->kind == VM_STACK && f->addr < r->range.start + r->guard
				   ? ": its guard page (stack overflow)" : "",
			   r->prot);
}

void vm_fault_describe(void *vm, struct mmu_space *space, const struct mmk_fault *fault)
{
	(void)vm;
	if (!space || space->is_kernel)
		mmk_printf("  in the kernel space\n");
	else
		describe_region((struct vm_space *)(void *)space, fault);
}

void vm_fault_report(struct vm_space *s, const struct mmk_fault *f, enum fault_result result)
{
	fault_report(&s->mmu, f, result);
	describe_region(s, f);
	mmu_print_walk(&s->mmu, f->addr);
}

enum fault_result vm_fault_handler(void *vm, struct mmu_space *space,
				   const struct mmk_fault *fault)
{
	(void)vm;
	if (!space || space->is_kernel)
		return FAULT_BAD_ACCESS;
	/* struct vm_space begins with its MMU space. */
	return vm_fault((struct vm_space *)(void *)space, fault);
}
