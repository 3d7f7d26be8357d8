/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The ARMv7 example kernel's machine part (QEMU virt, -m 128M): the PL011 console at
 * 0xFFF00000, exit through semihosting (SYS_EXIT_EXTENDED), its own memory map of the
 * machine's RAM, the boot description mmk_mmu_init needs, the ARM run-time ABI's
 * memclr/memcpy, and the data-abort glue (DFAR and DFSR, ARM ARM B4.1.51-52, decoded
 * into struct mmk_fault with the fault status encodings of table B3-23).
 */
#include <mmukit/fault.h>
#include <mmukit/memmap.h>
#include <mmukit/mmu.h>
#include <mmukit/services.h>
#include <stddef.h>
#include <stdint.h>

#include "../example.h"

#define RAM_BASE 0x40000000u
#define RAM_SIZE (128u << 20)   /* QEMU -m 128M (examples/boot-example.sh) */
#define LINEAR_BASE 0x80000000u /* RAM at LINEAR_BASE + (pa - RAM_BASE) */
#define UART_PA 0x09000000u
#define UART_VA 0xFFF00000u     /* boot.S and the fixed mapping below */
#define HEAP_BASE 0xC0000000u
#define HEAP_TOP 0xFFF00000u

extern char _kernel_phys_start[], image_end[];
void example_main(void);
void example_data_abort(uint32_t pc);
void __aeabi_memclr(void *dst, size_t n);
void __aeabi_memclr4(void *dst, size_t n);
void __aeabi_memclr8(void *dst, size_t n);
void __aeabi_memset(void *dst, size_t n, int c);
void __aeabi_memcpy(void *dst, const void *src, size_t n);
void __aeabi_memcpy4(void *dst, const void *src, size_t n);
void __aeabi_memcpy8(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);

void __aeabi_memclr(void *dst, size_t n) { memset(dst, 0, n); }
void __aeabi_memclr4(void *dst, size_t n) { memset(dst, 0, n); }
void __aeabi_memclr8(void *dst, size_t n) { memset(dst, 0, n); }
void __aeabi_memset(void *dst, size_t n, int c) { memset(dst, c, n); }
void __aeabi_memcpy(void *dst, const void *src, size_t n) { memcpy(dst, src, n); }
void __aeabi_memcpy4(void *dst, const void *src, size_t n) { memcpy(dst, src, n); }
void __aeabi_memcpy8(void *dst, const void *src, size_t n) { memcpy(dst, src, n); }

void example_putc(char c)
{
	volatile uint32_t *uart = (volatile uint32_t *)UART_VA;

	while (uart[0x18 / 4] & (1u << 5)) /* UARTFR.TXFF: transmit FIFO full */
		;
	uart[0] = (uint8_t)c;
}

_Noreturn void example_exit(int status)
{
	static uint32_t block[2];
	register uint32_t r0 __asm__("r0") = 0x20; /* SYS_EXIT_EXTENDED */
	register uint32_t *r1 __asm__("r1") = block;

	block[0] = 0x20026; /* ADP_Stopped_ApplicationExit */
	block[1] = 0x10 + (uint32_t)status; /* tools/qemu.sh reads 0x10 + status */
	__asm__ volatile("svc 0x123456" : : "r"(r0), "r"(r1) : "memory");
	for (;;)
		__asm__ volatile("wfi");
}

static void *phys_to_virt(mmk_paddr_t pa)
{
	return (void *)(uintptr_t)(pa - RAM_BASE + LINEAR_BASE);
}

/* Short-descriptor fault status (B4.1.52: FS[3:0] bits 3:0, FS[4] bit 10): table B3-23. */
static bool permission_fault(uint32_t fsr)
{
	unsigned fs = (fsr & 0xFu) | ((fsr >> 6) & 0x10u);

	return fs == 0x0D || fs == 0x0F || fs == 0x09 || fs == 0x0B || fs == 0x03 || fs == 0x06;
}

void example_data_abort(uint32_t pc)
{
	uint32_t dfsr, dfar;

	__asm__ volatile("mrc p15, 0, %0, c5, c0, 0" : "=r"(dfsr));
	__asm__ volatile("mrc p15, 0, %0, c6, c0, 0" : "=r"(dfar));
	struct mmk_fault fault = {
		.addr = dfar,
		.pc = pc,
		.access = (dfsr & (1u << 11)) ? MMK_ACCESS_WRITE : MMK_ACCESS_READ, /* WnR */
		.user = false, /* only the kernel runs here */
		.present = permission_fault(dfsr),
		.arch_code = dfsr,
	};
	enum mmk_fault_result r = mmk_fault_dispatch(example_mmu.active, &fault);

	if (r == MMK_FAULT_RESOLVED) {
		mmk_printf("example: page fault at 0x%x (%s) resolved\n", dfar,
			   mmk_fault_access_name(fault.access));
		return;
	}
	mmk_fault_report_fatal(example_mmu.active, &fault, r);
	mmk_mmu_print_walk(example_mmu.active, fault.addr);
	example_exit(1);
}

static struct mmk_memmap map;

void example_main(void)
{
	mmk_paddr_t start = (uintptr_t)_kernel_phys_start;
	mmk_paddr_t end = (uintptr_t)image_end - LINEAR_BASE + RAM_BASE;

	mmk_printf("example: armv7, mmukit from its installed archive\n");
	/* RAM, less the device tree QEMU puts at its base (the MiB below the image) and
	 * the image itself (with the stub's table). */
	mmk_memmap_init(&map);
	if (mmk_memmap_add(&map, RAM_BASE, RAM_SIZE, MMK_MEM_USABLE) ||
	    mmk_memmap_set(&map, RAM_BASE, start - RAM_BASE, MMK_MEM_FIRMWARE) ||
	    mmk_memmap_set(&map, start, end - start, MMK_MEM_KERNEL)) {
		mmk_printf("example: memory map refused\n");
		example_exit(1);
	}
	struct mmk_mmu_boot boot = {
		.kernel_pa = start,
		.kernel_va = (uintptr_t)phys_to_virt(start),
		.kernel_size = end - start,
		.window_limit = 0, /* all of RAM is in the boot's linear map */
		.phys_to_virt = phys_to_virt,
		/* The console must stay mapped through the switch. */
		.fixed = {{UART_VA, UART_PA, MMK_PAGE_SIZE,
			   MMK_PROT_READ | MMK_PROT_WRITE | MMK_CACHE_UC}},
		.fixed_count = 1,
	};
	int err = example_run(&map, RAM_BASE + RAM_SIZE, &boot, HEAP_BASE, HEAP_TOP);
	mmk_printf("example: %s\n", err ? "FAILED" : "done");
	example_exit(err ? 1 : 0);
}
