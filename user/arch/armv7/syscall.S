/* SPDX-License-Identifier: BSD-2-Clause */
/* long sys_call(number, a, b, c): svc #0 with r7 = number, r0-r2 = a, b, c; the result
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
	svc #0
	pop {r7, pc}
