/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Memory objects (include/mmukit/vm.h): shared anonymous memory, physical ranges, and
 * pages from a pager. An object counts its references (regions and other holders) and
 * keeps one PMM reference per resident frame until it goes with its last reference.
 */
#include <mmukit/errno.h>
#include <mmukit/pmm.h>
#include <mmukit/services.h>

#include <mmukit/vm.h>

static int object_new(struct mmk_vm *vm, unsigned kind, uint64_t size, struct mmk_vm_object **out)
{
	if (size == 0)
		return -MMK_EINVAL;
	if (!mmk_is_aligned(size, MMK_PAGE_SIZE))
		return -MMK_EALIGN;
	struct mmk_vm_object *obj = vm->alloc(sizeof(*obj));
	if (!obj)
		return -MMK_ENOMEM;
	*obj = (struct mmk_vm_object){.kind = kind, .refs = 1, .size = size};
	*out = obj;
	return 0;
}

int mmk_vm_object_anon(struct mmk_vm *vm, uint64_t size, struct mmk_vm_object **out)
{
	return object_new(vm, MMK_VM_OBJ_ANON, size, out);
}

int mmk_vm_object_phys(struct mmk_vm *vm, mmk_paddr_t pa, uint64_t size, unsigned cache,
		       struct mmk_vm_object **out)
{
	if (cache & ~MMK_CACHE_MASK)
		return -MMK_EINVAL;
	if (!mmk_is_aligned(pa, MMK_PAGE_SIZE))
		return -MMK_EALIGN;
	if (size && (mmk_paddr_t)(pa + size - 1) < pa)
		return -MMK_ERANGE;
	int err = object_new(vm, MMK_VM_OBJ_PHYS, size, out);
	if (!err) {
		(*out)->phys = pa;
		(*out)->cache = cache;
	}
	return err;
}

int mmk_vm_object_pager(struct mmk_vm *vm, uint64_t size, const struct mmk_vm_pager_ops *ops,
			void *ctx, struct mmk_vm_object **out)
{
	if (!ops || !ops->get_page)
		return -MMK_EINVAL;
	int err = object_new(vm, MMK_VM_OBJ_PAGER, size, out);
	if (!err) {
		(*out)->pager = ops;
		(*out)->pager_ctx = ctx;
	}
	return err;
}

int mmk_vm_object_ref(struct mmk_vm_object *obj)
{
	if (obj->refs == UINT32_MAX)
		return -MMK_ERANGE;
	obj->refs++;
	return 0;
}

void mmk_vm_object_release(struct mmk_vm *vm, struct mmk_vm_object *obj)
{
	MMK_ASSERT(obj->refs > 0);
	if (--obj->refs)
		return;
	mmk_vm_pages_release(vm, &obj->pages, 0, UINT64_MAX);
	if (obj->kind == MMK_VM_OBJ_PAGER && obj->pager->release)
		obj->pager->release(obj->pager_ctx);
	MMK_ASSERT(vm->release(obj) == 0);
}

/* A page the object keeps from now on: zeroed, or the pager's. */
static int make_resident(struct mmk_vm *vm, struct mmk_vm_object *obj, uint64_t index,
			 mmk_paddr_t *pa)
{
	uint64_t *slot;
	int err = mmk_vm_pages_reserve(vm, &obj->pages, index, &slot);
	if (err)
		return err;
	if (obj->kind == MMK_VM_OBJ_ANON) {
		err = mmk_pmm_alloc(vm->mmu->pmm, pa);
		if (!err)
			mmk_mmu_zero_frame(vm->mmu, *pa);
	} else {
		err = obj->pager->get_page(obj->pager_ctx, index << MMK_PAGE_SHIFT, pa);
	}
	if (err) {
		mmk_vm_pages_unreserve(vm, &obj->pages, index);
		return err == -MMK_ENOMEM ? err : -MMK_EFAULT;
	}
	mmk_vm_pages_store(&obj->pages, slot, index, *pa);
	return 0;
}

int mmk_vm_object_page(struct mmk_vm *vm, struct mmk_vm_object *obj, uint64_t offset, mmk_paddr_t *pa)
{
	if (offset >= obj->size)
		return -MMK_EFAULT; /* past its end: as a file's SIGBUS */
	if (obj->kind == MMK_VM_OBJ_PHYS) {
		*pa = obj->phys + (mmk_paddr_t)offset;
		return 0;
	}
	uint64_t index = offset >> MMK_PAGE_SHIFT;
	if (mmk_vm_pages_get(&obj->pages, index, pa))
		return 0;
	return make_resident(vm, obj, index, pa);
}
