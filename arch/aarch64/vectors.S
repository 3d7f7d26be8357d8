/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * AArch64 exception vectors (VBAR_EL1, 2 KiB aligned, 16 entries of 128 bytes: ARM ARM
 * D1, "Exception vectors"). Every entry saves x0-x30, the old SP, ELR_EL1, SPSR_EL1,
 * ESR_EL1 and FAR_EL1 on the EL1 stack as a struct aarch64_trap_frame (trap.h) and calls
 * aarch64_trap(kind, frame), kind the entry's index. When it returns (a page fault
 * resolved, or a probe's fixup), the frame, maybe edited, is restored and eret returns
 * to frame->elr with frame->spsr. From EL0 (entries 8-15) the frame's sp is SP_EL0, put
 * back before an eret to EL0; SP_EL1 then is the top of the process's kernel stack, where
 * its next exception lands. aarch64_trap_return is also where a new process's kernel
 * thread starts (arch_thread_init).
 */
#define FRAME_SIZE 288

.macro vector kind
	.balign 128
	sub sp, sp, #FRAME_SIZE
	stp x0, x1, [sp, #0]
	mov x0, #\kind
	b trap_common
.endm

	.section .vectors, "ax"
	.balign 2048
	.globl aarch64_vectors
aarch64_vectors:
	vector 0
	vector 1
	vector 2
	vector 3
	vector 4
	vector 5
	vector 6
	vector 7
	vector 8
	vector 9
	vector 10
	vector 11
	vector 12
	vector 13
	vector 14
	vector 15

	.text
trap_common:
	stp x2, x3, [sp, #16]
	stp x4, x5, [sp, #32]
	stp x6, x7, [sp, #48]
	stp x8, x9, [sp, #64]
	stp x10, x11, [sp, #80]
	stp x12, x13, [sp, #96]
	stp x14, x15, [sp, #112]
	stp x16, x17, [sp, #128]
	stp x18, x19, [sp, #144]
	stp x20, x21, [sp, #160]
	stp x22, x23, [sp, #176]
	stp x24, x25, [sp, #192]
	stp x26, x27, [sp, #208]
	stp x28, x29, [sp, #224]
	add x1, sp, #FRAME_SIZE
	cmp x0, #8
	b.lo 1f
	mrs x1, sp_el0                  /* from EL0: its stack pointer */
1:	stp x30, x1, [sp, #240]
	mrs x1, elr_el1
	mrs x2, spsr_el1
	stp x1, x2, [sp, #256]
	mrs x1, esr_el1
	mrs x2, far_el1
	stp x1, x2, [sp, #272]
	mov x1, sp
	bl aarch64_trap
	.globl aarch64_trap_return
aarch64_trap_return:
	ldp x1, x2, [sp, #256]
	msr elr_el1, x1
	msr spsr_el1, x2
	tst x2, #0xF                    /* SPSR.M[3:0] = 0: back to EL0t */
	b.ne 2f
	ldr x1, [sp, #248]
	msr sp_el0, x1
2:
	ldp x2, x3, [sp, #16]
	ldp x4, x5, [sp, #32]
	ldp x6, x7, [sp, #48]
	ldp x8, x9, [sp, #64]
	ldp x10, x11, [sp, #80]
	ldp x12, x13, [sp, #96]
	ldp x14, x15, [sp, #112]
	ldp x16, x17, [sp, #128]
	ldp x18, x19, [sp, #144]
	ldp x20, x21, [sp, #160]
	ldp x22, x23, [sp, #176]
	ldp x24, x25, [sp, #192]
	ldp x26, x27, [sp, #208]
	ldp x28, x29, [sp, #224]
	ldr x30, [sp, #240]
	ldp x0, x1, [sp, #0]
	add sp, sp, #FRAME_SIZE
	eret
