/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The i386 example kernel's machine part: COM1 output, exit through QEMU's
 * isa-debug-exit, the memory map from the multiboot information (Multiboot spec 3.3),
 * the boot description mmk_mmu_init needs, and the page-fault glue (vector 14: CR2 and
 * the error code, SDM Vol 3A 4.7, into struct mmk_fault).
 */
#include <mmukit/fault.h>
#include <mmukit/memmap.h>
#include <mmukit/mmu.h>
#include <mmukit/services.h>
#include <stdint.h>

#include "../example.h"

#define KERNEL_VMA 0xC0000000u
#define EARLY_LIMIT (16u << 20) /* what boot_pd maps at KERNEL_VMA (boot.S) */
#define HEAP_TOP 0xFF400000u    /* below the i386 format's windows */

extern char image_phys_start[], image_end[];
void example_main(uint32_t magic, uint32_t mbi_pa);
void example_page_fault(uint32_t *frame);
void page_fault_entry(void);

static void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

void example_putc(char c)
{
	while (!(inb(0x3F8 + 5) & 0x20)) /* LSR: transmitter holding register empty */
		;
	outb(0x3F8, (uint8_t)c);
}

_Noreturn void example_exit(int status)
{
	outb(0xf4, (uint8_t)(0x10 + status)); /* QEMU exits with ((0x10 + status) << 1) | 1 */
	for (;;)
		__asm__ volatile("cli; hlt");
}

static void *phys_to_virt(mmk_paddr_t pa)
{
	return (void *)(uintptr_t)(pa + KERNEL_VMA);
}

/* One interrupt gate (SDM Vol 3A 6.11): vector 14 only; the rest stay not present. */
static uint64_t idt[256];

static void idt_init(void)
{
	uint32_t handler = (uint32_t)(uintptr_t)page_fault_entry;
	struct __attribute__((packed)) {
		uint16_t limit;
		uint32_t base;
	} idtr = {sizeof(idt) - 1, (uint32_t)(uintptr_t)idt};

	idt[14] = (handler & 0xFFFFu) | (0x08u << 16) | ((uint64_t)0x8E00u << 32) |
		  ((uint64_t)(handler >> 16) << 48);
	__asm__ volatile("lidt %0" : : "m"(idtr));
}

/* frame: the eight pushal registers (edi first), then the error code, eip, cs, eflags. */
void example_page_fault(uint32_t *frame)
{
	uint32_t err = frame[8], cr2;

	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	struct mmk_fault fault = {
		.addr = cr2,
		.pc = frame[9],
		.access = (err & 2) ? MMK_ACCESS_WRITE : (err & 16) ? MMK_ACCESS_EXEC : MMK_ACCESS_READ,
		.user = err & 4,
		.present = err & 1,
		.reserved_bit = err & 8,
		.arch_code = err,
	};
	enum mmk_fault_result r = mmk_fault_dispatch(example_mmu.active, &fault);

	if (r == MMK_FAULT_RESOLVED) {
		mmk_printf("example: page fault at 0x%x (%s) resolved\n", cr2,
			   mmk_fault_access_name(fault.access));
		return;
	}
	mmk_fault_report_fatal(example_mmu.active, &fault, r);
	mmk_mmu_print_walk(example_mmu.active, fault.addr);
	example_exit(1);
}

/* Multiboot memory map entries (spec 3.3): size, base, length, type (1: RAM). */
struct __attribute__((packed)) mb_mmap_entry {
	uint32_t size;
	uint64_t base, length;
	uint32_t type;
};

static struct mmk_memmap map;

static int memory_map(const uint32_t *mbi)
{
	uint32_t flags = mbi[0], length = mbi[11], addr = mbi[12];

	if (!(flags & (1u << 6)))
		return -1;
	mmk_memmap_init(&map);
	for (uint32_t off = 0; off < length;) {
		const struct mb_mmap_entry *e = phys_to_virt(addr + off);
		/* No PAE: RAM at or above 4 GiB cannot be mapped; leave it out. */
		if (e->type == 1 && e->base < (1ull << 32)) {
			uint64_t len = e->base + e->length > (1ull << 32) ? (1ull << 32) - e->base : e->length;
			if (mmk_memmap_add(&map, e->base, len, MMK_MEM_USABLE))
				return -1;
		}
		off += e->size + 4;
	}
	/* Taken: the first MiB (BIOS data, the multiboot information) and the image. */
	mmk_paddr_t start = (uintptr_t)image_phys_start;
	mmk_paddr_t end = (uintptr_t)image_end - KERNEL_VMA;
	if (mmk_memmap_set(&map, 0, 1u << 20, MMK_MEM_FIRMWARE) ||
	    mmk_memmap_set(&map, start, end - start, MMK_MEM_KERNEL))
		return -1;
	return 0;
}

void example_main(uint32_t magic, uint32_t mbi_pa)
{
	idt_init();
	mmk_printf("example: i386, mmukit from its installed archive\n");
	if (magic != 0x2BADB002 || memory_map(phys_to_virt(mbi_pa))) {
		mmk_printf("example: no multiboot memory map\n");
		example_exit(1);
	}
	/* The low memory the kernel window covers: the image, then the PMM's metadata,
	 * taken below 8 MiB; the heap starts above it. */
	mmk_paddr_t window = 8u << 20;
	struct mmk_mmu_boot boot = {
		.kernel_pa = (uintptr_t)image_phys_start,
		.kernel_va = (uintptr_t)image_phys_start + KERNEL_VMA,
		.kernel_size = (uintptr_t)image_end - ((uintptr_t)image_phys_start + KERNEL_VMA),
		.window_limit = window,
		.phys_to_virt = phys_to_virt,
	};
	int err = example_run(&map, window, &boot, KERNEL_VMA + window, HEAP_TOP);
	mmk_printf("example: %s\n", err ? "FAILED" : "done");
	example_exit(err ? 1 : 0);
}
