/* SPDX-License-Identifier: BSD-2-Clause */
/* riscv64 program entry: main's result is the exit status. */
	.text
	.globl _start
_start:
	mv s0, zero
	call main
	call exit
1:	j 1b

/* One "return" instruction (jalr x0, 0(ra)), for programs that put code into data. */
	.section .rodata
	.globl ret_instruction, ret_instruction_size
ret_instruction:
	.word 0x00008067
ret_instruction_size:
	.word 4
