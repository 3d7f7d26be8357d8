/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * riscv64 platform (QEMU virt under OpenSBI): from the boot stub to kmain, and the
 * switch to mmukit's tables.
 *
 * boot.S runs on its static Sv39 table: the image at 0xFFFFFFFF80200000, physical
 * [0, 128 GiB) in the direct map (layout.h). OpenSBI passes the device tree's address in
 * a1 (it lies in RAM; QEMU puts it near the end of the first GiB or RAM's end). The boot
 * reads /memory and /reserved-memory from it, reserves the blob, the image (boot table
 * included) and OpenSBI's first 2 MiB of RAM, marks RAM past the direct map
 * unreachable, and calls kmain. arch_vm_start then has mmk_mmu_init build the real
 * tables: the image by sections, RAM in the direct map, the UART and the test device
 * as fixed mappings at their direct-map addresses; the boot identity map goes.
 */
#include <mmukit/errno.h>
#include <mmukit/ktest.h>
#include <mmukit/mmu.h>
#include <mmukit/pt.h>
#include <mmukit/services.h>

#include "firmware/bytes.h"
#include "firmware/fdt.h"
#include "layout.h"
#include "platform.h"
#include "pte.h"
#include "trap.h"

extern char _kernel_start[];
extern char _text_start[], _rodata_start[], _data_start[], _kernel_end[];

static struct boot_info boot;

void riscv64_boot_main(uint64_t hart, uint64_t dtb);

void *arch_phys_to_virt(mmk_paddr_t pa)
{
	MMK_ASSERT(pa < boot.early_limit);
	return (void *)(uintptr_t)(DIRECT_BASE + pa);
}

/* The image's physical address (its symbols are out of pc-relative reach of 0x80200000). */
static mmk_paddr_t virt_to_phys(const void *p)
{
	return (uintptr_t)p - KERNEL_OFFSET;
}

static mmk_psize_t image_size(void)
{
	return (uintptr_t)(_kernel_end - _kernel_start);
}

int riscv64_probe_read32(uint64_t addr, uint32_t *out);
int riscv64_probe_write32(uint64_t addr, uint32_t value);

int ktest_env_access(mmk_vaddr_t va, bool write, uint32_t *value)
{
	return write ? riscv64_probe_write32(va, *value) : riscv64_probe_read32(va, value);
}

/* The end of the highest usable range below top: the top of RAM the direct map reaches. */
static mmk_paddr_t usable_top(const struct mmk_memmap *map, mmk_paddr_t top)
{
	mmk_paddr_t end = 0;
	for (unsigned i = 0; i < map->count; i++) {
		const struct mmk_memrange *r = &map->range[i];
		if (r->type == MMK_MEM_USABLE && r->base < top && r->base + r->size > end)
			end = r->base + r->size < top ? r->base + r->size : top;
	}
	return end;
}

/* Reads the blob's memory description into boot.memmap, and its command line. */
static void read_device_tree(uint64_t dtb)
{
	if (dtb == 0 || dtb >= DIRECT_SIZE - 8 || (dtb & 7) ||
	    read_be32(arch_phys_to_virt(dtb)) != MMK_FDT_MAGIC) {
		mmk_printf("riscv64: no device tree at 0x%llx\n", (unsigned long long)dtb);
		arch_exit(2);
	}
	const void *blob = arch_phys_to_virt(dtb);
	size_t size = mmk_fdt_total_size(blob);
	int err = mmk_fdt_memmap(blob, size, &boot.memmap);
	if (err) {
		mmk_printf("riscv64: device tree at 0x%llx unreadable: %s\n",
			   (unsigned long long)dtb, mmk_strerror(err));
		arch_exit(2);
	}
	const char *args;
	if (mmk_fdt_bootargs(blob, size, &args) == 0)
		boot.cmdline = args;
	boot_reserve(&boot, dtb, size, MMK_MEM_BOOT);
}

static void add_section(struct mmk_mmu_boot *mb, const char *start, const char *end,
			unsigned flags)
{
	mb->sections[mb->section_count++] = (struct mmk_mmu_boot_section){
		.va = (uintptr_t)start, .pa = virt_to_phys(start),
		.size = (uintptr_t)(end - start), .flags = flags};
}

static void add_fixed(struct mmk_mmu_boot *mb, mmk_vaddr_t va, mmk_paddr_t pa)
{
	mb->fixed[mb->fixed_count++] = (struct mmk_mmu_boot_section){
		.va = va, .pa = pa, .size = MMK_PAGE_SIZE,
		.flags = MMK_PROT_READ | MMK_PROT_WRITE | MMK_PROT_GLOBAL | MMK_CACHE_UC};
}

int arch_vm_start(struct mmk_pmm *pmm, struct boot_info *b)
{
	struct mmk_mmu_boot mb = {
		.kernel_pa = virt_to_phys(_kernel_start),
		.kernel_va = (uintptr_t)_kernel_start,
		.kernel_size = image_size(),
		.phys_to_virt = arch_phys_to_virt,
		.memmap = &b->memmap,
	};
	/* text RX (the entry stub included), rodata R, data (boot table) and .bss RW. */
	add_section(&mb, _text_start, _rodata_start, MMK_PROT_READ | MMK_PROT_EXEC);
	add_section(&mb, _rodata_start, _data_start, MMK_PROT_READ);
	add_section(&mb, _data_start, _kernel_end, MMK_PROT_READ | MMK_PROT_WRITE);
	add_fixed(&mb, CONSOLE_VA, VIRT_UART_PA);
	add_fixed(&mb, TEST_VA_EXIT, VIRT_TEST_PA);
	int err = kernel_vm_start(pmm, &mb, KVM_BASE, KVM_TOP);
	if (err)
		return err;
	struct mmk_mmu *mmu = kernel_mmu();
	mmk_printf("vm: %s, root 0x%llx, RAM [0x%llx, 0x%llx) at 0x%llx, heap up from "
		   "0x%llx, MMIO down from 0x%llx, %u-bit ASIDs, boot identity map gone\n",
		   mmu->fmt->name, (unsigned long long)mmu->kernel.root,
		   (unsigned long long)VIRT_RAM_BASE, (unsigned long long)b->early_limit,
		   (unsigned long long)DIRECT_BASE, (unsigned long long)KVM_BASE,
		   (unsigned long long)KVM_TOP, mmu->asids.bits);
	return 0;
}

/* True when word appears in cmdline as a whole, space-separated word. */
static bool cmdline_has(const char *cmdline, const char *word)
{
	size_t n = 0;
	while (word[n])
		n++;
	for (const char *p = cmdline; *p;) {
		while (*p == ' ')
			p++;
		size_t len = 0;
		while (p[len] && p[len] != ' ')
			len++;
		bool same = len == n;
		for (size_t i = 0; same && i < n; i++)
			same = p[i] == word[i];
		if (same)
			return true;
		p += len;
	}
	return false;
}

/*
 * The in-kernel benchmarks store to user pages straight from the kernel, as the other
 * machines' kernels may; S-mode can only with sstatus.SUM set (RISC-V priv 4.1.1.2), and
 * mmukit has no user-access bracket yet, so a "bench" boot runs with SUM set. Tests run
 * with it clear (only the probes set it).
 */
static void allow_user_access_for_benchmarks(void)
{
	if (cmdline_has(boot.cmdline, "bench"))
		__asm__ volatile("csrs sstatus, %0" : : "r"(1ull << 18));
}

void riscv64_boot_main(uint64_t hart, uint64_t dtb)
{
	boot.arch = "riscv64";
	boot.cmdline = "";
	boot.firmware = "device tree (OpenSBI)";
	boot.early_limit = DIRECT_SIZE; /* boot.S's direct map */
	mmk_memmap_init(&boot.memmap);
	read_device_tree(dtb);
	boot_reserve(&boot, VIRT_RAM_BASE, VIRT_FIRMWARE_SIZE, MMK_MEM_FIRMWARE);
	boot_reserve(&boot, virt_to_phys(_kernel_start), image_size(), MMK_MEM_KERNEL);
	/* Usable RAM past the direct map is unreachable. */
	if (mmk_memmap_retype(&boot.memmap, DIRECT_SIZE, UINT64_MAX - DIRECT_SIZE + 1,
			      MMK_MEM_USABLE, MMK_MEM_UNREACHABLE))
		mmk_panic("boot: memory map full");
	boot.early_limit = usable_top(&boot.memmap, DIRECT_SIZE);
	mmk_printf("riscv64: hart %llu, device tree at 0x%llx\n", (unsigned long long)hart,
		   (unsigned long long)dtb);
	allow_user_access_for_benchmarks();
	if (cmdline_has(boot.cmdline, "sv39"))
		riscv64_mmu_sv39_only();
	kmain(&boot);
}
