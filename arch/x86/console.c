/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The x86 serial console (16550 UART on COM1, 0x3F8) and the QEMU exit device
 * (isa-debug-exit at port 0xF4), shared by the i386 and x86_64 boots.
 */
#include <mmukit/types.h>

#include "io.h"
#include "platform.h"

#define COM1 0x3F8
#define COM_DATA 0        /* transmit holding / divisor low when DLAB=1 */
#define COM_IER 1         /* interrupt enable / divisor high when DLAB=1 */
#define COM_FCR 2
#define COM_LCR 3
#define COM_MCR 4
#define COM_LSR 5
#define COM_LSR_THR_EMPTY 0x20
#define COM_LSR_DATA_READY 0x01 /* a byte waits in the receive buffer (16550 LSR bit 0) */
#define DEBUG_EXIT_PORT 0xF4
#define EXIT_STATUS_BASE 0x10 /* tools/qemu.sh reads ((0x10 + status) << 1) | 1 */

static bool console_ready;

static void console_init(void)
{
	outb(COM1 + COM_IER, 0x00); /* no interrupts */
	outb(COM1 + COM_LCR, 0x80); /* DLAB: set the divisor */
	outb(COM1 + COM_DATA, 0x01); /* 115200 baud */
	outb(COM1 + COM_IER, 0x00);
	outb(COM1 + COM_LCR, 0x03); /* 8 bits, no parity, one stop bit */
	outb(COM1 + COM_FCR, 0xC7); /* FIFO on, cleared */
	outb(COM1 + COM_MCR, 0x03); /* DTR, RTS */
	console_ready = true;
}

void arch_console_putc(char c)
{
	if (!console_ready)
		console_init();
	while ((inb(COM1 + COM_LSR) & COM_LSR_THR_EMPTY) == 0)
		;
	outb(COM1 + COM_DATA, (uint8_t)c);
}

int arch_console_getc(void)
{
	if (!console_ready)
		console_init();
	if ((inb(COM1 + COM_LSR) & COM_LSR_DATA_READY) == 0)
		return -1;
	return inb(COM1 + COM_DATA);
}

_Noreturn void arch_exit(int status)
{
	outl(DEBUG_EXIT_PORT, (uint32_t)(EXIT_STATUS_BASE + (status & 0x3F)));
	for (;;)
		__asm__ volatile("cli; hlt");
}
