/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * x86_64 exception entry: one stub per CPU exception vector 0-31. The CPU pushes an
 * error code for vectors 8, 10-14, 17, 21, 29 and 30 (SDM Vol 3A 6.13); the others
 * push a 0 so every frame has the same shape (struct x86_64_trap_frame).
 */
.macro trap_stub vector
trap_stub_\vector:
	.if (\vector == 8) || (\vector >= 10 && \vector <= 14) || (\vector == 17) || (\vector == 21) || (\vector == 29) || (\vector == 30)
	.else
	pushq $0
	.endif
	pushq $\vector
	jmp trap_common
.endm

	.text
.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	trap_stub \v
.endr
.irp v, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,128
	trap_stub \v
.endr

trap_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	cld
	movq %rsp, %rdi
	call x86_64_trap
	.globl x86_64_trap_return
x86_64_trap_return:
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp          /* vector and error code */
	iretq

	.section .rodata
	.balign 8
	.globl trap_stubs
trap_stubs:
.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad trap_stub_\v
.endr
	.globl irq_stubs, syscall_stub
irq_stubs:
.irp v, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
	.quad trap_stub_\v
.endr
syscall_stub:
	.quad trap_stub_128
