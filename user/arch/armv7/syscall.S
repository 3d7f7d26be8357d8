/* SPDX-License-Identifier: BSD-2-Clause */
/* long sys_call(number, a, b, c, d): svc #0 with r7 = number, r0-r3 = a, b, c, d; the result
 * comes back in r0 (arch/armv7/user.c). */
	.text
	.arm
	.globl sys_call
sys_call:
	push {r7, lr}
	mov r7, r0
	mov r0, r1
	mov r1, r2
	mov r2, r3
	ldr r3, [sp, #8] /* d: the fifth argument, on the caller's stack (AAPCS) */
	svc #0
	pop {r7, pc}
