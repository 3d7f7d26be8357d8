/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The riscv64 (QEMU virt) serial console - an NS16550A UART at 0x10000000, which prints
 * without set-up (THR at offset 0, LSR at 5, LSR bit 5 "THR empty") - and the exit
 * through the virt test device (sifive_test at 0x100000). Both are seen through the
 * direct map (layout.h), from boot.S's table on and from mmk_mmu_init's (fixed boot
 * mappings).
 *
 * The test device ends QEMU: 0x5555 with status 0, (code << 16) | 0x3333 with status
 * code. A pass is written as a failure of code 0x10 (like ARM's semihosting exit), so
 * that QEMU's status 0 - also what a reset under -no-reboot gives - never reads as one:
 * tools/qemu.sh takes 16 as a pass and 16 + n as failure n.
 */
#include <mmukit/types.h>

#include "layout.h"
#include "platform.h"

#define UART_THR 0
#define UART_LSR 5
#define LSR_THRE 0x20
#define UART_RBR 0 /* receive buffer (read side of offset 0) */
#define LSR_DR 0x01 /* data ready */
#define TEST_FAIL 0x3333u
#define EXIT_STATUS_BASE 0x10

static volatile uint8_t *uart_register(unsigned offset)
{
	return (volatile uint8_t *)(uintptr_t)(CONSOLE_VA + offset);
}

void arch_console_putc(char c)
{
	while (!(*uart_register(UART_LSR) & LSR_THRE))
		;
	*uart_register(UART_THR) = (uint8_t)c;
}

/*
 * Polled directly, like the output side, rather than through SBI's console_getchar: that
 * call is in SBI's legacy extension (deprecated since SBI v0.2, absent from newer
 * OpenSBI builds), costs a trap into M-mode per poll, and the UART is already mapped.
 */
int arch_console_getc(void)
{
	if (!(*uart_register(UART_LSR) & LSR_DR))
		return -1;
	return *uart_register(UART_RBR);
}

_Noreturn void arch_exit(int status)
{
	volatile uint32_t *test = (volatile uint32_t *)(uintptr_t)TEST_VA_EXIT;
	*test = ((uint32_t)(EXIT_STATUS_BASE + (status & 0x3F)) << 16) | TEST_FAIL;
	for (;;)
		__asm__ volatile("wfi");
}
