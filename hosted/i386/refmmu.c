/* SPDX-License-Identifier: BSD-2-Clause */
/* The reference i386 page walk (SDM Vol 3A 4.3, tables 4-4 to 4-6). */
#include <stdlib.h>

#include <mmukit/services.h>

#include "refmmu.h"

static uint32_t read_entry(const uint8_t *ram, uint64_t ram_size, uint64_t pa)
{
	if (pa + 4 > ram_size)
		mmk_panic("reference MMU: entry at 0x%llx is outside RAM", (unsigned long long)pa);
	return (uint32_t)ram[pa] | (uint32_t)ram[pa + 1] << 8 | (uint32_t)ram[pa + 2] << 16 |
	       (uint32_t)ram[pa + 3] << 24;
}

bool ref_walk(const uint8_t *ram, uint64_t ram_size, uint32_t cr3, bool pse, uint32_t va,
	      struct ref_translation *out)
{
	/* CR3 bits 31:12 locate the directory; va bits 31:22 select the PDE. */
	uint64_t pde_pa = (cr3 & 0xFFFFF000u) + ((va >> 22) << 2);
	uint32_t pde = read_entry(ram, ram_size, pde_pa);
	if (!(pde & 1))
		return false;
	if (pse && (pde & 0x80)) {
		/* 4 MiB page: bits 31:22 of the PDE are bits 31:22 of the frame. */
		out->pa = (pde & 0xFFC00000u) | (va & 0x003FFFFFu);
		out->page_size = 4u << 20;
		out->writable = pde & 2;
		out->user = pde & 4;
		out->global = pde & 0x100;
		out->leaf = pde;
		return true;
	}
	/* Page table: PDE bits 31:12; va bits 21:12 select the PTE. */
	uint64_t pte_pa = (pde & 0xFFFFF000u) + (((va >> 12) & 0x3FFu) << 2);
	uint32_t pte = read_entry(ram, ram_size, pte_pa);
	if (!(pte & 1))
		return false;
	out->pa = (pte & 0xFFFFF000u) | (va & 0xFFFu);
	out->page_size = 4096;
	out->writable = (pde & 2) && (pte & 2);
	out->user = (pde & 4) && (pte & 4);
	out->global = pte & 0x100;
	out->leaf = pte;
	return true;
}
