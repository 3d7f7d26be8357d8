/* SPDX-License-Identifier: BSD-2-Clause */
/* i386 exception frame, as arch/i386/vectors.S builds it (pushal, then vector, error code). */
#ifndef MMUKIT_ARCH_I386_TRAP_H
#define MMUKIT_ARCH_I386_TRAP_H

#include <stdint.h>

struct i386_trap_frame {
	uint32_t edi, esi, ebp, esp_at_pushal, ebx, edx, ecx, eax; /* pushal */
	uint32_t vector;
	uint32_t error_code;
	uint32_t eip, cs, eflags; /* pushed by the CPU */
};

struct mmk_mmu_space;

void i386_idt_init(void);
/* The space the CPU translates with now, or NULL before the VM is up (platform.c). */
struct mmk_mmu_space *i386_active_space(void);
void i386_trap(struct i386_trap_frame *frame);

#endif
