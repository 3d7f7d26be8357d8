/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The VM suites' fixture (tests/vm/test_vm.c, test_vm_objects.c): a kernel heap, a VM
 * whose structure allocator can be made to fail (limit_allocs: every allocation once
 * allocs_left more have been made), and begin / end around each test - the VM made, warmed up (vm_warm.h) so frame
 * counts compare what the VM itself holds, and the active space put back at the end.
 */
#ifndef MMUKIT_TESTS_VM_FIXTURE_H
#define MMUKIT_TESTS_VM_FIXTURE_H

#include <mmukit/kheap.h>

#include "vm_warm.h"

static struct mmk_kheap heap;
static struct mmk_vm vm;
static struct mmk_mmu_space *previous;
static bool limit_allocs;
static unsigned allocs_left;

static void *test_alloc(size_t size)
{
	if (limit_allocs) {
		if (allocs_left == 0)
			return NULL; /* and every allocation after it, until allocs_left is set again */
		allocs_left--;
	}
	return ktest_env_malloc(size);
}

static void begin(void)
{
	mmk_kheap_init(&heap, ktest_env_kvm());
	limit_allocs = false;
	MMK_ASSERT(mmk_vm_init(&vm, ktest_env_mmu(), test_alloc, ktest_env_free) == 0);
	previous = ktest_env_mmu()->active;
	ktest_vm_warm_up(&vm);
}

static void end(void)
{
	mmk_mmu_activate(previous);
	mmk_vm_fini(&vm);
}

#endif
