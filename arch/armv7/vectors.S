/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ARMv7 exception vectors (ARM ARM B1.8.1, table B1-3) on a page of their own: first at
 * VBAR (their address in the image), then at 0xFFFF0000 (SCTLR.V) once mmk_mmu_init has
 * mapped this page there too. So each entry loads its handler's absolute address from
 * a literal in the same page: a relative branch would not reach from 0xFFFF0000.
 *
 * Every handler saves the interrupted state on the SVC stack (the only banked stack
 * set up) as a struct armv7_trap_frame (trap.h) - r0-r12, lr_svc, the User mode sp and
 * lr (STM/LDM with ^, B9.3), the return address, the interrupted CPSR - and calls
 * armv7_trap(kind, frame) with an 8-byte aligned stack (AAPCS). When it returns (a page
 * fault resolved, or a probe's fixup), the frame, maybe edited, is restored and RFE
 * returns to frame->pc with frame->cpsr. A process in User mode leaves sp_svc at the
 * top of its kernel stack, where its next exception lands; armv7_trap_return is also
 * where a new process's kernel thread starts (arch_thread_init).
 */
#include "cp15.h"

	.section .vectors, "ax"
	.arm
	.globl exception_vectors
exception_vectors:
	ldr pc, =vector_reset
	ldr pc, =vector_undefined
	ldr pc, =vector_svc
	ldr pc, =vector_prefetch_abort
	ldr pc, =vector_data_abort
	ldr pc, =vector_reserved
	ldr pc, =vector_irq
	ldr pc, =vector_fiq
	.ltorg

	.text
	.arm

/* lr_<mode> - adjust is where the exception returns to (B1.8.3, table B1-7). */
.macro trap_entry kind, adjust
	sub lr, lr, #\adjust
	srsdb sp!, #MODE_SVC            /* return address and SPSR onto the SVC stack */
	cps #MODE_SVC
	sub sp, sp, #8
	stm sp, {sp, lr}^               /* User mode sp and lr */
	push {r0-r12, lr}
	mov r0, #\kind
	mov r1, sp
	mov r4, sp
	bic sp, sp, #7
	bl armv7_trap
	mov sp, r4
	b armv7_trap_return
.endm

	.globl armv7_trap_return
armv7_trap_return:
	pop {r0-r12, lr}
	ldm sp, {sp, lr}^
	nop                             /* no banked register access right after LDM ^ */
	add sp, sp, #8
	rfeia sp!

vector_reset:          trap_entry 0, 0
vector_undefined:      trap_entry 1, 4
vector_svc:            trap_entry 2, 0
vector_prefetch_abort: trap_entry 3, 4
vector_data_abort:     trap_entry 4, 8
vector_reserved:       trap_entry 5, 0
vector_irq:            trap_entry 6, 4
vector_fiq:            trap_entry 7, 4
