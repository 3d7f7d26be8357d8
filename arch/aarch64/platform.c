/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * AArch64 platform (QEMU virt): from the boot stub to kmain, and the switch to mmukit's
 * tables.
 *
 * boot.S has turned the MMU on with boot tables: BOOT_DIRECT_GIB GiB of RAM in the direct
 * map (DIRECT_MAP + pa), the console in the device GiB, the image at KERNEL_VA. The
 * memory layout comes from the device tree QEMU places at the start of RAM (or one
 * passed in x0). The boot reserves the blob and the image (boot tables included).
 * arch_vm_start then has mmk_mmu_init build the real tables: the kernel in TTBR1 (a
 * direct map of all RAM, the image by section, the console page), an empty TTBR0 while
 * no user space runs, the identity map gone.
 */
#include <mmukit/errno.h>
#include <mmukit/ktest.h>
#include <mmukit/mmu.h>
#include <mmukit/services.h>

#include "firmware/bytes.h"
#include "firmware/fdt.h"
#include "platform.h"
#include "virt.h"

extern char _kernel_phys_start[], _kernel_phys_end[];
extern char _text_start[], _rodata_start[], _data_start[], _kernel_end[];

#define KERNEL_OFFSET (KERNEL_VA - VIRT_RAM_BASE)
#define BOOT_WINDOW_END ((mmk_paddr_t)VIRT_RAM_BASE + ((mmk_paddr_t)BOOT_DIRECT_GIB << 30))

static struct boot_info boot;

void aarch64_boot_main(uint64_t x0);

/* The direct map: boot.S's RAM GiBs first, mmk_mmu_init's map of all RAM afterwards. */
void *arch_phys_to_virt(mmk_paddr_t pa)
{
	MMK_ASSERT(pa < boot.early_limit);
	return (void *)(uintptr_t)(DIRECT_MAP + pa);
}

/* Whether pa holds a device tree header (spec 5.2) inside the boot window. */
static bool looks_like_fdt(uint64_t pa)
{
	return pa >= VIRT_RAM_BASE && pa < BOOT_WINDOW_END - 4 && (pa & 3) == 0 &&
	       read_be32(arch_phys_to_virt(pa)) == MMK_FDT_MAGIC;
}

/* The end of the highest usable range: the top of RAM. */
static mmk_paddr_t ram_end(const struct mmk_memmap *map)
{
	mmk_paddr_t end = 0;
	for (unsigned i = 0; i < map->count; i++) {
		const struct mmk_memrange *r = &map->range[i];
		if (r->type == MMK_MEM_USABLE && r->base + r->size > end)
			end = r->base + r->size;
	}
	return end;
}

/*
 * Reads the blob's memory description into boot.memmap, and its command line; the blob
 * must lie in the boot window and not overlap the image (whose .bss is cleared).
 */
static void read_device_tree(uint64_t dtb)
{
	const void *blob = arch_phys_to_virt(dtb);
	mmk_paddr_t kstart = (uintptr_t)_kernel_phys_start, kend = (uintptr_t)_kernel_phys_end;
	mmk_paddr_t room = (dtb < kstart ? kstart : BOOT_WINDOW_END) - dtb;
	size_t size = room < mmk_fdt_total_size(blob) ? room : mmk_fdt_total_size(blob);
	int err = dtb < kend && dtb >= kstart ? -MMK_EINVAL : 0;
	if (!err)
		err = mmk_fdt_memmap(blob, size, &boot.memmap);
	if (err) {
		mmk_printf("aarch64: device tree at 0x%llx unreadable: %s\n",
			   (unsigned long long)dtb, mmk_strerror(err));
		arch_exit(2);
	}
	const char *args;
	if (mmk_fdt_bootargs(blob, size, &args) == 0)
		boot.cmdline = args;
}

int aarch64_probe_read32(uint64_t addr, uint32_t *out);
int aarch64_probe_write32(uint64_t addr, uint32_t value);

int ktest_env_access(mmk_vaddr_t va, bool write, uint32_t *value)
{
	return write ? aarch64_probe_write32(va, *value) : aarch64_probe_read32(va, value);
}

static void add_section(struct mmk_mmu_boot *mb, const char *start, const char *end,
			unsigned flags)
{
	mb->sections[mb->section_count++] = (struct mmk_mmu_boot_section){
		.va = (uintptr_t)start, .pa = (uintptr_t)start - KERNEL_OFFSET,
		.size = (uintptr_t)(end - start), .flags = flags};
}

