/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The example kernels (examples/<arch>/): each one's machine part gives these to the
 * shared pieces (common.c: the services mmukit needs; demo.c: what the example does).
 */
#ifndef MMUKIT_EXAMPLE_H
#define MMUKIT_EXAMPLE_H

#include <mmukit/memmap.h>
#include <mmukit/mmu.h>
#include <mmukit/pmm.h>

void example_putc(char c);
void example_puts(const char *s);
_Noreturn void example_exit(int status);

/* Everything after the memory map: PMM, page tables, heap, VM, a demand-zero fault.
 * boot describes the image and the early window; heap_base/heap_top the kernel window.
 * Returns 0 when every step worked. */
int example_run(struct mmk_memmap *map, mmk_paddr_t meta_limit, struct mmk_mmu_boot *boot,
		mmk_vaddr_t heap_base, mmk_vaddr_t heap_top);

/* The page tables, for the trap glue (mmu.active is the space the CPU is in). */
extern struct mmk_mmu example_mmu;

#endif
