/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The PC timer for preempting processes, shared by i386 and x86_64: the 8254 PIT's
 * channel 0 at hz on IRQ 0, delivered through the 8259 PIC pair remapped to vectors
 * base..base+15 (ICW1-ICW4, Intel 8259A data sheet), all other IRQs masked.
 * Chosen over the LAPIC timer: port I/O only, no MMIO mapping and no calibration.
 */
#include "io.h"
#include "timer.h"

#define PIT_HZ 1193182u

void x86_timer_start(unsigned vector_base, unsigned hz)
{
	outb(0x20, 0x11); /* ICW1: edge, cascade, ICW4 follows */
	outb(0xA0, 0x11);
	outb(0x21, (uint8_t)vector_base); /* ICW2: vectors */
	outb(0xA1, (uint8_t)(vector_base + 8));
	outb(0x21, 4); /* ICW3: slave on IRQ 2 */
	outb(0xA1, 2);
	outb(0x21, 1); /* ICW4: 8086 mode */
	outb(0xA1, 1);
	outb(0x21, 0xFE); /* only IRQ 0 */
	outb(0xA1, 0xFF);
	unsigned divisor = PIT_HZ / hz;
	outb(0x43, 0x34); /* channel 0, low then high byte, mode 2 (rate generator) */
	outb(0x40, (uint8_t)divisor);
	outb(0x40, (uint8_t)(divisor >> 8));
}

bool x86_timer_irq(unsigned irq)
{
	if (irq == 7 && !(inb(0x20) & 0x80))
		return false; /* spurious: not in service, no EOI */
	if (irq >= 8)
		outb(0xA0, 0x20);
	outb(0x20, 0x20); /* EOI now: the tick may switch to another process */
	return irq == 0;
}
