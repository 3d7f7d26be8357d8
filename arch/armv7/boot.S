/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ARMv7 entry. QEMU starts the ELF at _start (its physical address) in SVC mode with
 * the MMU and caches off. The stub, linked where it runs, builds an early first-level
 * table (ARM ARM B3.5.1, sections only):
 *
 *   the MiB it runs in        identity, to survive the instruction that turns on the MMU
 *   0x80000000-0xBFFFFFFF     the GiB of RAM holding the image (the linear map),
 *                             where the rest of the kernel is linked
 *   0xFFF00000                the PL011 UART (1 MiB device section): the console
 *
 * turns the MMU and caches on with it in TTBR0 (TTBCR.N = 0) and jumps to the kernel
 * half. There: stack, .bss, VBAR at the vector page, then armv7_boot_main(r0, r1, r2).
 * mmk_mmu_init later replaces this table (its identity entry included) by its own.
 */
#include "cp15.h"

#define SECTION_NORMAL 0x140E /* section, TEX 001 C B (normal write-back), AP 01 (PL1 RW): pte.h */
#define SECTION_DEVICE 0x0416 /* section, B (shareable device), XN, AP 01 */
#define SECTION_SHIFT 20
#define LINEAR_L1_INDEX 0x800 /* 0x80000000 >> 20 */
#define UART_PA 0x09000000
#define CONSOLE_L1_INDEX 0xFFF /* 0xFFF00000 >> 20: platform.h CONSOLE_VA */

	.section .text.boot, "ax"
	.arm
	.globl _start
_start:
	cpsid aif, #MODE_SVC
	mov r7, r0
	mov r8, r1
	mov r9, r2

	ldr r4, =early_l1               /* linked low: its physical address */
	mov r0, r4
	add r1, r4, #16384
	mov r2, #0
1:	str r2, [r0], #4
	cmp r0, r1
	blo 1b

	ldr r1, =SECTION_NORMAL
	adr r0, _start                  /* identity for the MiB we run in */
	lsr r0, r0, #SECTION_SHIFT
	orr r2, r1, r0, lsl #SECTION_SHIFT
	str r2, [r4, r0, lsl #2]

	adr r0, _start                  /* the image's GiB of RAM at 0x80000000 */
	lsr r0, r0, #30
	orr r0, r1, r0, lsl #30
	add r3, r4, #(LINEAR_L1_INDEX * 4)
	mov r5, #1024
2:	str r0, [r3], #4
	add r0, r0, #(1 << SECTION_SHIFT)
	subs r5, r5, #1
	bne 2b

	ldr r0, =(UART_PA | SECTION_DEVICE)
	ldr r3, =CONSOLE_L1_INDEX
	str r0, [r4, r3, lsl #2]

	/* Caches and TLBs hold nothing we want (B2.2.2, B3.10); then the table, the
	 * domain, and SCTLR (B4.1.130): MMU, caches, branch prediction on; alignment
	 * checking, TEX remap, access flag and high vectors off. */
	mov r0, #0
	mcr p15, 0, r0, c8, c7, 0       /* TLBIALL */
	mcr p15, 0, r0, c7, c5, 0       /* ICIALLU */
	mcr p15, 0, r0, c7, c5, 6       /* BPIALL */
	mcr p15, 0, r0, c2, c0, 2       /* TTBCR = 0: TTBR0 translates everything for now */
	mcr p15, 0, r0, c13, c0, 1      /* CONTEXTIDR: ASID 0 */
	orr r0, r4, #TTBR_WALK_WBWA
	mcr p15, 0, r0, c2, c0, 0       /* TTBR0 */
	mov r0, #DACR_D0_CLIENT
	mcr p15, 0, r0, c3, c0, 0       /* DACR */
	dsb
	isb
	mrc p15, 0, r0, c1, c0, 0
	ldr r1, =(SCTLR_A | SCTLR_V | SCTLR_TRE | SCTLR_AFE)
	bic r0, r0, r1
	ldr r1, =(SCTLR_M | SCTLR_C | SCTLR_Z | SCTLR_I)
	orr r0, r0, r1
	mcr p15, 0, r0, c1, c0, 0
	isb
	ldr pc, =start_high
	.ltorg

	.section .boot.bss, "aw", %nobits
	.balign 16384
early_l1:
	.skip 16384

	.text
	.arm
start_high:
	ldr sp, =boot_stack_top
	ldr r0, =_bss_start
	ldr r1, =_bss_end
	mov r2, #0
3:	cmp r0, r1
	strlo r2, [r0], #4
	blo 3b
	ldr r0, =_vectors_start
	mcr p15, 0, r0, c12, c0, 0      /* VBAR (B4.1.156), until the high vectors are mapped */
	isb
	mov r0, r7
	mov r1, r8
	mov r2, r9
	bl armv7_boot_main
4:	wfi
	b 4b

	.bss
	.balign 8
	.globl boot_stack, boot_stack_top
boot_stack:
	.skip 16384
boot_stack_top:
