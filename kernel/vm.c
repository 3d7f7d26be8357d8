/*
 * The kernel's VM, portable glue every machine's kernel runs on (arch_vm_start calls
 * kernel_vm_start): the MMU from the boot state, the heap-up / MMIO-down
 * window, the kernel heap behind kmalloc, and the VM that user-space faults go to
 * (fatal ones reported with their region). Also the test hooks that need them.
 */
#include <mmukit/fault.h>
#include <mmukit/kheap.h>
#include <mmukit/ktest.h>
#include <mmukit/kvm.h>
#include <mmukit/vm.h>

#include "platform.h"

static struct mmu the_mmu;
static struct kvm the_kvm;
static struct kheap the_heap;
static struct vm the_vm;
static bool vm_started;

int kernel_vm_start(struct pmm *pmm, const struct mmu_boot *boot, vaddr_t window_base,
		    vaddr_t window_top)
{
	int err = mmu_init(&the_mmu, pmm, boot);
	if (err)
		return err;
	kvm_init(&the_kvm, &the_mmu, window_base, window_top);
	kheap_init(&the_heap, &the_kvm);
	kheap_set_default(&the_heap);
	vm_init(&the_vm, &the_mmu, kmalloc, kfree);
	fault_set_handler(vm_fault_handler, &the_vm, NULL, NULL);
	fault_set_reporter(vm_fault_describe, &the_vm, NULL, NULL);
	vm_started = true;
	return 0;
}

struct mmu *kernel_mmu(void)
{
	return vm_started ? &the_mmu : NULL;
}

struct kvm *kernel_kvm(void)
{
	return vm_started ? &the_kvm : NULL;
}

unsigned ktest_env_stale_tlb_entries(void)
{
	return 0; /* the real TLB cannot be inspected; the host simulators check this */
}

void *ktest_env_malloc(size_t size)
{
	return kmalloc(size);
}

int ktest_env_free(void *ptr)
{
	return kfree(ptr);
}
