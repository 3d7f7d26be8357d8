/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The ARMv7 (QEMU virt) serial console - a PL011 UART at 0x09000000, which prints
 * without set-up (PL011 TRM 3.3.1 UARTDR, 3.3.3 UARTFR), seen at CONSOLE_VA from the
 * boot stub's table on and from mmk_mmu_init's (a fixed boot mapping) - and the exit through
 * semihosting SYS_EXIT_EXTENDED (Arm Semihosting v2, 6.5), which QEMU started with
 * -semihosting turns into its exit status.
 */
#include <mmukit/types.h>

#include "platform.h"
#include "virt.h"

#define UARTDR 0x00
#define UARTFR 0x18
#define UARTFR_TXFF (1u << 5) /* transmit FIFO full */
#define UARTFR_RXFE (1u << 4) /* receive FIFO empty (PL011 TRM 3.3.3) */

#define SYS_EXIT_EXTENDED 0x20
#define ADP_STOPPED_APPLICATION_EXIT 0x20026
#define EXIT_STATUS_BASE 0x10 /* tools/qemu.sh reads 0x10 + status */

static volatile uint32_t *uart_register(uint32_t offset)
{
	return (volatile uint32_t *)(uintptr_t)(CONSOLE_VA + offset);
}

void arch_console_putc(char c)
{
	while (*uart_register(UARTFR) & UARTFR_TXFF)
		;
	*uart_register(UARTDR) = (uint8_t)c;
}

int arch_console_getc(void)
{
	if (*uart_register(UARTFR) & UARTFR_RXFE)
		return -1;
	return (int)(*uart_register(UARTDR) & 0xFF); /* bits 11:8 are error flags */
}

_Noreturn void arch_exit(int status)
{
	static uint32_t block[2];
	block[0] = ADP_STOPPED_APPLICATION_EXIT;
	block[1] = EXIT_STATUS_BASE + (uint32_t)(status & 0x3F);
	register uint32_t r0 __asm__("r0") = SYS_EXIT_EXTENDED;
	register uint32_t *r1 __asm__("r1") = block;
	__asm__ volatile("svc 0x123456" : : "r"(r0), "r"(r1) : "memory");
	for (;;)
		__asm__ volatile("wfi");
}
