/* SPDX-License-Identifier: BSD-2-Clause */
/* The reference VMSAv7 short-descriptor walk (ARM ARM B3.5.1, B3.7.1). */
#include <mmukit/services.h>

#include "refmmu.h"

static uint32_t read32(const uint8_t *ram, uint64_t base, uint64_t size, uint64_t pa)
{
	if (pa < base || pa + 4 > base + size)
		mmk_panic("reference MMU: descriptor at 0x%llx is outside RAM", (unsigned long long)pa);
	const uint8_t *p = ram + (pa - base);
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* AP[2:0] with SCTLR.AFE = 0 (table B3-8). */
static void permissions(unsigned ap, struct refarm_translation *t)
{
	switch (ap) {
	case 1: t->priv_write = true; break;                                   /* priv RW */
	case 2: t->priv_write = true; t->user_read = true; break;               /* priv RW, user RO */
	case 3: t->priv_write = true; t->user_read = t->user_write = true; break;
	case 5: break;                                                          /* priv RO */
	case 6: case 7: t->user_read = true; break;                             /* RO both */
	default: break;                                                         /* no access */
	}
}

uint32_t refarm_l1(const uint8_t *ram, uint64_t ram_base, uint64_t ram_size, uint32_t ttbr0,
		   uint32_t ttbr1, uint32_t va)
{
	/* TTBCR.N = 1: VA[31] = 0 selects TTBR0 (table base bits 31:13), else TTBR1 (31:14). */
	uint32_t table = (va & 0x80000000u) ? (ttbr1 & 0xFFFFC000u) : (ttbr0 & 0xFFFFE000u);
	return read32(ram, ram_base, ram_size, table + (va >> 20) * 4);
}

bool refarm_walk_from(const uint8_t *ram, uint64_t ram_base, uint64_t ram_size, uint32_t l1,
		      uint32_t va, struct refarm_translation *out)
{
	*out = (struct refarm_translation){0};
	unsigned ap;
	switch (l1 & 3) {
	case 2: /* section (bit 18 clear; supersections are not used) */
	case 3: /* the same with PXN (bit 0) */
		if (l1 & (1u << 18))
			return false;
		out->pa = (l1 & 0xFFF00000u) | (va & 0xFFFFFu);
		out->page_size = 1u << 20;
		ap = (l1 >> 10 & 3) | (l1 >> 15 & 1) << 2;
		out->executable = !(l1 & (1u << 4));
		out->global = !(l1 & (1u << 17));
		break;
	case 1: { /* second-level table: bits 31:10 */
		uint32_t l2 = read32(ram, ram_base, ram_size, (l1 & 0xFFFFFC00u) + ((va >> 12) & 0xFF) * 4);
		if (l2 & 2) { /* small page */
			out->pa = (l2 & 0xFFFFF000u) | (va & 0xFFFu);
			out->page_size = 1u << 12;
			out->executable = !(l2 & 1);
		} else if ((l2 & 3) == 1) { /* large page */
			out->pa = (l2 & 0xFFFF0000u) | (va & 0xFFFFu);
			out->page_size = 1u << 16;
			out->executable = !(l2 & (1u << 15));
		} else {
			return false;
		}
		ap = (l2 >> 4 & 3) | (l2 >> 9 & 1) << 2;
		out->global = !(l2 & (1u << 11));
		break;
	}
	default:
		return false;
	}
	permissions(ap, out);
	return true;
}

bool refarm_walk(const uint8_t *ram, uint64_t ram_base, uint64_t ram_size, uint32_t ttbr0,
		 uint32_t ttbr1, uint32_t va, struct refarm_translation *out)
{
	uint32_t l1 = refarm_l1(ram, ram_base, ram_size, ttbr0, ttbr1, va);
	return refarm_walk_from(ram, ram_base, ram_size, l1, va, out);
}
