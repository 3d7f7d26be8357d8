/* SPDX-License-Identifier: BSD-2-Clause */
/* The ARMv7 trap frame, as arch/armv7/vectors.S pushes it on the SVC stack. */
#ifndef MMUKIT_ARCH_ARMV7_TRAP_H
#define MMUKIT_ARCH_ARMV7_TRAP_H

#include <stdbool.h>
#include <stdint.h>

struct armv7_trap_frame {
	uint32_t r[13]; /* r0-r12 */
	uint32_t lr;    /* lr_svc: the interrupted code's, when it ran in SVC mode */
	uint32_t usr_sp, usr_lr; /* User mode's banked sp and lr */
	uint32_t pc;    /* where the exception returns to (the faulting instruction for aborts) */
	uint32_t cpsr;  /* the interrupted CPSR (the exception mode's SPSR) */
};

/* Exception kinds: the vector's index (ARM ARM B1.8.1, table B1-3). */
enum armv7_exception {
	ARMV7_RESET,
	ARMV7_UNDEFINED,
	ARMV7_SVC,
	ARMV7_PREFETCH_ABORT,
	ARMV7_DATA_ABORT,
	ARMV7_RESERVED,
	ARMV7_IRQ,
	ARMV7_FIQ,
};

void armv7_trap(uint32_t kind, struct armv7_trap_frame *f);
/* Restores a frame and returns from the exception (arch/armv7/vectors.S). */
extern char armv7_trap_return[];
/* An IRQ (arch/armv7/user.c). */
void armv7_irq(void);

/* SCTLR.V: exceptions through the vector page mapped at 0xFFFF0000 (cpu.c). */
void armv7_enable_high_vectors(void);
bool armv7_high_vectors(void);

#define ARMV7_HIGH_VECTORS 0xFFFF0000u

#endif
