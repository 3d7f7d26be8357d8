/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The ARMv7 MMU backend's access to the machine: CP15 operations in the kernel, a
 * simulated CPU in the host tests (hosted/armv7/sim.c). Tables are reached through the
 * linear map of RAM at 0x80000000.
 */
#ifndef MMUKIT_ARCH_ARMV7_CPU_H
#define MMUKIT_ARCH_ARMV7_CPU_H

#include <stdbool.h>
#include <stdint.h>

/* A pointer to physical address pa (inside the linear map). The map shows RAM in order,
 * so the pointer reaches the following frames too (a 16 KiB root table). */
void *armv7_phys(uint64_t pa);
/* What turns a physical address of RAM into its linear-map address (pa + base, modulo
 * 2^32), for the engine's fast table access; 0 on the host, whose simulator checks
 * every physical access through armv7_phys instead. */
uintptr_t armv7_direct_base(void);
/* A pointer for kernel address va as the CPU translates it now (in a kernel: va). */
void *armv7_kernel_pointer(uint32_t va);

/*
 * TTBR1 (the kernel's table), then TTBCR.N = 1, domain 0 client: done once by mmk_mmu_init
 * while the boot's table is still in TTBR0 (it flushes the TLB after switching TTBR0).
 */
void armv7_set_kernel_table(uint32_t ttbr1);
/* TTBR0 and CONTEXTIDR.ASID together, through the reserved ASID 0 (ARM ARM B3.10.4). */
void armv7_switch_user_table(uint32_t ttbr0, unsigned asid);
/*
 * Every TLB operation below first waits for earlier table writes (DSB) and ends with
 * the branch predictor invalidated, DSB and ISB (ARM ARM B3.10.1, B2.2.7), so the next
 * instruction sees the new tables.
 */
void armv7_tlbi_va_asid(uint32_t va, unsigned asid); /* TLBIMVA */
void armv7_tlbi_va_all_asids(uint32_t va);           /* TLBIMVAA: global entries too */
void armv7_tlbi_asid(unsigned asid);                 /* TLBIASID */
void armv7_tlbi_all(void);                           /* TLBIALL */
/*
 * New entries where there were none need no TLB operation, but must reach the table
 * walker before the next access: DSB, then ISB (ARM ARM B3.10.1). mmk_mmu_map ends with it.
 */
void armv7_tables_written(void);

/*
 * What the kernel wrote into a frame reaches instruction fetches only once its data
 * cache lines are cleaned to the point of unification and the instruction cache and
 * branch predictor are invalidated (ARM ARM B2.2.7). armv7_sync_code cleans frame pa
 * (RAM outside the linear map is left alone); armv7_sync_code_done then invalidates
 * the instruction side, once for a batch. The backend does both before it makes frames
 * executable.
 */
void armv7_sync_code(uint64_t pa);
void armv7_sync_code_done(void);

/* Whether short descriptors have the PXN bit: ID_MMFR0.VMSA (bits 3:0) >= 4, "VMSAv7
 * with PXN" (ARM ARM B4.1.89; every LPAE CPU, the Cortex-A15 among them). */
bool armv7_has_pxn(void);

/* Fills one 4 KiB page with zeros / copies one page (pointers from armv7_phys). */
void armv7_zero_page(void *page);
void armv7_copy_page(void *dst, const void *src);

#endif
