/* SPDX-License-Identifier: BSD-2-Clause */
/* x86_64 exception frame, as arch/x86_64/vectors.S builds it. */
#ifndef MMUKIT_ARCH_X86_64_TRAP_H
#define MMUKIT_ARCH_X86_64_TRAP_H

#include <stdint.h>

struct x86_64_trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector;
	uint64_t error_code;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

#define VECTOR_IRQ0 32      /* the 8259's IRQ 0-15 at 32-47 (arch/x86_64/user.c) */
#define VECTOR_SYSCALL 0x80 /* int 0x80, DPL 3 */

void x86_64_idt_init(void);
/* Gate vector -> handler, callable from ring dpl, on interrupt stack ist (0: none). */
void x86_64_idt_set(unsigned vector, uint64_t handler, unsigned dpl, unsigned ist);
/* IRQ irq (0-15) arrived (arch/x86_64/user.c). */
void x86_64_irq(unsigned irq);
void x86_64_trap(struct x86_64_trap_frame *frame);

#endif
