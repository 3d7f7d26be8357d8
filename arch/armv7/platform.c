/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ARMv7 platform (QEMU virt): from the boot stub to kmain, and the switch to mmukit's
 * tables.
 *
 * boot.S has turned the MMU on with an early table: the GiB of RAM holding the image
 * linearly at 0x80000000 (where the kernel is linked), the console at CONSOLE_VA. The
 * memory layout comes from the device tree QEMU places at the start of RAM. The boot
 * reserves the blob and the image (with the early table), and marks RAM outside that
 * GiB unreachable: the layout remaps at most 1 GiB of RAM linearly at 2-3 GiB.
 * arch_vm_start then has mmk_mmu_init build the real tables (TTBR1 kernel, TTBR0 per
 * process, identity gone), maps the vector page at 0xFFFF0000 and turns on SCTLR.V.
 */
#include <mmukit/errno.h>
#include <mmukit/ktest.h>
#include <mmukit/mmu.h>
#include <mmukit/services.h>

#include "cpu.h"
#include "firmware/bytes.h"
#include "firmware/fdt.h"
#include "platform.h"
#include "trap.h"
#include "virt.h"

extern char _kernel_phys_start[], _kernel_phys_end[];
extern char _text_start[], _rodata_start[], _data_start[], _kernel_end[];
extern char _vectors_start[];

static struct boot_info boot;

void armv7_boot_main(uint32_t r0, uint32_t r1, uint32_t r2);

/* The RAM the kernel reaches: the GiB holding the image (on virt 0x40000000). */
static mmk_paddr_t window_base(void)
{
	return (uintptr_t)_kernel_phys_start & ~(uintptr_t)(LINEAR_WINDOW - 1);
}

static mmk_paddr_t virt_to_phys(const void *p)
{
	return (uintptr_t)p - LINEAR_BASE_VA + window_base();
}

/* The linear map (cpu.c): the boot stub's sections first, mmk_mmu_init's afterwards. */
void *arch_phys_to_virt(mmk_paddr_t pa)
{
	MMK_ASSERT(pa < boot.early_limit);
	return armv7_phys(pa);
}

/* Whether pa, inside the RAM window [base, top), holds a device tree header (spec 5.2). */
static bool looks_like_fdt(uint32_t pa, mmk_paddr_t base, mmk_paddr_t top)
{
	return pa >= base && pa < top - 4 && (pa & 3) == 0 &&
	       read_be32(arch_phys_to_virt(pa)) == MMK_FDT_MAGIC;
}

/* The end of the highest usable range below top: the top of RAM we can address. */
static mmk_paddr_t usable_top(const struct mmk_memmap *map, mmk_paddr_t top)
{
	mmk_paddr_t end = 0;
	for (unsigned i = 0; i < map->count; i++) {
		const struct mmk_memrange *r = &map->range[i];
		if (r->type == MMK_MEM_USABLE && r->base < top)
			end = r->base + r->size < top ? r->base + r->size : top;
	}
	return end;
}

/*
 * Reads the blob's memory description into boot.memmap, and its command line; the blob
 * must lie in RAM and not overlap the image (whose .bss the entry code has cleared).
 */
static void read_device_tree(uint32_t dtb, mmk_paddr_t top)
{
	const void *blob = arch_phys_to_virt(dtb);
	mmk_paddr_t kstart = (uintptr_t)_kernel_phys_start, kend = (uintptr_t)_kernel_phys_end;
	mmk_paddr_t room = (dtb < kstart ? kstart : top) - dtb;
	size_t size = room < mmk_fdt_total_size(blob) ? room : mmk_fdt_total_size(blob);
	int err = dtb < kend && dtb >= kstart ? -MMK_EINVAL : 0;
	if (!err)
		err = mmk_fdt_memmap(blob, size, &boot.memmap);
	if (err) {
		mmk_printf("armv7: device tree at 0x%08x unreadable: %s\n", (unsigned)dtb,
			   mmk_strerror(err));
		arch_exit(2);
	}
	const char *args;
	if (mmk_fdt_bootargs(blob, size, &args) == 0)
		boot.cmdline = args;
}

int armv7_probe_read32(uint32_t addr, uint32_t *out);
int armv7_probe_write32(uint32_t addr, uint32_t value);

int ktest_env_access(mmk_vaddr_t va, bool write, uint32_t *value)
{
	if (va > 0xFFFFFFFCu)
		return -MMK_EFAULT;
	return write ? armv7_probe_write32((uint32_t)va, *value)
		     : armv7_probe_read32((uint32_t)va, value);
}

static void add_section(struct mmk_mmu_boot *mb, const char *start, const char *end,
			unsigned flags)
{
	mb->sections[mb->section_count++] = (struct mmk_mmu_boot_section){
		.va = (uintptr_t)start, .pa = virt_to_phys(start), .size = (uintptr_t)(end - start),
		.flags = flags};
}

static void add_fixed(struct mmk_mmu_boot *mb, mmk_vaddr_t va, mmk_paddr_t pa, unsigned flags)
{
	mb->fixed[mb->fixed_count++] = (struct mmk_mmu_boot_section){
		.va = va, .pa = pa, .size = MMK_PAGE_SIZE, .flags = flags};
}

