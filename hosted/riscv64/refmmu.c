/* SPDX-License-Identifier: BSD-2-Clause */
/* The reference RISC-V page walk (RISC-V privileged spec 4.3.2, 4.4, 4.5). */
#include <mmukit/services.h>

#include "refmmu.h"

/* PTE fields, figure 4.18 (Sv39) / 4.21 (Sv48): the same layout. */
#define V 0x01u
#define R 0x02u
#define W 0x04u
#define X 0x08u
#define U 0x10u
#define G 0x20u
#define A 0x40u
#define D 0x80u
#define PPN_SHIFT 10
#define PPN_BITS 44
#define RESERVED_HIGH 0xFFC0000000000000ull /* bits 63:54: reserved without extensions */

static uint64_t load(const uint8_t *ram, uint64_t base, uint64_t size, uint64_t pa)
{
	if (pa < base || pa + 8 > base + size)
		mmk_panic("reference MMU: entry at 0x%llx is outside RAM", (unsigned long long)pa);
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | ram[pa - base + (uint64_t)i];
	return v;
}

static uint64_t ppn(uint64_t pte)
{
	return (pte >> PPN_SHIFT) & ((1ull << PPN_BITS) - 1);
}

/* va must be sign-extended from its top translated bit (4.4.1, 4.5.1). */
static bool canonical(uint64_t va, unsigned va_bits)
{
	uint64_t top = va >> (va_bits - 1);
	return top == 0 || top == (~0ull >> (va_bits - 1));
}

bool rvref_walk(const uint8_t *ram, uint64_t ram_base, uint64_t ram_size, uint64_t satp,
		uint64_t va, struct rvref_translation *out)
{
	unsigned mode = (unsigned)(satp >> 60), levels;
	*out = (struct rvref_translation){0};
	if (mode == 8)
		levels = 3;
	else if (mode == 9)
		levels = 4;
	else
		return false;
	*out = (struct rvref_translation){0};
	if (!canonical(va, 12 + 9 * levels))
		return false;
	/* Step 1: a = satp.ppn * PAGESIZE, i = LEVELS - 1. */
	uint64_t a = (satp & ((1ull << PPN_BITS) - 1)) << 12;
	bool global = false;
	for (int i = (int)levels - 1; i >= 0; i--) {
		/* Step 2: pte = a + va.vpn[i] * PTESIZE. */
		uint64_t pte_pa = a + ((va >> (12 + 9 * i)) & 511) * 8;
		uint64_t pte = load(ram, ram_base, ram_size, pte_pa);
		/* Step 3: invalid, W without R, or reserved bits set. */
		if (!(pte & V) || ((pte & W) && !(pte & R)) || (pte & RESERVED_HIGH))
			return false;
		global = global || (pte & G);
		/* Step 4: R = X = 0 points to the next level. */
		if (!(pte & (R | X))) {
			if (i == 0 || (pte & (D | A | U)))
				return false; /* no leaf at the last level; D/A/U reserved in tables */
			out->table_pa[out->tables] = ppn(pte) << 12;
			out->table_pte_pa[out->tables] = pte_pa;
			out->table_global[out->tables] = global;
			out->tables++;
			a = ppn(pte) << 12;
			continue;
		}
		/* Step 6: a superpage's low PPN fields must be zero. */
		uint64_t size = 1ull << (12 + 9 * i);
		uint64_t frame = ppn(pte) << 12;
		if (frame & (size - 1))
			return false;
		/* Step 8: the low bits of the address come from va. */
		out->pa = frame | (va & (size - 1));
		out->page_size = size;
		out->level = (unsigned)i;
		out->pte = pte;
		out->pte_pa = pte_pa;
		out->r = pte & R;
		out->w = pte & W;
		out->x = pte & X;
		out->u = pte & U;
		out->a = pte & A;
		out->d = pte & D;
		out->global = global;
		return true;
	}
	return false;
}

/* Step 5, with SUM and MXR (4.1.1.2). */
bool rvref_allows(const struct rvref_translation *t, unsigned access, bool user, bool sum,
		  bool mxr)
{
	if (user && !t->u)
		return false;
	if (!user && t->u && (access == RVREF_EXEC || !sum))
		return false;
	switch (access) {
	case RVREF_READ:
		return t->r || (mxr && t->x);
	case RVREF_WRITE:
		return t->w;
	default:
		return t->x;
	}
}

bool rvref_needs_ad(const struct rvref_translation *t, unsigned access)
{
	return !t->a || (access == RVREF_WRITE && !t->d);
}
