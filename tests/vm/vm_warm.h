/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * For the VM's tests: a kernel heap keeps one slab page per object size once it has
 * one, so a test that compares free frames before and after first makes every size the
 * VM allocates exist (regions, amaps, page-array nodes, objects): one of each, made and
 * freed. The VM's statistics start from zero after it.
 */
#ifndef MMUKIT_TESTS_VM_WARM_H
#define MMUKIT_TESTS_VM_WARM_H

#include <mmukit/ktest.h>
#include <mmukit/services.h>
#include <mmukit/vm.h>

static inline void ktest_vm_warm_up(struct mmk_vm *vm)
{
	struct mmk_vm_space a, b;
	mmk_vaddr_t va = 0;
	struct mmk_mmu_space *was = vm->mmu->active;
	MMK_ASSERT(mmk_vm_space_create(vm, &a) == 0);
	MMK_ASSERT(mmk_vm_map(&a, &va, 2 * MMK_PAGE_SIZE, MMK_PROT_READ | MMK_PROT_WRITE | MMK_PROT_USER,
			      MMK_VM_SHARED, NULL, 0) == 0);
	va = 0;
	MMK_ASSERT(mmk_vm_map_anon(&a, &va, MMK_PAGE_SIZE, MMK_PROT_READ | MMK_PROT_WRITE | MMK_PROT_USER) == 0);
	uint32_t v = 1;
	mmk_vm_space_activate(&a);
	MMK_ASSERT(ktest_env_access(va, true, &v) == 0);
	mmk_mmu_activate(was);
	MMK_ASSERT(mmk_vm_fork(&a, &b) == 0);
	MMK_ASSERT(mmk_vm_space_destroy(&b) == 0);
	MMK_ASSERT(mmk_vm_space_destroy(&a) == 0);
	vm->stats = (struct mmk_vm_stats){0};
}

#endif
