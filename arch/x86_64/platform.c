/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * x86_64 platform: from the PVH hand-over to kmain.
 *
 * Builds boot_info: the PVH start info's memory map, plus what the boot occupies - the
 * x86 first MiB, the kernel image with its boot page tables and .bss, the start info,
 * its memory map, command line, module list and modules.
 */
#include <mmukit/errno.h>
#include <mmukit/ktest.h>
#include <mmukit/mmu.h>
#include <mmukit/services.h>

#include "firmware/pvh.h"
#include "platform.h"
#include "trap.h"

#define EARLY_WINDOW 0xFFFF800000000000ull /* PML4[256] in boot.S; the HHDM after */
#define EARLY_LIMIT (4 * MMK_GIB)
#define KERNEL_VMA 0xFFFFFFFF80000000ull
#define KVM_BASE 0xFFFFC00000000000ull /* heap up from here ... */
#define KVM_TOP 0xFFFFFF8000000000ull  /* ... MMIO down from the top 512 GiB */

extern char _kernel_phys_start[], _kernel_phys_end[];
extern char gdt64[], gdt64_end[];
extern char _text_start[], _rodata_start[], _data_start[], _kernel_end[];

static struct boot_info boot;

void x86_64_boot_main(uint32_t start_info_pa);

void *arch_phys_to_virt(mmk_paddr_t pa)
{
	MMK_ASSERT(pa < boot.early_limit);
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

int x86_64_probe_read32(uint64_t addr, uint32_t *out);
int x86_64_probe_write32(uint64_t addr, uint32_t value);

int ktest_env_access(mmk_vaddr_t va, bool write, uint32_t *value)
{
	return write ? x86_64_probe_write32(va, *value) : x86_64_probe_read32(va, value);
}

/* The GDT from its higher-half address: the identity map it was loaded through goes. */
static void reload_gdt_high(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) d = {(uint16_t)(gdt64_end - gdt64 - 1),
				       (uint64_t)(uintptr_t)gdt64 + KERNEL_VMA};
	__asm__ volatile("lgdt %0" : : "m"(d));
}

/* The end of the RAM the direct map covers (everything but reserved, bad and NVS). */
static mmk_paddr_t ram_end(const struct mmk_memmap *map)
{
	mmk_paddr_t end = 0;
	for (unsigned i = 0; i < map->count; i++) {
		const struct mmk_memrange *r = &map->range[i];
		if (r->type != MMK_MEM_RESERVED && r->type != MMK_MEM_BAD &&
		    r->type != MMK_MEM_ACPI_NVS && r->base + r->size > end)
			end = r->base + r->size;
	}
	return end;
}

static void add_section(struct mmk_mmu_boot *mb, mmk_vaddr_t start, mmk_vaddr_t end, unsigned flags)
{
	mb->sections[mb->section_count++] = (struct mmk_mmu_boot_section){
		start, (mmk_paddr_t)(start - KERNEL_VMA), end - start, flags};
}

/* NX on everything but text (EFER.NXE, Intel SDM vol. 3 4.6): the linker script's section bounds. */
static void add_image_sections(struct mmk_mmu_boot *mb)
{
	mmk_vaddr_t image = (uintptr_t)_kernel_phys_start + KERNEL_VMA;
	add_section(mb, image, (uintptr_t)_text_start, MMK_PROT_READ | MMK_PROT_WRITE); /* boot data, GDT */
	add_section(mb, (uintptr_t)_text_start, (uintptr_t)_rodata_start,
		    MMK_PROT_READ | MMK_PROT_EXEC);
	add_section(mb, (uintptr_t)_rodata_start, (uintptr_t)_data_start, MMK_PROT_READ);
	add_section(mb, (uintptr_t)_data_start, (uintptr_t)_kernel_end,
		    MMK_PROT_READ | MMK_PROT_WRITE);
}

int arch_vm_start(struct mmk_pmm *pmm, struct boot_info *b)
{
	reload_gdt_high();
	struct mmk_mmu_boot mb = {
		.kernel_pa = (uintptr_t)_kernel_phys_start,
		.kernel_va = (uintptr_t)_kernel_phys_start + KERNEL_VMA,
		.kernel_size = (uintptr_t)_kernel_phys_end - (uintptr_t)_kernel_phys_start,
		.window_limit = EARLY_LIMIT, /* new tables must be reachable until the switch */
		.phys_to_virt = arch_phys_to_virt,
		.memmap = &b->memmap,
	};
	add_image_sections(&mb);
	int err = kernel_vm_start(pmm, &mb, KVM_BASE, KVM_TOP);
	if (err)
		return err;
	b->early_limit = ram_end(&b->memmap);
	struct mmk_mmu *mmu = kernel_mmu();
	mmk_printf("vm: PML4 at 0x%llx, RAM [0, 0x%llx) in the HHDM with %s pages, %s, "
		   "boot identity map gone\n",
		   (unsigned long long)mmu->kernel.root, (unsigned long long)b->early_limit,
		   (mmk_mmu_page_shifts(mmu) & (1u << 30)) ? "1 GiB" : "2 MiB",
		   mmu->asids.bits ? "PCIDs" : "no PCIDs");
	return 0;
}

void x86_64_boot_main(uint32_t start_info_pa)
{
	x86_64_idt_init();
	boot.early_limit = EARLY_LIMIT;
	const struct hvm_start_info *si = arch_phys_to_virt(start_info_pa);
	boot.arch = "x86_64";
	boot.cmdline = si->magic == MMK_PVH_START_MAGIC && si->cmdline_paddr
			       ? arch_phys_to_virt(si->cmdline_paddr) : "";
	boot.firmware = "pvh";
	mmk_memmap_init(&boot.memmap);
	const struct hvm_memmap_entry *entries =
		si->magic == MMK_PVH_START_MAGIC && si->version >= 1 && si->memmap_paddr
			? arch_phys_to_virt(si->memmap_paddr)
			: NULL;
	int err = mmk_pvh_memmap(si, entries, &boot.memmap);
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
