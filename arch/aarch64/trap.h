/* SPDX-License-Identifier: BSD-2-Clause */
/* The AArch64 trap frame, as arch/aarch64/vectors.S saves it on the EL1 stack. */
#ifndef MMUKIT_ARCH_AARCH64_TRAP_H
#define MMUKIT_ARCH_AARCH64_TRAP_H

#include <stdint.h>

struct aarch64_trap_frame {
	uint64_t x[31]; /* x0-x30 */
	uint64_t sp;    /* SP_EL1 before the exception (from EL0: SP_EL0) */
	uint64_t elr;   /* ELR_EL1: where eret returns (the faulting instruction for aborts) */
	uint64_t spsr;  /* SPSR_EL1: the interrupted PSTATE */
	uint64_t esr;   /* ESR_EL1: the syndrome (ARM ARM D13.2) */
	uint64_t far;   /* FAR_EL1: the faulting address (aborts) */
};

/* Vector offsets / 0x80 (ARM ARM D1, "Exception vectors"): source (current EL with
 * SP_EL0, current EL with SP_ELx, lower EL AArch64, lower EL AArch32) * 4 + type (sync,
 * IRQ, FIQ, SError). */
enum aarch64_vector {
	AARCH64_CUR_SP0_SYNC = 0,
	AARCH64_CUR_SPX_SYNC = 4,
	AARCH64_LOWER_A64_SYNC = 8,
	AARCH64_LOWER_A64_IRQ = 9,
};

/* Restores a frame and returns from the exception (arch/aarch64/vectors.S). */
extern char aarch64_trap_return[];
/* An IRQ from EL0 (arch/aarch64/user.c). */
void aarch64_irq(void);

void aarch64_trap(uint64_t kind, struct aarch64_trap_frame *f);

#endif
