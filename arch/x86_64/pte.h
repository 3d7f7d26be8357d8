/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * x86_64 4-level paging: every bit the backend uses. Intel SDM Vol 3A 4.5 "4-level
 * paging", tables 4-15 (PML4E), 4-16/4-17 (PDPTE of a 1 GiB page / of a directory),
 * 4-18/4-19 (PDE of a 2 MiB page / of a table), 4-20 (PTE). A linear address splits
 * 9/9/9/9/12; bits 63:48 repeat bit 47 (canonical).
 */
#ifndef MMUKIT_ARCH_X86_64_PTE_H
#define MMUKIT_ARCH_X86_64_PTE_H

#include <stdint.h>

typedef uint64_t pte_t;

#define PTE_P 0x001ull
#define PTE_RW 0x002ull
#define PTE_US 0x004ull
#define PTE_PWT 0x008ull
#define PTE_PCD 0x010ull
#define PTE_A 0x020ull
#define PTE_D 0x040ull
#define PTE_PS 0x080ull      /* in a PDPTE or PDE: a 1 GiB or 2 MiB page */
#define PTE_G 0x100ull
#define PTE_NX (1ull << 63) /* needs EFER.NXE */
#define PTE_FRAME 0x000FFFFFFFFFF000ull
#define PTE_AD (PTE_A | PTE_D)

#define LEVELS 4            /* 3 = PML4, 2 = PDPT, 1 = PD, 0 = PT */
#define ENTRIES 512u

static inline unsigned level_shift(unsigned level)
{
	return 12 + 9 * level;
}

static inline unsigned level_index(uint64_t va, unsigned level)
{
	return (unsigned)((va >> level_shift(level)) & (ENTRIES - 1));
}

#endif
