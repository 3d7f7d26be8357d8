/*
 * The ARMv7 MMU backend's access to the machine: CP15 operations in the kernel, a
 * simulated CPU in the host tests (hosted/armv7/sim.c). Tables are reached through the
 * linear map of RAM at 0x80000000 (seed 003).
 */
#ifndef MMUKIT_ARCH_ARMV7_CPU_H
#define MMUKIT_ARCH_ARMV7_CPU_H

#include <stdbool.h>
#include <stdint.h>

/* A pointer to physical address pa (inside the linear map), valid to the end of its page. */
void *armv7_phys(uint64_t pa);
/* A pointer for kernel address va as the CPU translates it now (in a kernel: va). */
void *armv7_kernel_pointer(uint32_t va);

/* TTBR1 (the kernel's table), TTBCR.N = 1, domain 0 client: done once by mmu_init. */
void armv7_set_kernel_table(uint32_t ttbr1);
/* TTBR0 and CONTEXTIDR.ASID together (ARM ARM B3.10.4). */
void armv7_switch_user_table(uint32_t ttbr0, unsigned asid);
void armv7_tlbi_va_asid(uint32_t va, unsigned asid); /* TLBIMVA */
void armv7_tlbi_va_all_asids(uint32_t va);           /* TLBIMVAA: global entries too */
void armv7_tlbi_asid(unsigned asid);                 /* TLBIASID */
void armv7_tlbi_all(void);                           /* TLBIALL */

#endif
