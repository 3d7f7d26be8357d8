/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Multiboot 1: what a multiboot loader (QEMU -kernel, GRUB) hands an i386 kernel.
 * Multiboot Specification version 0.6.96, section 3.3 "Boot information format".
 */
#ifndef MMUKIT_FIRMWARE_MULTIBOOT_H
#define MMUKIT_FIRMWARE_MULTIBOOT_H

#include <mmukit/memmap.h>

#define MMK_MULTIBOOT_HEADER_MAGIC 0x1BADB002u     /* in the kernel image (spec 3.1.1) */
#define MMK_MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002u /* in eax at entry (spec 3.2) */

#define MMK_MULTIBOOT_INFO_MEMORY (1u << 0)  /* mem_lower, mem_upper valid */
#define MMK_MULTIBOOT_INFO_CMDLINE (1u << 2) /* cmdline valid */
#define MMK_MULTIBOOT_INFO_MODS (1u << 3)    /* mods_count, mods_addr valid */
#define MMK_MULTIBOOT_INFO_MMAP (1u << 6)    /* mmap_length, mmap_addr valid */

/* The fixed part of the boot information we use (spec 3.3; fields are physical). */
struct multiboot_info {
	uint32_t flags;
	uint32_t mem_lower; /* KiB of memory from 0 */
	uint32_t mem_upper; /* KiB of memory from 1 MiB */
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count;
	uint32_t mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length; /* bytes of memory map buffer */
	uint32_t mmap_addr;
};

/* One module (spec 3.3): [mod_start, mod_end) physical. */
struct multiboot_module {
	uint32_t mod_start;
	uint32_t mod_end;
	uint32_t string;
	uint32_t reserved;
};

/*
 * Adds the memory the boot information describes to out: the memory map buffer when
 * flags has MMK_MULTIBOOT_INFO_MMAP (mmap points at it, mmap_length bytes), otherwise
 * mem_lower/mem_upper. Map buffer entries are {u32 size, u64 base, u64 length, u32 type}
 * walked by size + 4 (spec 3.3); type 1 is usable, 3 ACPI reclaimable, 4 ACPI NVS,
 * 5 defective, anything else reserved; zero-length entries are skipped.
 * Errors: MMK_EINVAL (no memory information, an entry whose size is below 20 or that
 * runs past mmap_length), MMK_ENOSPC (out's table is full); out is then unchanged.
 */
int mmk_multiboot_memmap(const struct multiboot_info *mbi, const void *mmap,
		     uint32_t mmap_length, struct mmk_memmap *out);

#endif
