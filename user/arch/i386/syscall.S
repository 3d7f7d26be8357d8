/* SPDX-License-Identifier: BSD-2-Clause */
/* long sys_call(number, a, b, c): int 0x80 with eax = number, ebx, ecx, edx = a, b, c;
 * the result comes back in eax (arch/i386/user.c). */
	.text
	.globl sys_call
sys_call:
	pushl %ebx
	movl 8(%esp), %eax
	movl 12(%esp), %ebx
	movl 16(%esp), %ecx
	movl 20(%esp), %edx
	int $0x80
	popl %ebx
	ret
