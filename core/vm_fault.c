/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Page faults in a VM space (include/mmukit/vm.h): one decision per fault, from the
 * region, its amap and its object; then the page is mapped as the access needs.
 *
 *   shared region          the object's page, with the region's protection
 *   private, own page      map it; a write to a page another amap shares copies it,
 *                          to one nobody else holds just makes it writable
 *   private, no own page   a read maps the object's page or the zero page read-only;
 *                          a write copies it (or zero-fills) into a frame of the amap
 *   below a stack's low    grows the stack, down to its limit; its guard is fatal
 */
#include <mmukit/errno.h>
#include <mmukit/pmm.h>
#include <mmukit/services.h>

#include "vm_internal.h"

static bool access_allowed(const struct mmk_vm_region *r, const struct mmk_fault *f)
{
	if (f->user && !(r->prot & MMK_PROT_USER))
		return false;
	if (f->access == MMK_ACCESS_WRITE)
		return r->prot & MMK_PROT_WRITE;
	if (f->access == MMK_ACCESS_EXEC)
		return r->prot & MMK_PROT_EXEC;
	return true;
}

/*
 * Maps page to pa with flags: a new entry, or on a present page (a permission fault)
 * the entry pointed at pa. The old frame stays usable by the CPU until the batch is
 * finished: b, or one of install's own (begun only when an entry is replaced).
 */
static int install(struct mmk_vm_space *s, mmk_vaddr_t page, mmk_paddr_t pa, unsigned flags,
		   bool present, struct mmk_mmu_batch *b)
{
	int err = present ? -MMK_EEXIST : mmk_mmu_map(&s->mmu, page, pa, MMK_PAGE_SIZE, flags,
						       MMK_PAGE_SHIFT);
	if (err != -MMK_EEXIST)
		return err;
	struct mmk_mmu_batch own;
	if (!b)
		mmk_mmu_batch_begin(b = &own, &s->mmu, NULL, NULL);
	err = mmk_mmu_remap(&s->mmu, page, pa, flags, b);
	if (err == -MMK_ENOENT) /* said present, gone since: a new entry then */
		err = mmk_mmu_map(&s->mmu, page, pa, MMK_PAGE_SIZE, flags, MMK_PAGE_SHIFT);
	if (b == &own)
		mmk_mmu_batch_finish(&own);
	return err;
}

static enum mmk_fault_result install_one(struct mmk_vm_space *s, mmk_vaddr_t page, mmk_paddr_t pa,
					 unsigned flags, bool present)
{
	return install(s, page, pa, flags, present, NULL) ? MMK_FAULT_OOM : MMK_FAULT_RESOLVED;
}

static enum mmk_fault_result object_error(int err)
{
	return err == -MMK_ENOMEM ? MMK_FAULT_OOM : MMK_FAULT_BAD_ACCESS;
}

static enum mmk_fault_result fault_shared(struct mmk_vm_space *s, struct mmk_vm_region *r,
					  mmk_vaddr_t page, bool present)
{
	mmk_paddr_t pa;
	int err = mmk_vm_object_page(s->vm, r->object, vm_object_offset(r, page), &pa);
	if (err)
		return object_error(err);
	s->vm->stats.object_pages++;
	return install_one(s, page, pa, vm_page_flags(r, true), present);
}

/* A write to a page of the amap: reuse it if nobody else holds it, else copy it. */
static enum mmk_fault_result write_own(struct mmk_vm_space *s, struct mmk_vm_region *r,
				       mmk_vaddr_t page, bool present, uint64_t index, mmk_paddr_t pa)
{
	struct mmk_vm *vm = s->vm;
	if (mmk_pmm_refcount(vm->mmu->pmm, pa) == 1) {
		vm->stats.cow_reuses++;
		return install_one(s, page, pa, vm_page_flags(r, true), present);
	}
	mmk_paddr_t copy;
	if (mmk_pmm_alloc(vm->mmu->pmm, &copy))
		return MMK_FAULT_OOM;
	mmk_mmu_copy_frame(vm->mmu, copy, pa);
	struct mmk_mmu_batch b;
	mmk_mmu_batch_begin(&b, &s->mmu, NULL, NULL);
	int err = install(s, page, copy, vm_page_flags(r, true), present, &b);
	mmk_mmu_batch_finish(&b);
	if (err) {
		MMK_ASSERT(mmk_pmm_free(vm->mmu->pmm, copy) == 0);
		return MMK_FAULT_OOM;
	}
	uint64_t *slot;
	MMK_ASSERT(mmk_vm_pages_reserve(vm, &r->amap->pages, index, &slot) == 0); /* it exists */
	mmk_vm_pages_store(&r->amap->pages, slot, index, copy);
	MMK_ASSERT(mmk_pmm_free(vm->mmu->pmm, pa) == 0); /* the TLB let go of it */
	vm->stats.cow_copies++;
	return MMK_FAULT_RESOLVED;
}

/* A write to a page the amap does not hold yet: a frame of its own, zeroed or copied
 * from the object. */
static enum mmk_fault_result write_new(struct mmk_vm_space *s, struct mmk_vm_region *r,
				       mmk_vaddr_t page, bool present)
{
	struct mmk_vm *vm = s->vm;
	mmk_paddr_t src = 0, pa;
	if (r->object) {
		int err = mmk_vm_object_page(vm, r->object, vm_object_offset(r, page), &src);
		if (err)
			return object_error(err);
	}
	if (vm_region_amap(vm, r))
		return MMK_FAULT_OOM;
	uint64_t index = vm_amap_index(r, page), *slot;
	if (mmk_vm_pages_reserve(vm, &r->amap->pages, index, &slot))
		return MMK_FAULT_OOM;
	if (mmk_pmm_alloc(vm->mmu->pmm, &pa)) {
		mmk_vm_pages_unreserve(vm, &r->amap->pages, index);
		return MMK_FAULT_OOM;
	}
	if (r->object)
		mmk_mmu_copy_frame(vm->mmu, pa, src);
	else
		mmk_mmu_zero_frame(vm->mmu, pa);
	unsigned flags = vm_page_flags(r, true);
	int err = present ? install(s, page, pa, flags, true, NULL) /* over the zero page */
			  : mmk_mmu_map(&s->mmu, page, pa, MMK_PAGE_SIZE, flags, MMK_PAGE_SHIFT);
	if (err) {
		MMK_ASSERT(mmk_pmm_free(vm->mmu->pmm, pa) == 0);
		mmk_vm_pages_unreserve(vm, &r->amap->pages, index);
		return MMK_FAULT_OOM;
	}
	mmk_vm_pages_store(&r->amap->pages, slot, index, pa);
	if (r->object)
		vm->stats.cow_copies++;
	else
		vm->stats.zero_fills++;
	return MMK_FAULT_RESOLVED;
}

/* A read or execute of a page the amap does not hold: the object's or the zero page,
 * read-only, so the first write still comes here. */
static enum mmk_fault_result read_shared(struct mmk_vm_space *s, struct mmk_vm_region *r,
					 mmk_vaddr_t page, bool present)
{
	mmk_paddr_t pa = s->vm->zero_page;
	if (r->object) {
		int err = mmk_vm_object_page(s->vm, r->object, vm_object_offset(r, page), &pa);
		if (err)
			return object_error(err);
		s->vm->stats.object_pages++;
	} else {
		s->vm->stats.zero_maps++;
	}
	return install_one(s, page, pa, vm_page_flags(r, false), present);
}

static enum mmk_fault_result fault_private(struct mmk_vm_space *s, struct mmk_vm_region *r,
					   mmk_vaddr_t page, bool write, bool present)
{
	mmk_paddr_t pa;
	uint64_t index = 0;
	bool own = r->amap && mmk_vm_pages_get(&r->amap->pages, index = vm_amap_index(r, page), &pa);
	if (own && write)
		return write_own(s, r, page, present, index, pa);
	if (own) /* read: writable at once if nobody else holds it */
		return install_one(s, page, pa,
				   vm_page_flags(r, mmk_pmm_refcount(s->vm->mmu->pmm, pa) == 1), present);
	return write ? write_new(s, r, page, present) : read_shared(s, r, page, present);
}

/* Below the region's low: the stack grows if the page is above its guard. */
static bool grow_stack(struct mmk_vm_space *s, struct mmk_vm_region *r, mmk_vaddr_t page)
{
	if (!r->grow_limit || page < r->grow_limit)
		return false;
	r->low = page;
	s->vm->stats.stack_grows++;
	return true;
}

/*
 * A fault on a present page the tables already allow: the CPU refused for a reason the
 * VM does not manage (SMAP, PAN, SUM, PXN, SMEP), and mapping the page again would
 * only fault again. A present page is always readable and executable as its region
 * says, so only a write needs a look at the entry - and only the kernel's: those
 * guards stop the kernel, never user mode, whose present write faults are the
 * copy-on-write kind (or a stale entry, which mapping again does cure).
 */
static bool tables_allow(struct mmk_vm_space *s, const struct mmk_fault *f, mmk_vaddr_t page)
{
	if (!f->present)
		return false;
	if (f->access != MMK_ACCESS_WRITE)
		return true;
	struct mmk_mmu_mapping m;
	return !f->user && mmk_mmu_query(&s->mmu, page, &m) == 0 && (m.flags & MMK_PROT_WRITE);
}

enum mmk_fault_result mmk_vm_fault(struct mmk_vm_space *s, const struct mmk_fault *f)
{
	struct mmk_vm_region *r = mmk_vm_region_at(s, f->addr);
	mmk_vaddr_t page = mmk_align_down(f->addr, MMK_PAGE_SIZE);
	enum mmk_fault_result result = MMK_FAULT_BAD_ACCESS;
	bool write = f->access == MMK_ACCESS_WRITE;
	if (!r || f->reserved_bit || !access_allowed(r, f) || tables_allow(s, f, page))
		result = MMK_FAULT_BAD_ACCESS;
	else if (page < r->low && !grow_stack(s, r, page))
		result = MMK_FAULT_BAD_ACCESS; /* a guard page: a stack overflow */
	else if (r->flags & MMK_VM_SHARED)
		result = fault_shared(s, r, page, f->present);
	else
		result = fault_private(s, r, page, write, f->present);
	if (result == MMK_FAULT_BAD_ACCESS)
		s->vm->stats.bad_faults++;
	return result;
}
