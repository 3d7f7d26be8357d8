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

/* Whether pa, inside the RAM window [base, top), holds a device tree header (spec 5.2). */
static bool looks_like_fdt(uint32_t pa, paddr_t base, paddr_t top)
{
	return pa >= base && pa < top - 4 && (pa & 3) == 0 &&
	       read_be32((const void *)(uintptr_t)pa) == FDT_MAGIC;
}

/*
 * The RAM the kernel can reach: the GiB holding the image (on virt [0x40000000,
 * 0x80000000)), which the MMU backend maps linearly at 0x80000000 (seed 003).
 */
static paddr_t window_base(void)
{
	return (uintptr_t)_kernel_phys_start & ~(uintptr_t)(LINEAR_WINDOW - 1);
}

/* The end of the highest usable range below top: the top of RAM we can address. */
static paddr_t usable_top(const struct mmk_memmap *map, paddr_t top)
{
	paddr_t end = 0;
	for (unsigned i = 0; i < map->count; i++) {
		const struct mmk_memrange *r = &map->range[i];
		if (r->type == MMK_MEM_USABLE && r->base < top)
			end = r->base + r->size < top ? r->base + r->size : top;
	}
	return end;
}

/*
 * Reads the blob's memory description into boot.memmap; the blob must lie in RAM and
 * not overlap the image (whose .bss the entry code has already cleared).
 */
static void read_device_tree(uint32_t dtb, paddr_t top)
{
	const void *blob = (const void *)(uintptr_t)dtb;
	paddr_t kstart = (uintptr_t)_kernel_phys_start, kend = (uintptr_t)_kernel_phys_end;
	paddr_t room = (dtb < kstart ? kstart : top) - dtb;
	int err = dtb < kend && dtb >= kstart ? -MMK_EINVAL : 0;
	if (!err)
		err = fdt_memmap(blob, room < fdt_total_size(blob) ? room : fdt_total_size(blob),
				 &boot.memmap);
	if (err) {
		mmk_printf("armv7: device tree at 0x%08x unreadable: %s\n", (unsigned)dtb,
			   mmk_strerror(err));
		arch_exit(2);
	}
}

void armv7_boot_main(uint32_t r0, uint32_t r1, uint32_t r2)
{
	(void)r0;
	(void)r1;
	/* A Linux-style boot passes the blob in r2; QEMU's bare-metal ELF boot (r2 = 0)
	 * leaves it at RAM base. */
	paddr_t base = window_base(), top = base + LINEAR_WINDOW;
	uint32_t dtb = looks_like_fdt(r2, base, top) ? r2 : VIRT_RAM_BASE;
	boot.arch = "armv7";
	boot.cmdline = "";
	boot.firmware = "device tree";
	boot.early_limit = top; /* for now: the blob is read through arch_phys_to_virt */
	memmap_init(&boot.memmap);
	if (!looks_like_fdt(dtb, base, top)) {
		mmk_printf("armv7: no device tree at 0x%08x\n", (unsigned)dtb);
		arch_exit(2);
	}
	read_device_tree(dtb, top);
	boot_reserve(&boot, dtb, fdt_total_size(arch_phys_to_virt(dtb)), MMK_MEM_BOOT);
	boot_reserve(&boot, (uintptr_t)_kernel_phys_start,
		     (uintptr_t)_kernel_phys_end - (uintptr_t)_kernel_phys_start, MMK_MEM_KERNEL);
	/* Usable RAM outside the window (beyond its GiB, at or above 4 GiB) is unreachable. */
	if (memmap_retype(&boot.memmap, 0, base, MMK_MEM_USABLE, MMK_MEM_UNREACHABLE) ||
	    memmap_retype(&boot.memmap, top, UINT64_MAX - top + 1, MMK_MEM_USABLE,
			  MMK_MEM_UNREACHABLE))
		mmk_panic("boot: memory map full");
	boot.early_limit = usable_top(&boot.memmap, top);
	kmain(&boot);
}
