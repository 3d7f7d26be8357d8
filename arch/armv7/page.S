/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Whole-page zero and copy for arch/armv7/cpu.h, 32 bytes per instruction with
 * STM/LDM of eight registers (ARM ARM A8.8.199 STM, A8.8.58 LDM): a C loop of word
 * stores costs about four times the instructions (under QEMU TCG the count
 * of guest instructions is the cost).
 *
 *   void armv7_zero_page(void *page)
 *   void armv7_copy_page(void *dst, const void *src)
 */
#define PAGE_SIZE 4096

	.text
	.arm
	.globl armv7_zero_page, armv7_copy_page
armv7_zero_page:
	push {r4-r9}
	mov r2, #0
	mov r3, #0
	mov r4, #0
	mov r5, #0
	mov r6, #0
	mov r7, #0
	mov r8, #0
	mov r9, #0
	add r1, r0, #PAGE_SIZE
1:	stmia r0!, {r2-r9}
	stmia r0!, {r2-r9}
	cmp r0, r1
	blo 1b
	pop {r4-r9}
	bx lr

armv7_copy_page:
	push {r4-r10}
	add r10, r0, #PAGE_SIZE
1:	ldmia r1!, {r2-r9}
	stmia r0!, {r2-r9}
	ldmia r1!, {r2-r9}
	stmia r0!, {r2-r9}
	cmp r0, r10
	blo 1b
	pop {r4-r10}
	bx lr
