/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ARMv7 system control (CP15) register bits the kernel sets, shared by the entry code
 * (assembly: no C here) and arch/armv7/cpu.c. ARM ARM (ARM DDI 0406C) sections given.
 */
#ifndef MMUKIT_ARCH_ARMV7_CP15_H
#define MMUKIT_ARCH_ARMV7_CP15_H

/* SCTLR, B4.1.130. */
#define SCTLR_M (1 << 0)    /* MMU on */
#define SCTLR_A (1 << 1)    /* alignment checking */
#define SCTLR_C (1 << 2)    /* data and unified caches */
#define SCTLR_Z (1 << 11)   /* branch prediction */
#define SCTLR_I (1 << 12)   /* instruction cache */
#define SCTLR_V (1 << 13)   /* high vectors at 0xFFFF0000 */
#define SCTLR_TRE (1 << 28) /* TEX remap: off, TEX/C/B are the memory type itself */
#define SCTLR_AFE (1 << 29) /* access flag: off, AP[0] is a permission bit */

/* TTBR0/TTBR1 walk attributes (B4.1.154): inner and outer write-back write-allocate
 * (IRGN = 0b01: IRGN[0] is bit 6; RGN = 0b01, bits 4:3), so walks read through the
 * data cache and table writes need no cache cleaning (B3.10.1). */
#define TTBR_WALK_WBWA ((1 << 6) | (1 << 3))

/* TTBCR.N (B4.1.153): N = 1, TTBR0 translates 0-2 GiB and TTBR1 the rest. */
#define TTBCR_N_2GIB 1

/* DACR (B4.1.43): domain 0 client (permissions checked), every other domain no access. */
#define DACR_D0_CLIENT 1

/* Processor modes (CPSR.M, B1.3.1). */
#define MODE_USR 0x10
#define MODE_SVC 0x13
#define MODE_MASK 0x1F

#endif
