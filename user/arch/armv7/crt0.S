/* SPDX-License-Identifier: BSD-2-Clause */
/* ARMv7 program entry: main's result is the exit status. */
	.text
	.arm
	.globl _start
_start:
	mov fp, #0
	bl main
	bl exit
1:	b 1b

/* One "return" instruction (bx lr), for programs that put code into data. */
	.section .rodata
	.globl ret_instruction, ret_instruction_size
	.balign 4
ret_instruction:
	.word 0xe12fff1e
ret_instruction_size:
	.word 4
