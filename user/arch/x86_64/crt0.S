/* SPDX-License-Identifier: BSD-2-Clause */
/* x86_64 program entry: the kernel starts _start with rsp 16-byte aligned below the
 * stack's top; main's result is the exit status. */
	.text
	.globl _start
_start:
	xorl %ebp, %ebp
	call main
	movl %eax, %edi
	call exit
1:	jmp 1b

/* One "return" instruction, for programs that put code into data (user/nx.c). */
	.section .rodata
	.globl ret_instruction, ret_instruction_size
ret_instruction:
	.byte 0xC3
ret_instruction_size:
	.long 1
