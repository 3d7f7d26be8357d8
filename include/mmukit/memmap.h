/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The portable physical memory map: what the firmware reported (multiboot, PVH, device
 * tree), plus what the boot reserved on top of it (kernel image, boot structures, PMM
 * metadata). Every boot turns its firmware's description into one of these, prints it
 * and hands it to the PMM, which owns exactly the MMK_MEM_USABLE frames.
 *
 * Ranges are kept sorted, disjoint and merged. Where two reports overlap, the more
 * restrictive type wins (types are ordered: USABLE < ACPI_RECLAIM < ... < the boot
 * reservations), so a firmware that reports a hole twice, or a reservation placed over
 * usable RAM, always ends as "not usable". Fixed capacity, no allocation.
 */
#ifndef MMUKIT_MEMMAP_H
#define MMUKIT_MEMMAP_H

#include <mmukit/types.h>

/* Ordered by priority: on overlap the larger value wins. */
enum mmk_mem_type {
	MMK_MEM_USABLE = 1,      /* free RAM: the PMM owns it */
	MMK_MEM_ACPI_RECLAIM,    /* ACPI tables, reclaimable once parsed */
	MMK_MEM_ACPI_NVS,        /* ACPI non-volatile storage */
	MMK_MEM_RESERVED,        /* firmware / device reserved */
	MMK_MEM_BAD,             /* defective RAM */
	MMK_MEM_UNREACHABLE,     /* RAM the kernel cannot address (above its window) */
	MMK_MEM_FIRMWARE,        /* kept for the firmware by policy (x86 first MiB) */
	MMK_MEM_BOOT,            /* boot structures: info blocks, device tree, modules */
	MMK_MEM_KERNEL,          /* the kernel image, its boot stack and boot tables */
	MMK_MEM_PMM,             /* the PMM's own metadata */
	MMK_MEM_TYPE_MAX = MMK_MEM_PMM,
};

#define MMK_MEMMAP_MAX 128

struct mmk_memrange {
	mmk_paddr_t base;
	mmk_psize_t size;  /* > 0; base + size does not wrap */
	unsigned type; /* enum mmk_mem_type */
};

struct mmk_memmap {
	unsigned count;
	struct mmk_memrange range[MMK_MEMMAP_MAX];
};

void mmk_memmap_init(struct mmk_memmap *map);

/*
 * Adds [base, base+size) with the given type. Where it overlaps existing ranges the
 * higher-priority type wins. size 0 is a no-op. A range that would wrap past 2^64 is
 * clipped to end at 2^64 - 1. Errors: MMK_EINVAL (unknown type), MMK_ENOSPC (the map
 * would exceed MMK_MEMMAP_MAX ranges); on error the map is unchanged.
 */
int mmk_memmap_add(struct mmk_memmap *map, mmk_paddr_t base, mmk_psize_t size, unsigned type);

/*
 * Forces [base, base+size) to the given type whatever was there, even over a
 * higher-priority type (for example to mark RAM above a window MMK_MEM_UNREACHABLE only
 * where it was usable, use mmk_memmap_retype instead). Same errors as mmk_memmap_add.
 */
int mmk_memmap_set(struct mmk_memmap *map, mmk_paddr_t base, mmk_psize_t size, unsigned type);

/* Changes the type of every part of [base, base+size) that has type from to type to. */
int mmk_memmap_retype(struct mmk_memmap *map, mmk_paddr_t base, mmk_psize_t size, unsigned from,
		  unsigned to);

/* Total bytes of the given type. */
mmk_psize_t mmk_memmap_total(const struct mmk_memmap *map, unsigned type);

/* The type at address pa, or 0 when the map says nothing about it. */
unsigned mmk_memmap_type_at(const struct mmk_memmap *map, mmk_paddr_t pa);

/*
 * Finds the lowest page-aligned [pa, pa+size) of MMK_MEM_USABLE memory lying entirely
 * below limit. Returns 0 and sets *pa, or MMK_ENOMEM.
 */
int mmk_memmap_find_usable(const struct mmk_memmap *map, mmk_psize_t size, mmk_paddr_t limit,
		       mmk_paddr_t *pa);

/* "usable", "reserved", ... */
const char *mmk_memmap_type_name(unsigned type);

/* Prints the map as a table through mmk_printf. */
void mmk_memmap_print(const struct mmk_memmap *map);

#endif
