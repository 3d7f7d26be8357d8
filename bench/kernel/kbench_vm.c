/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Page-fault costs in the kernel, through the real trap path: instructions (under
 * -icount shift=0) per demand-zero fault and per copy-on-write fault (copying, and
 * reusing a frame with one owner), each including the faulting store itself.
 */
#include <mmukit/kbench.h>
#include <mmukit/kheap.h>
#include <mmukit/services.h>
#include <mmukit/vm.h>

#include "platform.h"

#define PAGES 256
#define UVA 0x40000000u
#define URW (MMK_PROT_READ | MMK_PROT_WRITE | MMK_PROT_USER)

static uint64_t write_each_page(void)
{
	uint64_t t0 = arch_cycles();
	for (unsigned i = 0; i < PAGES; i++)
		*(volatile uint32_t *)(UVA + i * MMK_PAGE_SIZE) = i;
	return (arch_cycles() - t0) / PAGES;
}

KBENCH(vm_faults)
{
	static struct mmk_vm vm;
	static struct mmk_vm_space parent, child;
	struct mmk_mmu_space *previous = kernel_mmu()->active;
	mmk_vaddr_t va = UVA;
	if (mmk_vm_init(&vm, kernel_mmu(), mmk_kmalloc, mmk_kfree) || mmk_vm_space_create(&vm, &parent) || mmk_vm_map_anon(&parent, &va, PAGES * MMK_PAGE_SIZE, URW))
		mmk_panic("bench: vm set-up");
	mmk_vm_space_activate(&parent);
	uint64_t warm = write_each_page();      /* demand-zero: fault, frame, zero, map */
	uint64_t plain = write_each_page();     /* mapped already: no fault */
	if (mmk_vm_fork(&parent, &child))
		mmk_panic("bench: fork");
	uint64_t copy = write_each_page();      /* copy-on-write: new frame, copy, remap */
	mmk_mmu_activate(previous);
	mmk_vm_space_destroy(&parent);
	mmk_vm_space_activate(&child);
	uint64_t reuse = write_each_page();     /* copy-on-write, sole owner: re-enable write */
	mmk_mmu_activate(previous);
	mmk_vm_space_destroy(&child);
	mmk_vm_fini(&vm);
	mmk_printf("# bench fault per page: demand-zero %llu, copy-on-write copy %llu, "
		   "copy-on-write reuse %llu, store without fault %llu\n",
		   (unsigned long long)warm, (unsigned long long)copy, (unsigned long long)reuse,
		   (unsigned long long)plain);
}