int arch_vm_start(struct mmk_pmm *pmm, struct boot_info *b)
{
	struct mmk_mmu_boot mb = {
		.kernel_pa = (uintptr_t)_kernel_phys_start,
		.kernel_va = (uintptr_t)_kernel_phys_start + KERNEL_OFFSET,
		.kernel_size = (uintptr_t)_kernel_phys_end - (uintptr_t)_kernel_phys_start,
		.window_limit = BOOT_WINDOW_END, /* new tables must be reachable until the switch */
		.phys_to_virt = arch_phys_to_virt,
		.memmap = &b->memmap,
	};
	/* The boot stub and its tables RW (unused once switched), text RX, rodata R, data RW. */
	add_section(&mb, (char *)mb.kernel_va, _text_start, MMK_PROT_READ | MMK_PROT_WRITE);
	add_section(&mb, _text_start, _rodata_start, MMK_PROT_READ | MMK_PROT_EXEC);
	add_section(&mb, _rodata_start, _data_start, MMK_PROT_READ);
	add_section(&mb, _data_start, _kernel_end, MMK_PROT_READ | MMK_PROT_WRITE);
	mb.fixed[mb.fixed_count++] = (struct mmk_mmu_boot_section){
		.va = CONSOLE_VA, .pa = VIRT_UART_PA, .size = MMK_PAGE_SIZE,
		.flags = MMK_PROT_READ | MMK_PROT_WRITE | MMK_CACHE_UC};
	int err = kernel_vm_start(pmm, &mb, KVM_BASE, KVM_TOP);
	if (err)
		return err;
	b->early_limit = ram_end(&b->memmap);
	struct mmk_mmu *mmu = kernel_mmu();
	mmk_printf("vm: TTBR1 0x%llx (kernel), RAM [0x%llx, 0x%llx) at 0x%llx with %s blocks, "
		   "heap up from 0x%llx, MMIO down from 0x%llx, %u-bit ASIDs, boot identity "
		   "map gone\n",
		   (unsigned long long)mmu->kernel.root, (unsigned long long)VIRT_RAM_BASE,
		   (unsigned long long)b->early_limit, (unsigned long long)DIRECT_MAP,
		   (mmk_mmu_page_shifts(mmu) & (1u << 30)) ? "1 GiB" : "2 MiB",
		   (unsigned long long)KVM_BASE, (unsigned long long)KVM_TOP, mmu->asids.bits);
	return 0;
}

/* ID_AA64MMFR0_EL1.PARange (ARM ARM D13.2): the physical address size in bits. */
static unsigned pa_bits(uint64_t mmfr0)
{
	static const unsigned char bits[] = {32, 36, 40, 42, 44, 48, 52};
	unsigned range = mmfr0 & 0xF;
	return range < sizeof(bits) ? bits[range] : 52;
}

/*
 * What boot.S checked (4 KiB granules, the PMU, entry below EL3) and what the CPU offers
 * beyond it, on one line; and RAM must lie inside the CPU's physical address range, or
 * the direct map would hold addresses the MMU cannot output (an address size fault).
 */
static void report_cpu(mmk_paddr_t ram_top)
{
	uint64_t midr, mmfr0, dfr0;
	__asm__("mrs %0, midr_el1" : "=r"(midr));
	__asm__("mrs %0, id_aa64mmfr0_el1" : "=r"(mmfr0));
	__asm__("mrs %0, id_aa64dfr0_el1" : "=r"(dfr0));
	unsigned bits = pa_bits(mmfr0);
	/* ASIDBits (D13.2): 0 is 8 bits, 2 is 16; PMUVer 1 is PMUv3. */
	mmk_printf("aarch64: cpu MIDR 0x%llx: 4 KiB granules, %u-bit physical addresses, "
		   "%u-bit ASIDs, PMUVer %u\n", (unsigned long long)midr, bits,
		   ((mmfr0 >> 4) & 0xF) == 2 ? 16u : 8u, (unsigned)((dfr0 >> 8) & 0xF));
	if (bits < 64 && ram_top > (1ull << bits)) {
		mmk_printf("mmukit aarch64: RAM ends at 0x%llx, beyond this CPU's %u-bit physical "
			   "addresses\n", (unsigned long long)ram_top, bits);
		arch_exit(1);
	}
}

void aarch64_boot_main(uint64_t x0)
{
	boot.arch = "aarch64";
	boot.cmdline = "";
	boot.firmware = "device tree";
	boot.early_limit = BOOT_WINDOW_END; /* for now: the blob is read through the direct map */
	mmk_memmap_init(&boot.memmap);
	uint64_t dtb = looks_like_fdt(x0) ? x0 : VIRT_RAM_BASE;
	if (!looks_like_fdt(dtb)) {
		mmk_printf("aarch64: no device tree at 0x%llx\n", (unsigned long long)dtb);
		arch_exit(2);
	}
	read_device_tree(dtb);
	boot_reserve(&boot, dtb, mmk_fdt_total_size(arch_phys_to_virt(dtb)), MMK_MEM_BOOT);
	boot_reserve(&boot, (uintptr_t)_kernel_phys_start,
		     (uintptr_t)_kernel_phys_end - (uintptr_t)_kernel_phys_start, MMK_MEM_KERNEL);
	mmk_paddr_t end = ram_end(&boot.memmap);
	report_cpu(end);
	boot.early_limit = end < BOOT_WINDOW_END ? end : BOOT_WINDOW_END;
	kmain(&boot);
}
