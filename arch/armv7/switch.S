/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ARMv7 kernel-thread switch (kernel/platform.h).
 *
 * arch_switch(save, to): pushes r4-r11 and lr (what a call preserves, AAPCS 5.1.1),
 * stores sp in *save, loads sp = to and pops the same from there.
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
