/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * i386 kernel-thread switch (kernel/platform.h).
 *
 * arch_switch(save, to): pushes the registers a cdecl call preserves (System V i386 ABI:
 * ebx, esi, edi, ebp), stores esp in *save, loads esp = to and pops the same from there.
 */
	.text
	.globl arch_switch
arch_switch:
	movl 4(%esp), %eax
	movl 8(%esp), %edx
	pushl %ebp
	pushl %ebx
	pushl %esi
	pushl %edi
	movl %esp, (%eax)
	movl %edx, %esp
	popl %edi
	popl %esi
	popl %ebx
	popl %ebp
	ret
