/* SPDX-License-Identifier: BSD-2-Clause */
/* i386 trap frame, as arch/i386/vectors.S builds it (pushal, data segments, vector,
 * error code); esp and ss are pushed by the CPU only for a trap from ring 3. */
#ifndef MMUKIT_ARCH_I386_TRAP_H
#define MMUKIT_ARCH_I386_TRAP_H

#include <stdint.h>

struct i386_trap_frame {
	uint32_t es, ds;
	uint32_t edi, esi, ebp, esp_at_pushal, ebx, edx, ecx, eax; /* pushal */
	uint32_t vector;
	uint32_t error_code;
	uint32_t eip, cs, eflags; /* pushed by the CPU */
	uint32_t esp, ss;         /* and these from ring 3 */
};

struct mmk_mmu_space;

#define VECTOR_IRQ0 32      /* the 8259's IRQ 0-15 at 32-47 (arch/x86/timer.c) */
#define VECTOR_SYSCALL 0x80 /* int 0x80, DPL 3 */

void i386_idt_init(void);
/* Gate vector -> handler, callable from ring dpl. */
void i386_idt_set(unsigned vector, uint32_t handler, unsigned dpl);
/* IRQ irq (0-15) arrived (arch/i386/user.c). */
void i386_irq(unsigned irq);
/* The space the CPU translates with now, or NULL before the VM is up (platform.c). */
struct mmk_mmu_space *i386_active_space(void);
void i386_trap(struct i386_trap_frame *frame);

#endif
