/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * i386 exception entry: one stub per CPU exception vector 0-31. The CPU pushes an
 * error code for vectors 8, 10-14, 17, 21, 29 and 30 (SDM Vol 3A 6.13, table 6-1);
 * the others push a 0 so every frame has the same shape. Vectors 32-47 are the 8259's
 * IRQs and 0x80 the system call (arch/i386/user.c). The data segments are saved in the
 * frame and the kernel's loaded, since a trap from ring 3 arrives with the user's;
 * i386_trap_return restores a frame and returns: the tail of every trap, and where a
 * new process's kernel thread starts (arch_thread_init).
 */
.macro trap_stub vector
	.globl trap_stub_\vector
trap_stub_\vector:
	.if (\vector == 8) || (\vector >= 10 && \vector <= 14) || (\vector == 17) || (\vector == 21) || (\vector == 29) || (\vector == 30)
	.else
	pushl $0
	.endif
	pushl $\vector
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
	pushal
	pushl %ds
	pushl %es
	movl $0x10, %eax
	movw %ax, %ds
	movw %ax, %es
	cld
	pushl %esp          /* struct i386_trap_frame * */
	call i386_trap
	addl $4, %esp
	.globl i386_trap_return
i386_trap_return:
	popl %es
	popl %ds
	popal
	addl $8, %esp       /* vector and error code */
	iret

	.section .rodata
	.balign 4
	.globl trap_stubs
trap_stubs:
.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.long trap_stub_\v
.endr
	.globl irq_stubs, syscall_stub
irq_stubs:
.irp v, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
	.long trap_stub_\v
.endr
syscall_stub:
	.long trap_stub_128
