/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What each example kernel does once its boot has a memory map, in the order
 * docs/embedding.md gives: the PMM from that map, mmukit's page tables, the kernel
 * window and heap, the VM, and one user space where a read and a write of an anonymous
 * page each take a real page fault through the machine's own trap glue (the fault is
 * decoded there and handed to mmk_fault_dispatch) and resolve to a zeroed frame.
 */
#include <mmukit/errno.h>
#include <mmukit/fault.h>
#include <mmukit/kheap.h>
#include <mmukit/kvm.h>
#include <mmukit/memmap.h>
#include <mmukit/mmu.h>
#include <mmukit/pmm.h>
#include <mmukit/services.h>
#include <mmukit/vm.h>

#include "example.h"

struct mmk_mmu example_mmu;
static struct mmk_pmm pmm;
static struct mmk_kvm kvm;
static struct mmk_kheap heap;
static struct mmk_vm vm;
static struct mmk_vm_space space;

static int step(const char *what, int err)
{
	mmk_printf("example: %s: %s\n", what, err ? mmk_strerror(err) : "ok");
	return err;
}

int example_run(struct mmk_memmap *map, mmk_paddr_t meta_limit, struct mmk_mmu_boot *boot,
		mmk_vaddr_t heap_base, mmk_vaddr_t heap_top)
{
	mmk_vaddr_t va = 0;
	volatile unsigned *p;
	unsigned *obj;

	if (step("pmm from the memory map",
		 mmk_pmm_init_boot(&pmm, map, meta_limit, boot->phys_to_virt)))
		return 1;
	mmk_printf("example: %llu free frames\n", (unsigned long long)pmm.free_frames);
	boot->memmap = map;
	if (step("mmukit's page tables", mmk_mmu_init(&example_mmu, &pmm, boot)))
		return 1;
	mmk_kvm_init(&kvm, &example_mmu, heap_base, heap_top);
	mmk_kheap_init(&heap, &kvm);
	mmk_kheap_set_default(&heap);
	obj = mmk_kmalloc(3000);
	if (step("kernel heap", obj ? 0 : -MMK_ENOMEM))
		return 1;
	obj[0] = 42;
	if (step("the VM and its zero page", mmk_vm_init(&vm, &example_mmu, mmk_kmalloc, mmk_kfree)))
		return 1;
	if (step("user space", mmk_vm_space_create(&vm, &space)))
		return 1;
	if (step("anonymous region",
		 mmk_vm_map_anon(&space, &va, 4 * MMK_PAGE_SIZE,
				 MMK_PROT_READ | MMK_PROT_WRITE | MMK_PROT_USER)))
		return 1;
	mmk_vm_space_activate(&space);
	p = (volatile unsigned *)(uintptr_t)(va + MMK_PAGE_SIZE);
	if (step("demand-zero read fault", *p == 0 ? 0 : -MMK_EINVAL))
		return 1;
	*p = 0x5a5a;
	if (step("write after the fault", *p == 0x5a5a ? 0 : -MMK_EINVAL))
		return 1;
	if (step("heap object intact", obj[0] == 42 ? 0 : -MMK_EINVAL))
		return 1;
	return step("heap free", mmk_kfree(obj));
}
