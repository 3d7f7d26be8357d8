/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The AArch64 (QEMU virt) serial console - a PL011 UART at 0x09000000, which prints
 * without set-up (PL011 TRM 3.3.1 UARTDR, 3.3.3 UARTFR), seen at CONSOLE_VA from the
 * boot tables on and from mmk_mmu_init's (a fixed boot mapping) - and the exit through
 * semihosting SYS_EXIT with a parameter block (Arm Semihosting v2, 6.5: on AArch64 x1
 * points to {reason, subcode}), which QEMU started with -semihosting turns into its exit
 * status; the call is HLT #0xF000.
 */
#include <mmukit/types.h>

#include "platform.h"
#include "virt.h"

#define UARTDR 0x00
#define UARTFR 0x18
#define UARTFR_TXFF (1u << 5) /* transmit FIFO full */
#define UARTFR_RXFE (1u << 4) /* receive FIFO empty (PL011 TRM 3.3.3) */

#define SYS_EXIT 0x18
#define ADP_STOPPED_APPLICATION_EXIT 0x20026
#define EXIT_STATUS_BASE 0x10 /* tools/qemu.sh reads 0x10 + status */

static volatile uint32_t *uart_register(uint64_t offset)
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
	static uint64_t block[2];
	block[0] = ADP_STOPPED_APPLICATION_EXIT;
	block[1] = EXIT_STATUS_BASE + (uint64_t)(status & 0x3F);
	register uint64_t x0 __asm__("x0") = SYS_EXIT;
	register uint64_t *x1 __asm__("x1") = block;
	__asm__ volatile("hlt #0xf000" : : "r"(x0), "r"(x1) : "memory");
	for (;;)
		__asm__ volatile("wfi");
}
