/*
 * ARMv7 entry: QEMU starts the ELF at _start in SVC mode with the MMU and caches off.
 * Mask interrupts, make sure we are in SVC mode (ARM ARM B1.3.1), set the stack, clear
 * .bss, select VBAR-based vectors and point VBAR at ours (ARM ARM B4.1.130 SCTLR.V,
 * B4.1.156 VBAR), and call C with r0-r2 as given.
 */
#define MODE_SVC 0x13
#define SCTLR_V (1 << 13)

	.section .text.boot, "ax"
	.arm
	.globl _start
_start:
	cpsid aif, #MODE_SVC
	ldr sp, =boot_stack_top
	mov r4, r0
	mov r5, r1
	mov r6, r2
	ldr r0, =_bss_start
	ldr r1, =_bss_end
	mov r2, #0
1:	cmp r0, r1
	strlo r2, [r0], #4
	blo 1b
	mrc p15, 0, r0, c1, c0, 0       /* SCTLR.V = 0: vectors at VBAR, not 0xffff0000 */
	bic r0, r0, #SCTLR_V            /* (ARM ARM B4.1.130) */
	mcr p15, 0, r0, c1, c0, 0
	ldr r0, =exception_vectors
	mcr p15, 0, r0, c12, c0, 0      /* VBAR */
	isb
	mov r0, r4
	mov r1, r5
	mov r2, r6
	bl armv7_boot_main
2:	wfi
	b 2b

	.bss
	.balign 8
boot_stack:
	.skip 16384
boot_stack_top:
