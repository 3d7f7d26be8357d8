/* SPDX-License-Identifier: BSD-2-Clause */
/* AArch64 program entry: main's result is the exit status. */
	.text
	.globl _start
_start:
	mov x29, #0
	bl main
	bl exit
1:	b 1b

/* One "return" instruction (ret), for programs that put code into data. */
	.section .rodata
	.globl ret_instruction, ret_instruction_size
	.balign 4
ret_instruction:
	.word 0xd65f03c0
ret_instruction_size:
	.word 4
