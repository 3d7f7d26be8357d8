/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The i386 MMU backend's access to the machine. In the kernel these are instructions
 * (arch/i386/cpu.c); in the host tests a simulated CPU with a TLB and simulated RAM
 * (hosted/i386/sim.c) implements them, so the same backend code runs on both.
 */
#ifndef MMUKIT_ARCH_I386_CPU_H
#define MMUKIT_ARCH_I386_CPU_H

#include <stdbool.h>
#include <stdint.h>

/* A pointer through which the CPU's current translation of va can be read/written. */
void *i386_window(uint32_t va);

uint32_t i386_read_cr3(void);
void i386_write_cr3(uint32_t pa);    /* flushes non-global TLB entries */
void i386_invlpg(uint32_t va);       /* SDM Vol 3A 4.10.4.1 */
void i386_flush_tlb_global(void);    /* every entry, global ones too (toggle CR4.PGE) */
bool i386_has_pse(void);             /* CPUID.1:EDX bit 3 */
bool i386_has_pge(void);             /* CPUID.1:EDX bit 13 */
void i386_enable_pge(void);          /* CR4.PGE */

#endif