int arch_vm_start(struct mmk_pmm *pmm, struct boot_info *b)
{
	struct mmk_mmu_boot mb = {
		.kernel_pa = (uintptr_t)_kernel_phys_start,
		.kernel_va = (uintptr_t)arch_phys_to_virt((uintptr_t)_kernel_phys_start),
		.kernel_size = (uintptr_t)_kernel_phys_end - (uintptr_t)_kernel_phys_start,
		.phys_to_virt = arch_phys_to_virt,
		.memmap = &b->memmap,
	};
	/* text RX, rodata R, data and .bss RW; the boot stub below them stays RW. */
	add_section(&mb, _text_start, _rodata_start, MMK_PROT_READ | MMK_PROT_EXEC);
	add_section(&mb, _rodata_start, _data_start, MMK_PROT_READ);
	add_section(&mb, _data_start, _kernel_end, MMK_PROT_READ | MMK_PROT_WRITE);
	add_fixed(&mb, CONSOLE_VA, VIRT_UART_PA, MMK_PROT_READ | MMK_PROT_WRITE | MMK_CACHE_UC);
	add_fixed(&mb, ARMV7_HIGH_VECTORS, virt_to_phys(_vectors_start),
		  MMK_PROT_READ | MMK_PROT_EXEC);
	int err = kernel_vm_start(pmm, &mb, KVM_BASE, KVM_TOP);
	if (err)
		return err;
	armv7_enable_high_vectors();
	struct mmk_mmu *mmu = kernel_mmu();
	mmk_printf("vm: TTBR1 0x%llx (kernel), RAM [0x%llx, 0x%llx) at 0x%08x with 1 MiB "
		   "sections, heap up from 0x%08x, MMIO down from 0x%08x, vectors at 0x%08x, "
		   "%u-bit ASIDs, boot identity map gone\n",
		   (unsigned long long)mmu->kernel.root, (unsigned long long)window_base(),
		   (unsigned long long)b->early_limit, LINEAR_BASE_VA, KVM_BASE, KVM_TOP,
		   ARMV7_HIGH_VECTORS, mmu->asids.bits);
	return 0;
}

/* A 4-bit field of a CP15 ID register. */
static unsigned id_field(uint32_t reg, unsigned shift)
{
	return (reg >> shift) & 0xF;
}

/* What boot.S checked, as this CPU reports it (ARM ARM B4.1: the ID registers). */
static void report_cpu(void)
{
	uint32_t midr, mmfr0, dfr0;
	__asm__("mrc p15, 0, %0, c0, c0, 0" : "=r"(midr));
	__asm__("mrc p15, 0, %0, c0, c1, 4" : "=r"(mmfr0));
	__asm__("mrc p15, 0, %0, c0, c1, 2" : "=r"(dfr0));
	mmk_printf("armv7: cpu MIDR 0x%08x: VMSAv7 (ID_MMFR0.VMSA %u), Multiprocessing "
		   "Extensions, SDIV/UDIV, Generic Timer, PMU (ID_DFR0.PerfMon %u)\n",
		   (unsigned)midr, id_field(mmfr0, 0), id_field(dfr0, 24));
}

void armv7_boot_main(uint32_t r0, uint32_t r1, uint32_t r2)
{
	(void)r0;
	(void)r1;
	/* A Linux-style boot passes the blob in r2; QEMU's bare-metal ELF boot (r2 = 0)
	 * leaves it at RAM base. */
	mmk_paddr_t base = window_base(), top = base + LINEAR_WINDOW;
	boot.arch = "armv7";
	boot.cmdline = "";
	boot.firmware = "device tree";
	boot.early_limit = top; /* for now: the blob is read through arch_phys_to_virt */
	mmk_memmap_init(&boot.memmap);
	uint32_t dtb = looks_like_fdt(r2, base, top) ? r2 : VIRT_RAM_BASE;
	if (!looks_like_fdt(dtb, base, top)) {
		mmk_printf("armv7: no device tree at 0x%08x\n", (unsigned)dtb);
		arch_exit(2);
	}
	read_device_tree(dtb, top);
	boot_reserve(&boot, dtb, mmk_fdt_total_size(arch_phys_to_virt(dtb)), MMK_MEM_BOOT);
	boot_reserve(&boot, (uintptr_t)_kernel_phys_start,
		     (uintptr_t)_kernel_phys_end - (uintptr_t)_kernel_phys_start, MMK_MEM_KERNEL);
	/* Usable RAM outside the window (beyond its GiB, at or above 4 GiB) is unreachable. */
	if (mmk_memmap_retype(&boot.memmap, 0, base, MMK_MEM_USABLE, MMK_MEM_UNREACHABLE) ||
	    mmk_memmap_retype(&boot.memmap, top, UINT64_MAX - top + 1, MMK_MEM_USABLE,
			  MMK_MEM_UNREACHABLE))
		mmk_panic("boot: memory map full");
	boot.early_limit = usable_top(&boot.memmap, top);
	report_cpu();
	kmain(&boot);
}
