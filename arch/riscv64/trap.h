/* SPDX-License-Identifier: BSD-2-Clause */
/* The riscv64 trap frame, as arch/riscv64/vectors.S saves it on the stack. */
#ifndef MMUKIT_ARCH_RISCV64_TRAP_H
#define MMUKIT_ARCH_RISCV64_TRAP_H

#include <stdint.h>

struct riscv64_trap_frame {
	uint64_t x[32];   /* x0 (unused slot), x1..x31; x[2] is the interrupted sp */
	uint64_t sepc;    /* where sret returns to (the faulting instruction) */
	uint64_t sstatus; /* the interrupted sstatus (SPP: which mode it came from) */
	uint64_t scause;  /* RISC-V priv 4.1.8, table 4.2 */
	uint64_t stval;   /* the faulting address for page faults (4.1.9) */
};

void riscv64_trap(struct riscv64_trap_frame *f);
/* Restores a frame and returns from the trap (arch/riscv64/vectors.S). */
extern char riscv64_trap_return[];
/* The supervisor timer fired (arch/riscv64/user.c). */
void riscv64_timer_interrupt(void);

#endif
