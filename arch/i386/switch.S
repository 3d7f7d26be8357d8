/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * i386 kernel-thread switch and user-memory copy (kernel/platform.h).
 *
 * arch_switch(save, to): pushes the registers a cdecl call preserves (System V i386 ABI:
 * ebx, esi, edi, ebp), stores esp in *save, loads esp = to and pops the same from there.
 *
 * i386_user_copy(dst, src, n): rep movsb. A fault the VM cannot resolve at
 * i386_user_copy_ip resumes at i386_user_copy_fixup (arch/i386/trap.c), which returns
 * -MMK_EFAULT (11). (No SMAP on this machine's path: the kernel may touch user pages.)
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

	.globl i386_user_copy, i386_user_copy_ip, i386_user_copy_fixup
i386_user_copy:
	pushl %esi
	pushl %edi
	movl 12(%esp), %edi
	movl 16(%esp), %esi
	movl 20(%esp), %ecx
i386_user_copy_ip:
	rep movsb
	xorl %eax, %eax
1:	popl %edi
	popl %esi
	ret
i386_user_copy_fixup:
	movl $-11, %eax
	jmp 1b
