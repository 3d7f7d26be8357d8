/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * x86_64 kernel-thread switch and user-memory copy (kernel/platform.h).
 *
 * arch_switch(save, to): pushes the registers a call preserves (System V AMD64 ABI 3.2.1:
 * rbx, rbp, r12-r15), stores rsp in *save, loads rsp = to and pops the same from there.
 *
 * x86_64_user_copy(dst, src, n): rep movsb with RFLAGS.AC set while SMAP is on (stac/clac,
 * SDM Vol 3A 4.6.1), so the kernel touches user pages only here. A fault the VM cannot
 * resolve at x86_64_user_copy_ip resumes at x86_64_user_copy_fixup (arch/x86_64/trap.c),
 * which returns -MMK_EFAULT (11).
 */
	.text
	.globl arch_switch
arch_switch:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret

	.globl x86_64_user_copy, x86_64_user_copy_ip, x86_64_user_copy_fixup
x86_64_user_copy:
	movq %rdx, %rcx
	cmpb $0, x86_64_smap_on(%rip)
	je 1f
	stac
1:
x86_64_user_copy_ip:
	rep movsb
	xorl %eax, %eax
2:	cmpb $0, x86_64_smap_on(%rip)
	je 3f
	clac
3:	ret
x86_64_user_copy_fixup:
	movl $-11, %eax
	jmp 2b
