/*
 * ARMv7 exception reports: which exception, the return address, and for aborts the
 * fault status and address registers (ARM ARM B4.1.52 DFSR, B4.1.51 DFAR, B4.1.96 IFSR,
 * B4.1.95 IFAR). Then the kernel stops with a failing status.
 */
#include <mmukit/services.h>
#include <mmukit/types.h>

#include "platform.h"

void armv7_trap(uint32_t kind, uint32_t lr);

static uint32_t read_dfsr(void)
{
	uint32_t v;
	__asm__ volatile("mrc p15, 0, %0, c5, c0, 0" : "=r"(v));
	return v;
}

static uint32_t read_dfar(void)
{
	uint32_t v;
	__asm__ volatile("mrc p15, 0, %0, c6, c0, 0" : "=r"(v));
	return v;
}

static uint32_t read_ifsr(void)
{
	uint32_t v;
	__asm__ volatile("mrc p15, 0, %0, c5, c0, 1" : "=r"(v));
	return v;
}

static uint32_t read_ifar(void)
{
	uint32_t v;
	__asm__ volatile("mrc p15, 0, %0, c6, c0, 2" : "=r"(v));
	return v;
}

void armv7_trap(uint32_t kind, uint32_t lr)
{
	static const char *const names[] = {
		"reset", "undefined instruction", "supervisor call", "prefetch abort",
		"data abort", "reserved", "IRQ", "FIQ",
	};
	mmk_printf("\nexception: %s, lr 0x%08x\n", names[kind & 7], (unsigned)lr);
	if (kind == 4)
		mmk_printf("DFSR 0x%08x DFAR 0x%08x\n", (unsigned)read_dfsr(), (unsigned)read_dfar());
	if (kind == 3)
		mmk_printf("IFSR 0x%08x IFAR 0x%08x\n", (unsigned)read_ifsr(), (unsigned)read_ifar());
	arch_exit(2);
}
