/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The ARMv7 example kernel's entry (QEMU virt, cortex-a15). QEMU jumps to _start at its
 * physical address, SVC mode, MMU off. The stub fills a first-level table of sections
 * (ARM ARM B3.5.1): the MiB it runs in (identity), the GiB of RAM at 0x80000000 where
 * the kernel is linked, the PL011 UART at 0xFFF00000; turns the MMU and caches on and
 * jumps to the kernel half: stack, VBAR, example_main. Plus the vector table, where a
 * data abort goes to C (example_data_abort) and returns to retry the access.
 */
#define SECTION_NORMAL 0x140E /* section, TEX 001 C B (write-back), AP 01 (PL1 RW) */
#define SECTION_DEVICE 0x0416 /* section, B (shareable device), XN, AP 01 */
#define UART_PA 0x09000000
#define TTBR_WALK_WBWA ((1 << 6) | (1 << 3)) /* IRGN 01, RGN 01: walks write-back (B4.1.154) */
#define SCTLR_ON ((1 << 0) | (1 << 2) | (1 << 11) | (1 << 12))  /* M, C, Z, I */
#define SCTLR_OFF ((1 << 1) | (1 << 13) | (1 << 28) | (1 << 29)) /* A, V, TRE, AFE */

	.section .text.boot, "ax"
	.arm
	.globl _start
_start:
	cpsid aif, #0x13                /* SVC mode */
	ldr r4, =early_l1
	mov r0, r4
	add r1, r4, #16384
	mov r2, #0
1:	str r2, [r0], #4
	cmp r0, r1
	blo 1b
	ldr r1, =SECTION_NORMAL
	adr r0, _start                  /* identity for this MiB */
	lsr r0, r0, #20
	orr r2, r1, r0, lsl #20
	str r2, [r4, r0, lsl #2]
	adr r0, _start                  /* the GiB of RAM holding the image at 0x80000000 */
	lsr r0, r0, #30
	orr r0, r1, r0, lsl #30
	add r3, r4, #(0x800 * 4)
	mov r5, #1024
2:	str r0, [r3], #4
	add r0, r0, #(1 << 20)
	subs r5, r5, #1
	bne 2b
	ldr r0, =(UART_PA | SECTION_DEVICE)
	ldr r3, =0xFFF
	str r0, [r4, r3, lsl #2]
	mov r0, #0
	mcr p15, 0, r0, c8, c7, 0       /* TLBIALL */
	mcr p15, 0, r0, c7, c5, 0       /* ICIALLU */
	mcr p15, 0, r0, c2, c0, 2       /* TTBCR = 0 (mmk_mmu_init sets N = 1) */
	mcr p15, 0, r0, c13, c0, 1      /* CONTEXTIDR: ASID 0 */
	orr r0, r4, #TTBR_WALK_WBWA
	mcr p15, 0, r0, c2, c0, 0       /* TTBR0 */
	mov r0, #1
	mcr p15, 0, r0, c3, c0, 0       /* DACR: domain 0 client */
	dsb
	isb
	mrc p15, 0, r0, c1, c0, 0
	ldr r1, =SCTLR_OFF
	bic r0, r0, r1
	ldr r1, =SCTLR_ON
	orr r0, r0, r1
	mcr p15, 0, r0, c1, c0, 0       /* SCTLR (B4.1.130) */
	isb
	ldr pc, =high
	.ltorg

	.section .boot.bss, "aw", %nobits
	.balign 16384
early_l1:
	.skip 16384

	.text
	.arm
high:
	ldr r0, =bss_start             /* .bss is not loaded: clear it */
	ldr r1, =bss_end
	mov r2, #0
4:	cmp r0, r1
	strlo r2, [r0], #4
	blo 4b
	ldr sp, =stack_top
	ldr r0, =vectors
	mcr p15, 0, r0, c12, c0, 0      /* VBAR (B4.1.156) */
	isb
	bl example_main
3:	wfi
	b 3b

/* Vector table (B1.8.1): only the data abort is handled; anything else stops. */
	.balign 32
vectors:
	b hang                          /* reset */
	b hang                          /* undefined instruction */
	b hang                          /* supervisor call */
	b hang                          /* prefetch abort */
	b data_abort
	b hang
	b hang                          /* IRQ */
	b hang                          /* FIQ */
hang:
	mov r0, #1
	bl example_exit

/* Abort mode: its own stack; r0-r3, r12 and lr saved around the C call, then the
 * faulting instruction (lr - 8) runs again. */
data_abort:
	ldr sp, =abort_stack_top
	push {r0-r3, r12, lr}
	sub r0, lr, #8
	bl example_data_abort
	pop {r0-r3, r12, lr}
	subs pc, lr, #8

	.bss
	.balign 8
	.skip 16384
stack_top:
	.skip 16384
abort_stack_top:
