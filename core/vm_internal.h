/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What the VM's region and fault files (core/vm.c, core/vm_fault.c) share: how a
 * region's page finds its amap slot, its object offset and its MMU flags. Small and
 * static, so the library exports nothing but its documented calls.
 */
#ifndef MMUKIT_CORE_VM_INTERNAL_H
#define MMUKIT_CORE_VM_INTERNAL_H

#include <mmukit/errno.h>
#include <mmukit/vm.h>

#define VM_PROT_FLAGS (MMK_PROT_MASK | MMK_CACHE_MASK)

/* A region's amap page index for va. */
static inline uint64_t vm_amap_index(const struct mmk_vm_region *r, mmk_vaddr_t va)
{
	return (uint64_t)(va - r->amap->base) >> MMK_PAGE_SHIFT;
}

/* The object's byte that va maps. */
static inline uint64_t vm_object_offset(const struct mmk_vm_region *r, mmk_vaddr_t va)
{
	return r->offset + (va - r->range.start);
}

/* The MMU flags a page of r gets; writable false: without write (copy-on-write, zero page). */
static inline unsigned vm_page_flags(const struct mmk_vm_region *r, bool writable)
{
	unsigned flags = r->prot & VM_PROT_FLAGS;
	if (flags & (MMK_PROT_WRITE | MMK_PROT_EXEC))
		flags |= MMK_PROT_READ; /* implied (mmu.h): kept when write is taken away */
	if (!writable)
		flags &= ~MMK_PROT_WRITE;
	if (r->object && r->object->kind == MMK_VM_OBJ_PHYS)
		flags = (flags & ~MMK_CACHE_MASK) | r->object->cache;
	return flags;
}

/* The region's amap, made if it has none (its base: the region's start). Errors: MMK_ENOMEM. */
static inline int vm_region_amap(struct mmk_vm *vm, struct mmk_vm_region *r)
{
	if (r->amap)
		return 0;
	struct mmk_vm_amap *a = vm->alloc(sizeof(*a));
	if (!a)
		return -MMK_ENOMEM;
	*a = (struct mmk_vm_amap){.refs = 1, .base = r->range.start};
	r->amap = a;
	return 0;
}

#endif
