/* SPDX-License-Identifier: BSD-2-Clause */
/* long sys_call(number, a, b, c, d): int 0x80 with rax = number, rdi, rsi, rdx, r10 = a, b, c, d;
 * the result comes back in rax (arch/x86_64/user.c). */
	.text
	.globl sys_call
sys_call:
	movq %rdi, %rax
	movq %rsi, %rdi
	movq %rdx, %rsi
	movq %rcx, %rdx
	movq %r8, %r10
	int $0x80
	ret
