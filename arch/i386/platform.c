/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * i386 platform: from the multiboot hand-over to kmain.
 *
 * Builds boot_info: the multiboot memory map, plus what the boot occupies - the x86
 * first MiB (BIOS data, EBDA, ROMs), the kernel image with its .bss (boot stack, boot
 * page directory), the multiboot information, its memory map, command line and modules.
 * RAM at or above 4 GiB is marked unreachable: without PAE a 32-bit kernel cannot map it.
 */
#include <mmukit/errno.h>
#include <mmukit/mmu.h>
#include <mmukit/services.h>

#include <mmukit/ktest.h>

#include "firmware/multiboot.h"
#include "platform.h"
#include "trap.h"

#define KERNEL_VMA 0xC0000000u
#define EARLY_LIMIT (512 * MMK_MIB) /* what boot_pd maps at KERNEL_VMA (boot.S) */

extern char _kernel_phys_start[], _kernel_phys_end[];

static struct boot_info boot;
#define KVM_TOP 0xFF400000u /* below the backend's windows (arch/i386/mmu.c) */

void i386_boot_main(uint32_t magic, uint32_t info_pa);

void *arch_phys_to_virt(mmk_paddr_t pa)
{
	MMK_ASSERT(pa < boot.early_limit);
	return (void *)(uintptr_t)(pa + KERNEL_VMA);
}

static void reserve_multiboot_data(uint32_t info_pa, const struct multiboot_info *mbi)
{
	boot_reserve(&boot, info_pa, sizeof(*mbi), MMK_MEM_BOOT);
	if (mbi->flags & MMK_MULTIBOOT_INFO_MMAP)
		boot_reserve(&boot, mbi->mmap_addr, mbi->mmap_length, MMK_MEM_BOOT);
	if (mbi->flags & MMK_MULTIBOOT_INFO_CMDLINE)
		boot_reserve(&boot, mbi->cmdline, boot_string_size(mbi->cmdline), MMK_MEM_BOOT);
	if (mbi->flags & MMK_MULTIBOOT_INFO_MODS) {
		const struct multiboot_module *mods = arch_phys_to_virt(mbi->mods_addr);
		boot_reserve(&boot, mbi->mods_addr, mbi->mods_count * sizeof(*mods), MMK_MEM_BOOT);
		for (uint32_t i = 0; i < mbi->mods_count; i++)
			boot_reserve(&boot, mods[i].mod_start, mods[i].mod_end - mods[i].mod_start,
				MMK_MEM_BOOT);
	}
}

int i386_probe_read32(uint32_t addr, uint32_t *out);
int i386_probe_write32(uint32_t addr, uint32_t value);

int ktest_env_access(mmk_vaddr_t va, bool write, uint32_t *value)
{
	return write ? i386_probe_write32((uint32_t)va, *value)
		     : i386_probe_read32((uint32_t)va, value);
}

struct mmk_mmu_space *i386_active_space(void)
{
	struct mmk_mmu *mmu = kernel_mmu();
	return mmu ? mmu->active : NULL;
}

/* The end of the low memory the kernel uses directly: image, boot data, PMM metadata. */
static mmk_paddr_t direct_window_limit(const struct mmk_memmap *map)
{
	mmk_paddr_t limit = 0;
	for (unsigned i = 0; i < map->count; i++) {
		const struct mmk_memrange *r = &map->range[i];
		bool used = r->type == MMK_MEM_KERNEL || r->type == MMK_MEM_BOOT ||
			    r->type == MMK_MEM_PMM || r->type == MMK_MEM_FIRMWARE;
		if (used && r->base < EARLY_LIMIT && r->base + r->size > limit)
			limit = r->base + r->size;
	}
	return limit;
}

int arch_vm_start(struct mmk_pmm *pmm, struct boot_info *b)
{
	extern char _kernel_end[];
	struct mmk_mmu_boot mb = {
		.kernel_pa = (uintptr_t)_kernel_phys_start,
		.kernel_va = (uintptr_t)_kernel_phys_start + KERNEL_VMA,
		.kernel_size = (uintptr_t)_kernel_end - ((uintptr_t)_kernel_phys_start + KERNEL_VMA),
		.window_limit = direct_window_limit(&b->memmap),
		.phys_to_virt = arch_phys_to_virt,
		.memmap = &b->memmap,
	};
	mmk_paddr_t window = mmk_align_up(mb.window_limit, 4 * MMK_MIB);
	/* Heap up from just above the low-memory window, MMIO down from KVM_TOP. */
	int err = kernel_vm_start(pmm, &mb, KERNEL_VMA + (mmk_vaddr_t)window, KVM_TOP);
	if (err)
		return err;
	b->early_limit = window;
	struct mmk_mmu *mmu = kernel_mmu();
	mmk_printf("vm: kernel directory at 0x%llx, low memory [0, 0x%llx) at 0xC0000000, "
		   "%s pages, boot identity map gone\n",
		   (unsigned long long)mmu->kernel.root, (unsigned long long)b->early_limit,
		   (mmk_mmu_page_shifts(mmu) & (1u << 22)) ? "4 MiB" : "4 KiB");
	return 0;
}

void i386_boot_main(uint32_t magic, uint32_t info_pa)
{
	i386_idt_init();
	if (magic != MMK_MULTIBOOT_BOOTLOADER_MAGIC) {
		mmk_printf("i386: not started by a multiboot loader (eax 0x%x)\n", magic);
		arch_exit(2);
	}
	boot.early_limit = EARLY_LIMIT;
	const struct multiboot_info *mbi = arch_phys_to_virt(info_pa);
	boot.arch = "i386";
	boot.firmware = "multiboot";
	boot.cmdline = (mbi->flags & MMK_MULTIBOOT_INFO_CMDLINE) ? arch_phys_to_virt(mbi->cmdline) : "";
	mmk_memmap_init(&boot.memmap);
	const void *mmap = (mbi->flags & MMK_MULTIBOOT_INFO_MMAP) ? arch_phys_to_virt(mbi->mmap_addr) : NULL;
	int err = mmk_multiboot_memmap(mbi, mmap, mbi->mmap_length, &boot.memmap);
	if (err)
		mmk_panic("multiboot memory map: %s", mmk_strerror(err));

	boot_reserve(&boot, 0, MMK_MIB, MMK_MEM_FIRMWARE);
	boot_reserve(&boot, (uintptr_t)_kernel_phys_start,
		(uintptr_t)_kernel_phys_end - (uintptr_t)_kernel_phys_start, MMK_MEM_KERNEL);
	reserve_multiboot_data(info_pa, mbi);
	if (mmk_memmap_retype(&boot.memmap, 4 * MMK_GIB, UINT64_MAX - 4 * MMK_GIB + 1,
			  MMK_MEM_USABLE, MMK_MEM_UNREACHABLE) != 0)
		mmk_panic("boot: memory map full");
	kmain(&boot);
}
