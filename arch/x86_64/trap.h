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

void x86_64_idt_init(void);
void x86_64_trap(struct x86_64_trap_frame *frame);

#endif
