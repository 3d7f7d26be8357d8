/* SPDX-License-Identifier: BSD-2-Clause */
/* The PIT + 8259 timer of arch/x86/timer.c. */
#ifndef MMUKIT_ARCH_X86_TIMER_H
#define MMUKIT_ARCH_X86_TIMER_H

#include <stdbool.h>

/* Remaps the 8259s to vector_base..+15, unmasks IRQ 0 only, starts the PIT at hz. */
void x86_timer_start(unsigned vector_base, unsigned hz);

/* Acknowledges IRQ irq; true when it was the timer's tick. */
bool x86_timer_irq(unsigned irq);

#endif
