/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The kernel's VM, portable glue every machine's kernel runs on (arch_vm_start calls
 * kernel_vm_start): the MMU from the boot state, the heap-up / MMIO-down
 * window, the kernel heap behind mmk_kmalloc, and the VM that user-space faults go to
 * (fatal ones reported with their region). Also the test hooks that need them.
 */
#include <mmukit/fault.h>
#include <mmukit/kheap.h>
#include <mmukit/ktest.h>
#include <mmukit/kvm.h>
#include <mmukit/vm.h>

#include "platform.h"

static struct mmk_mmu the_mmu;
static struct mmk_kvm the_kvm;
static struct mmk_kheap the_heap;
static struct mmk_vm the_vm;
static bool vm_started;

int kernel_vm_start(struct mmk_pmm *pmm, const struct mmk_mmu_boot *boot, mmk_vaddr_t window_base,
		    mmk_vaddr_t window_top)
{
	int err = mmk_mmu_init(&the_mmu, pmm, boot);
	if (err)
		return err;
	mmk_kvm_init(&the_kvm, &the_mmu, window_base, window_top);
	mmk_kheap_init(&the_heap, &the_kvm);
	mmk_kheap_set_default(&the_heap);
	err = mmk_vm_init(&the_vm, &the_mmu, mmk_kmalloc, mmk_kfree);
	if (err)
		return err;
	vm_started = true;
	return 0;
}

struct mmk_mmu *kernel_mmu(void)
{
	return vm_started ? &the_mmu : NULL;
}

struct mmk_kvm *kernel_kvm(void)
{
	return vm_started ? &the_kvm : NULL;
}

struct mmk_kheap *kernel_heap(void)
{
	return vm_started ? &the_heap : NULL;
}

unsigned ktest_env_stale_tlb_entries(void)
{
	return 0; /* the real TLB cannot be inspected; the host simulators check this */
}

void *ktest_env_malloc(size_t size)
{
	return mmk_kmalloc(size);
}

int ktest_env_free(void *ptr)
{
	return mmk_kfree(ptr);
}
