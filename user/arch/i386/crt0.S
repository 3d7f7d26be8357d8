/* SPDX-License-Identifier: BSD-2-Clause */
/* i386 program entry: main's result is the exit status. */
	.text
	.globl _start
_start:
	xorl %ebp, %ebp
	andl $-16, %esp
	call main
	pushl %eax
	call exit
1:	jmp 1b

/* One "return" instruction, for programs that put code into data (user/nx.c). */
	.section .rodata
	.globl ret_instruction, ret_instruction_size
ret_instruction:
	.byte 0xC3
ret_instruction_size:
	.long 1
