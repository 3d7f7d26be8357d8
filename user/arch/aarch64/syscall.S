/* SPDX-License-Identifier: BSD-2-Clause */
/* long sys_call(number, a, b, c, d): svc #0 with x8 = number, x0-x3 = a, b, c, d; the result
 * comes back in x0 (arch/aarch64/user.c). */
	.text
	.globl sys_call
sys_call:
	mov x8, x0
	mov x0, x1
	mov x1, x2
	mov x2, x3
	mov x3, x4
	svc #0
	ret
