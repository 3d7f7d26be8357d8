/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The PVH boot ABI: what QEMU (or Xen) hands a kernel entered through its
 * MMK_XEN_ELFNOTE_PHYS32_ENTRY note - 32-bit protected mode, paging off, ebx = physical
 * address of struct hvm_start_info. Layouts from Xen's public header
 * xen/include/public/arch-x86/hvm/start_info.h (version 1 adds the memory map); the
 * entry state is Xen's docs/misc/pvh.pandoc. QEMU 7.2's PVH option ROM gives version 1
 * with the E820 map, the start info, map and command line all in the first MiB.
 */
#ifndef MMUKIT_FIRMWARE_PVH_H
#define MMUKIT_FIRMWARE_PVH_H

#include <mmukit/memmap.h>

#define MMK_PVH_START_MAGIC 0x336ec578u
#define MMK_XEN_ELFNOTE_PHYS32_ENTRY 18

struct hvm_start_info {
	uint32_t magic;          /* MMK_PVH_START_MAGIC */
	uint32_t version;        /* 1 or more: memmap fields valid */
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;  /* struct hvm_modlist_entry[nr_modules] */
	uint64_t cmdline_paddr;  /* NUL-terminated, 0 if none */
	uint64_t rsdp_paddr;     /* ACPI RSDP */
	uint64_t memmap_paddr;   /* struct hvm_memmap_entry[memmap_entries] */
	uint32_t memmap_entries;
	uint32_t reserved;
};

/* One memory map entry; type is an E820 type (1 RAM, 2 reserved, 3 ACPI, 4 NVS, 5 bad). */
struct hvm_memmap_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};

/*
 * Adds the start info's memory map (entries points at its memmap_entries entries) to
 * out. Errors: MMK_EINVAL (bad magic, version 0, or no entries), MMK_ENOSPC (out full);
 * out is then unchanged. Not reentrant (one static scratch map: boot-time use).
 */
int mmk_pvh_memmap(const struct hvm_start_info *si, const struct hvm_memmap_entry *entries,
	       struct mmk_memmap *out);

#endif
