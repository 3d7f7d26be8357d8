/*
 * x86_64 platform: from the PVH hand-over to kmain.
 *
 * Builds boot_info: the PVH start info's memory map, plus what the boot occupies - the
 * x86 first MiB, the kernel image with its boot page tables and .bss, the start info,
 * its memory map, command line, module list and modules.
 */
#include <mmukit/errno.h>
#include <mmukit/services.h>

#include "firmware/pvh.h"
#include "platform.h"
#include "trap.h"

#define EARLY_WINDOW 0xFFFF800000000000ull /* PML4[256] in boot.S */
#define EARLY_LIMIT (4 * MMK_GIB)

extern char _kernel_phys_start[], _kernel_phys_end[];

static struct boot_info boot;

void x86_64_boot_main(uint32_t start_info_pa);

void *arch_phys_to_virt(paddr_t pa)
{
	MMK_ASSERT(pa < EARLY_LIMIT);
	return (void *)(uintptr_t)(EARLY_WINDOW + pa);
}

static void reserve_start_info(uint32_t si_pa, const struct hvm_start_info *si)
{
	boot_reserve(&boot, si_pa, sizeof(*si), MMK_MEM_BOOT);
	boot_reserve(&boot, si->memmap_paddr, si->memmap_entries * sizeof(struct hvm_memmap_entry),
		MMK_MEM_BOOT);
	if (si->cmdline_paddr)
		boot_reserve(&boot, si->cmdline_paddr, boot_string_size(si->cmdline_paddr), MMK_MEM_BOOT);
	if (si->nr_modules) {
		const struct hvm_modlist_entry *mods = arch_phys_to_virt(si->modlist_paddr);
		boot_reserve(&boot, si->modlist_paddr, si->nr_modules * sizeof(*mods), MMK_MEM_BOOT);
		for (uint32_t i = 0; i < si->nr_modules; i++)
			boot_reserve(&boot, mods[i].paddr, mods[i].size, MMK_MEM_BOOT);
	}
}

void x86_64_boot_main(uint32_t start_info_pa)
{
	x86_64_idt_init();
	const struct hvm_start_info *si = arch_phys_to_virt(start_info_pa);
	boot.arch = "x86_64";
	boot.cmdline = "";
	boot.firmware = "pvh";
	boot.early_limit = EARLY_LIMIT;
	memmap_init(&boot.memmap);
	const struct hvm_memmap_entry *entries =
		si->magic == PVH_START_MAGIC && si->version >= 1 && si->memmap_paddr
			? arch_phys_to_virt(si->memmap_paddr)
			: NULL;
	int err = pvh_memmap(si, entries, &boot.memmap);
	if (err) {
		mmk_printf("x86_64: bad PVH start info (magic 0x%x, version %u): %s\n",
			   si->magic, si->version, mmk_strerror(err));
		arch_exit(2);
	}
	boot_reserve(&boot, 0, MMK_MIB, MMK_MEM_FIRMWARE);
	boot_reserve(&boot, (uintptr_t)_kernel_phys_start,
		(uintptr_t)_kernel_phys_end - (uintptr_t)_kernel_phys_start, MMK_MEM_KERNEL);
	reserve_start_info(start_info_pa, si);
	kmain(&boot);
}
