/* SPDX-License-Identifier: BSD-2-Clause */
/* long sys_call(number, a, b, c, d): ecall with a7 = number, a0-a3 = a, b, c, d; the result
 * comes back in a0 (arch/riscv64/user.c). */
	.text
	.globl sys_call
sys_call:
	mv a7, a0
	mv a0, a1
	mv a1, a2
	mv a2, a3
	mv a3, a4
	ecall
	ret
