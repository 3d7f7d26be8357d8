/* SPDX-License-Identifier: BSD-2-Clause */
/* long sys_call(number, a, b, c): int 0x80 with rax = number, rdi, rsi, rdx = a, b, c;
 * the result comes back in rax (arch/x86_64/user.c). */
	.text
	.globl sys_call
sys_call:
	movq %rdi, %rax
	movq %rsi, %rdi
	movq %rdx, %rsi
	movq %rcx, %rdx
	int $0x80
	ret
