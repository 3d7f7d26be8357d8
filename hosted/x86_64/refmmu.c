/* SPDX-License-Identifier: BSD-2-Clause */
/* The reference x86_64 page walk (SDM Vol 3A 4.5). */
#include <mmukit/services.h>

#include "refmmu.h"

static uint64_t read_entry(const uint8_t *ram, uint64_t ram_size, uint64_t pa)
{
	if (pa + 8 > ram_size)
		mmk_panic("reference MMU: entry at 0x%llx is outside RAM", (unsigned long long)pa);
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | ram[pa + (uint64_t)i];
	return v;
}

bool ref64_walk(const uint8_t *ram, uint64_t ram_size, uint64_t cr3, bool nxe, uint64_t va,
		struct ref64_translation *out)
{
	/* Canonical: bits 63:47 all equal (SDM Vol 1 3.3.7.1). */
	uint64_t top = va >> 47;
	if (top != 0 && top != 0x1FFFF)
		return false;
	const uint64_t addr_mask = 0x000FFFFFFFFFF000ull;
	uint64_t table = cr3 & addr_mask;
	bool writable = true, user = true, executable = true;
	/* Levels from the PML4 (bits 47:39) down to the page table (bits 20:12). */
	for (int level = 3; level >= 0; level--) {
		unsigned shift = 12 + 9 * (unsigned)level;
		uint64_t entry = read_entry(ram, ram_size, table + ((va >> shift) & 511) * 8);
		if (!(entry & 1))
			return false;
		writable = writable && (entry & 2);
		user = user && (entry & 4);
		executable = executable && !(nxe && (entry >> 63));
		/* PS in a PDPTE (1 GiB) or a PDE (2 MiB) makes it the leaf; level 0 always is. */
		bool leaf = level == 0 || ((level == 1 || level == 2) && (entry & 0x80));
		if (leaf) {
			uint64_t size = 1ull << shift;
			out->pa = (entry & addr_mask & ~(size - 1)) | (va & (size - 1));
			out->page_size = size;
			out->writable = writable;
			out->user = user;
			out->executable = executable;
			out->global = entry & 0x100;
			return true;
		}
		table = entry & addr_mask;
	}
	return false;
}
