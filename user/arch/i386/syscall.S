/* SPDX-License-Identifier: BSD-2-Clause */
/* long sys_call(number, a, b, c, d): int 0x80 with eax = number, ebx, ecx, edx, esi = a, b, c, d;
 * the result comes back in eax (arch/i386/user.c). */
	.text
	.globl sys_call
sys_call:
	pushl %ebx
	pushl %esi
	movl 12(%esp), %eax
	movl 16(%esp), %ebx
	movl 20(%esp), %ecx
	movl 24(%esp), %edx
	movl 28(%esp), %esi
	int $0x80
	popl %esi
	popl %ebx
	ret
