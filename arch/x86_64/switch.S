/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * x86_64 kernel-thread switch (kernel/platform.h).
 *
 * arch_switch(save, to): pushes the registers a call preserves (System V AMD64 ABI 3.2.1:
 * rbx, rbp, r12-r15), stores rsp in *save, loads rsp = to and pops the same from there.
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
