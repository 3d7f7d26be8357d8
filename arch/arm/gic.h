/* SPDX-License-Identifier: BSD-2-Clause */
/* The GICv2 of QEMU's virt machine for the ARM machines' timer tick (arch/arm/gic.c). */
#ifndef MMUKIT_ARCH_ARM_GIC_H
#define MMUKIT_ARCH_ARM_GIC_H

#include <stdbool.h>

/* Maps the GIC in the kernel window and enables interrupt intid (a PPI), the distributor
 * and the CPU interface. Returns 0 or the window's MMK_E* error. */
int arm_gic_start(unsigned intid);

/* Takes the pending interrupt: when it is intid, calls rearm (the timer's next tick,
 * which lowers the level-sensitive line) before ending it. True when it was intid;
 * false for a spurious one (nothing to end) or another. */
bool arm_gic_irq(unsigned intid, void (*rearm)(void));

#endif
