/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * i386 32-bit paging: every bit the backend uses, in one place.
 * Intel SDM Vol 3A 4.3 "32-bit paging", tables 4-4 (PDE of a 4 MiB page), 4-5 (PDE of
 * a page table) and 4-6 (PTE of a 4 KiB page). A linear address splits 10/10/12:
 * directory index, table index, offset; or 10/22 for a 4 MiB page.
 */
#ifndef MMUKIT_ARCH_I386_PTE_H
#define MMUKIT_ARCH_I386_PTE_H

#include <stdint.h>

typedef uint32_t pte_t; /* a PDE or a PTE */

#define PTE_P 0x001u    /* present */
#define PTE_RW 0x002u   /* writable */
#define PTE_US 0x004u   /* user accessible */
#define PTE_PWT 0x008u  /* page write-through */
#define PTE_PCD 0x010u  /* page cache disable */
#define PTE_A 0x020u    /* accessed (set by the CPU) */
#define PTE_D 0x040u    /* dirty (set by the CPU, leaf entries) */
#define PDE_PS 0x080u   /* in a PDE: maps a 4 MiB page (needs CR4.PSE) */
#define PTE_PAT 0x080u  /* in a PTE: PAT index bit 2 */
#define PTE_G 0x100u    /* global (needs CR4.PGE): survives CR3 loads */
#define PDE_PAT_LARGE 0x1000u /* in a 4 MiB PDE: PAT index bit 2 */

#define PTE_FRAME 0xFFFFF000u       /* frame of a 4 KiB page or of a table */
#define PDE_LARGE_FRAME 0xFFC00000u /* frame of a 4 MiB page (bits 13-20: PSE-36, unused) */
#define PTE_AD (PTE_A | PTE_D)      /* mask these when comparing entries */

#define PD_SHIFT 22
#define PT_SHIFT 12
#define ENTRIES 1024u
#define LARGE_PAGE_SIZE (1u << PD_SHIFT) /* 4 MiB */

static inline unsigned pd_index(uint32_t va)
{
	return va >> PD_SHIFT;
}

static inline unsigned pt_index(uint32_t va)
{
	return (va >> PT_SHIFT) & (ENTRIES - 1);
}

#endif
