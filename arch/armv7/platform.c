/*
 * ARMv7 platform (QEMU virt): from reset to kmain.
 *
 * The memory layout comes from the device tree QEMU places at the start of RAM. The
 * boot reserves the blob and the kernel image, and marks RAM beyond the first GiB
 * unreachable: seed 003's layout remaps at most 1 GiB of RAM linearly at 2-3 GiB.
 */
#include <mmukit/errno.h>
#include <mmukit/services.h>

#include "firmware/bytes.h"
#include "firmware/fdt.h"
#include "platform.h"

#define VIRT_RAM_BASE 0x40000000u /* QEMU virt: RAM, and the DTB at its start */
#define LINEAR_WINDOW (1 * MMK_GIB)

extern char _kernel_phys_start[], _kernel_phys_end[];

static struct boot_info boot;

void armv7_boot_main(uint32_t r0, uint32_t r1, uint32_t r2);

void *arch_phys_to_virt(paddr_t pa)
{
	MMK_ASSERT(pa < boot.early_limit);
	return (void *)(uintptr_t)pa;
}

static bool looks_like_fdt(uint32_t pa)
{
	return pa != 0 && (pa & 3) == 0 && read_be32((const void *)(uintptr_t)pa) == FDT_MAGIC;
}

/* The lowest usable address: where the linear window starts. */
static paddr_t ram_base(const struct mmk_memmap *map)
{
	for (unsigned i = 0; i < map->count; i++)
		if (map->range[i].type == MMK_MEM_USABLE)
			return map->range[i].base;
	return VIRT_RAM_BASE;
}

void armv7_boot_main(uint32_t r0, uint32_t r1, uint32_t r2)
{
	(void)r0;
	(void)r1;
	/* A Linux-style boot passes the blob in r2; QEMU's bare-metal ELF boot leaves it at RAM base. */
	uint32_t dtb = looks_like_fdt(r2) ? r2 : VIRT_RAM_BASE;
	boot.arch = "armv7";
	boot.cmdline = "";
	boot.firmware = "device tree";
	memmap_init(&boot.memmap);
	if (!looks_like_fdt(dtb)) {
		mmk_printf("armv7: no device tree at 0x%08x\n", (unsigned)dtb);
		arch_exit(2);
	}
	const void *blob = (const void *)(uintptr_t)dtb;
	int err = fdt_memmap(blob, fdt_total_size(blob), &boot.memmap);
	if (err) {
		mmk_printf("armv7: device tree at 0x%08x unreadable: %s\n", (unsigned)dtb,
			   mmk_strerror(err));
		arch_exit(2);
	}
	paddr_t base = ram_base(&boot.memmap);
	paddr_t limit = base + LINEAR_WINDOW;
	if (limit > 4 * MMK_GIB)
		limit = 4 * MMK_GIB;
	boot.early_limit = limit;
	if (memmap_add(&boot.memmap, dtb, fdt_total_size(blob), MMK_MEM_BOOT) ||
	    memmap_add(&boot.memmap, (uintptr_t)_kernel_phys_start,
		       (uintptr_t)_kernel_phys_end - (uintptr_t)_kernel_phys_start,
		       MMK_MEM_KERNEL) ||
	    memmap_retype(&boot.memmap, limit, UINT64_MAX - limit + 1, MMK_MEM_USABLE,
			  MMK_MEM_UNREACHABLE))
		mmk_panic("boot: memory map full");
	kmain(&boot);
}
