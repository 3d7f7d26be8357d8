/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ARMv7 kernel-thread switch and user-memory copy (kernel/platform.h).
 *
 * arch_switch(save, to): pushes r4-r11 and lr (what a call preserves, AAPCS 5.1.1),
 * stores sp in *save, loads sp = to and pops the same from there.
 *
 * armv7_user_copy(dst, src, n): a byte loop. A fault the VM cannot resolve inside
 * [armv7_user_copy_start, armv7_user_copy_end) resumes at armv7_user_copy_fixup
 * (arch/armv7/trap.c), which returns -MMK_EFAULT (11).
 */
	.text
	.arm
	.globl arch_switch
arch_switch:
	push {r4-r11, lr}
	sub sp, sp, #4                  /* 40 bytes: 8-byte aligned */
	str sp, [r0]
	mov sp, r1
	add sp, sp, #4
	pop {r4-r11, lr}
	bx lr

	.globl armv7_user_copy, armv7_user_copy_start, armv7_user_copy_end
	.globl armv7_user_copy_fixup
armv7_user_copy:
armv7_user_copy_start:
1:	cmp r2, #0
	beq 2f
	ldrb r3, [r1], #1
	strb r3, [r0], #1
	sub r2, r2, #1
	b 1b
armv7_user_copy_end:
2:	mov r0, #0
	bx lr
armv7_user_copy_fixup:
	mvn r0, #10                     /* -11 */
	bx lr
