/* SPDX-License-Identifier: BSD-2-Clause */
/* The reference VMSAv8-64 stage 1 walk (ARM ARM D8.2, D8.3, D8.4). */
#include <stddef.h>

#include <mmukit/services.h>

#include "refmmu.h"

#define ADDR_MASK 0x0000FFFFFFFFF000ull /* OA bits 47:12 of a table / page descriptor */

/* The descriptor at pa, or NULL outside RAM (an external abort on the walk: a fault). */
static uint64_t *entry_at(const struct refa64_ram *mem, uint64_t pa)
{
	if (pa < mem->base || pa + 8 > mem->base + mem->size || (pa & 7))
		return NULL;
	return (uint64_t *)(void *)(mem->ram + (pa - mem->base));
}

/* Index bits of va at level: 47:39, 38:30, 29:21, 20:12 (D8.2.6, 4 KiB granule). */
static unsigned index_at(uint64_t va, unsigned level)
{
	return (unsigned)(va >> (39 - 9 * level)) & 511;
}

/* Stage 1 lower and upper attributes of a block or page (D8.3.2). */
static void decode_leaf(uint64_t d, struct refa64_translation *t)
{
	unsigned ap = (unsigned)(d >> 6) & 3; /* AP[2:1] */
	t->descriptor = d;
	t->attr_index = (unsigned)(d >> 2) & 7;
	t->priv_write = !(ap & 2);
	t->user_read = ap & 1;
	t->user_write = ap == 1;
	t->user_exec = !(d & (1ull << 54));
	/* EL1 cannot execute what EL0 may write (D8.4.3) */
	t->priv_exec = !(d & (1ull << 53)) && !t->user_write;
	t->global = !(d & (1ull << 11));
	t->dbm = d & (1ull << 51);
}

/* Looks up va from the table at table_pa, level by level; fills the leaf. */
static enum refa64_fault walk_from(const struct refa64_ram *mem, const struct refa64_regs *regs,
				   uint64_t table_pa, unsigned level, uint64_t va,
				   struct refa64_translation *out)
{
	for (;; level++) {
		out->level = level;
		out->leaf_table = table_pa;
		uint64_t *slot = entry_at(mem, table_pa + 8ull * index_at(va, level));
		if (!slot)
			return REFA64_TRANSLATION;
		uint64_t d = *slot;
		if (!(d & 1))
			return REFA64_TRANSLATION;
		bool table = (d & 2) != 0;
		if (level < 3 && table) {
			table_pa = d & ADDR_MASK;
			continue;
		}
		/* level 0 has no blocks; at level 3, 0b01 is reserved (D8.3.1) */
		if (level == 0 || (level == 3 && !table))
			return REFA64_TRANSLATION;
		if (!(d & (1ull << 10))) { /* AF */
			if (!regs->hardware_af)
				return REFA64_ACCESS_FLAG;
			d |= 1ull << 10;
			*slot = d;
		}
		uint64_t size = 1ull << (39 - 9 * level);
		out->page_size = size;
		out->pa = (d & ADDR_MASK & ~(size - 1)) | (va & (size - 1));
		decode_leaf(d, out);
		return REFA64_OK;
	}
}

enum refa64_fault refa64_walk(const struct refa64_ram *mem, const struct refa64_regs *regs,
			      uint64_t va, struct refa64_translation *out)
{
	*out = (struct refa64_translation){0};
	uint64_t top = va >> 48;
	if (top != 0 && top != 0xFFFF)
		return REFA64_TRANSLATION;
	out->from_ttbr1 = top == 0xFFFF;
	uint64_t root = (out->from_ttbr1 ? regs->ttbr1 : regs->ttbr0) & ADDR_MASK;
	return walk_from(mem, regs, root, 0, va, out);
}

enum refa64_fault refa64_walk_last(const struct refa64_ram *mem, const struct refa64_regs *regs,
				   uint64_t table_pa, uint64_t va, struct refa64_translation *out)
{
	*out = (struct refa64_translation){0};
	out->from_ttbr1 = (va >> 48) == 0xFFFF;
	return walk_from(mem, regs, table_pa, 3, va, out);
}
