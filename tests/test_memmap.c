/* SPDX-License-Identifier: BSD-2-Clause */
/* Tests for the portable physical memory map (core/memmap.c). */
#include <mmukit/errno.h>
#include <mmukit/ktest.h>
#include <mmukit/memmap.h>

static struct mmk_memmap map;

static bool range_is(unsigned i, mmk_paddr_t base, mmk_psize_t size, unsigned type)
{
	return i < map.count && map.range[i].base == base && map.range[i].size == size &&
	       map.range[i].type == type;
}

/* True when the ranges are sorted, disjoint, non-empty and adjacent equal types merged. */
static bool map_well_formed(const struct mmk_memmap *m)
{
	for (unsigned i = 0; i < m->count; i++) {
		if (m->range[i].size == 0)
			return false;
		if (i == 0)
			continue;
		const struct mmk_memrange *p = &m->range[i - 1];
		mmk_paddr_t prev_last = p->base + (p->size - 1);
		if (prev_last >= m->range[i].base)
			return false;
		if (prev_last + 1 == m->range[i].base && p->type == m->range[i].type)
			return false;
	}
	return true;
}

KTEST(memmap, add_keeps_ranges_sorted_and_merged)
{
	mmk_memmap_init(&map);
	KASSERT_EQ(mmk_memmap_add(&map, 0x200000, 0x100000, MMK_MEM_USABLE), 0);
	KASSERT_EQ(mmk_memmap_add(&map, 0x0, 0x100000, MMK_MEM_USABLE), 0);
	KASSERT_EQ(mmk_memmap_add(&map, 0x100000, 0x100000, MMK_MEM_USABLE), 0);
	KEXPECT_EQ(map.count, 1);
	KEXPECT_TRUE(range_is(0, 0, 0x300000, MMK_MEM_USABLE));
	KEXPECT_TRUE(map_well_formed(&map));
}

KTEST(memmap, overlap_takes_the_more_restrictive_type)
{
	mmk_memmap_init(&map);
	KASSERT_EQ(mmk_memmap_add(&map, 0x1000, 0x9000, MMK_MEM_RESERVED), 0);
	KASSERT_EQ(mmk_memmap_add(&map, 0x0, 0x20000, MMK_MEM_USABLE), 0);
	KEXPECT_EQ(map.count, 3);
	KEXPECT_TRUE(range_is(0, 0x0, 0x1000, MMK_MEM_USABLE));
	KEXPECT_TRUE(range_is(1, 0x1000, 0x9000, MMK_MEM_RESERVED));
	KEXPECT_TRUE(range_is(2, 0xA000, 0x16000, MMK_MEM_USABLE));
	KEXPECT_TRUE(map_well_formed(&map));
}

KTEST(memmap, set_forces_the_type)
{
	mmk_memmap_init(&map);
	KASSERT_EQ(mmk_memmap_add(&map, 0x0, 0x10000, MMK_MEM_RESERVED), 0);
	KASSERT_EQ(mmk_memmap_set(&map, 0x4000, 0x1000, MMK_MEM_USABLE), 0);
	KEXPECT_EQ(map.count, 3);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 0x4000), MMK_MEM_USABLE);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 0x5000), MMK_MEM_RESERVED);
	KEXPECT_TRUE(map_well_formed(&map));
}

KTEST(memmap, retype_changes_only_the_named_type)
{
	mmk_memmap_init(&map);
	KASSERT_EQ(mmk_memmap_add(&map, 0x0, 6 * MMK_GIB, MMK_MEM_USABLE), 0);
	KASSERT_EQ(mmk_memmap_add(&map, 5 * MMK_GIB, MMK_MIB, MMK_MEM_RESERVED), 0);
	KASSERT_EQ(mmk_memmap_retype(&map, 4 * MMK_GIB, UINT64_MAX - 4 * MMK_GIB,
				 MMK_MEM_USABLE, MMK_MEM_UNREACHABLE), 0);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 4 * MMK_GIB - 1), MMK_MEM_USABLE);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 4 * MMK_GIB), MMK_MEM_UNREACHABLE);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 5 * MMK_GIB), MMK_MEM_RESERVED);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 6 * MMK_GIB - 1), MMK_MEM_UNREACHABLE);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 6 * MMK_GIB), 0);
	KEXPECT_EQ(mmk_memmap_total(&map, MMK_MEM_USABLE), 4 * MMK_GIB);
	KEXPECT_TRUE(map_well_formed(&map));
}

KTEST(memmap, range_reaching_the_top_of_the_address_space)
{
	mmk_memmap_init(&map);
	KASSERT_EQ(mmk_memmap_add(&map, UINT64_MAX - 0xFFF, 0x1000, MMK_MEM_RESERVED), 0);
	KASSERT_EQ(mmk_memmap_add(&map, UINT64_MAX - 0x1FFF, UINT64_MAX, MMK_MEM_USABLE), 0);
	KEXPECT_EQ(map.count, 2);
	KEXPECT_EQ(mmk_memmap_type_at(&map, UINT64_MAX), MMK_MEM_RESERVED);
	KEXPECT_EQ(mmk_memmap_type_at(&map, UINT64_MAX - 0x1FFF), MMK_MEM_USABLE);
	KEXPECT_TRUE(map_well_formed(&map));
}

KTEST(memmap, bad_input_changes_nothing)
{
	mmk_memmap_init(&map);
	KASSERT_EQ(mmk_memmap_add(&map, 0x0, 0x10000, MMK_MEM_USABLE), 0);
	KEXPECT_EQ(mmk_memmap_add(&map, 0x0, 0x1000, 0), -MMK_EINVAL);
	KEXPECT_EQ(mmk_memmap_add(&map, 0x0, 0x1000, MMK_MEM_TYPE_MAX + 1), -MMK_EINVAL);
	KEXPECT_EQ(mmk_memmap_retype(&map, 0x0, 0x1000, 99, MMK_MEM_BAD), -MMK_EINVAL);
	KEXPECT_EQ(mmk_memmap_add(&map, 0x5000, 0, MMK_MEM_BAD), 0);
	KEXPECT_EQ(map.count, 1);
	KEXPECT_TRUE(range_is(0, 0, 0x10000, MMK_MEM_USABLE));
}

KTEST(memmap, full_map_refuses_and_is_unchanged)
{
	mmk_memmap_init(&map);
	/* Alternate types so nothing merges: MMK_MEMMAP_MAX ranges exactly. */
	for (unsigned i = 0; i < MMK_MEMMAP_MAX; i++)
		KASSERT_EQ(mmk_memmap_add(&map, (mmk_paddr_t)i * 0x2000, 0x1000,
				      i % 2 ? MMK_MEM_USABLE : MMK_MEM_RESERVED), 0);
	KASSERT_EQ(map.count, MMK_MEMMAP_MAX);
	struct mmk_memrange last = map.range[MMK_MEMMAP_MAX - 1];
	KEXPECT_EQ(mmk_memmap_add(&map, 0x1000000, 0x1000, MMK_MEM_BAD), -MMK_ENOSPC);
	/* Splitting a range in the middle needs two more entries. */
	KEXPECT_EQ(mmk_memmap_set(&map, 0x2400, 0x100, MMK_MEM_BAD), -MMK_ENOSPC);
	KEXPECT_EQ(map.count, MMK_MEMMAP_MAX);
	KEXPECT_EQ(map.range[MMK_MEMMAP_MAX - 1].base, last.base);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 0x2400), MMK_MEM_USABLE);
	/* Filling a gap with the neighbours' type merges and needs no entry. */
	KEXPECT_EQ(mmk_memmap_add(&map, 0x1000, 0x1000, MMK_MEM_RESERVED), 0);
	KEXPECT_TRUE(map_well_formed(&map));
}

KTEST(memmap, total_and_type_at)
{
	mmk_memmap_init(&map);
	KASSERT_EQ(mmk_memmap_add(&map, 0x0, 0x9FC00, MMK_MEM_USABLE), 0);
	KASSERT_EQ(mmk_memmap_add(&map, 0x9FC00, 0x400, MMK_MEM_RESERVED), 0);
	KASSERT_EQ(mmk_memmap_add(&map, 0x100000, 0x7EE0000, MMK_MEM_USABLE), 0);
	KEXPECT_EQ(mmk_memmap_total(&map, MMK_MEM_USABLE), 0x9FC00 + 0x7EE0000);
	KEXPECT_EQ(mmk_memmap_total(&map, MMK_MEM_RESERVED), 0x400);
	KEXPECT_EQ(mmk_memmap_total(&map, MMK_MEM_BAD), 0);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 0xA0000), 0);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 0x9FFFF), MMK_MEM_RESERVED);
}

KTEST(memmap, find_usable_respects_alignment_and_limit)
{
	mmk_paddr_t pa = 0;
	mmk_memmap_init(&map);
	KASSERT_EQ(mmk_memmap_add(&map, 0x800, 0x2000, MMK_MEM_USABLE), 0);   /* one whole page */
	KASSERT_EQ(mmk_memmap_add(&map, 0x100000, 0x400000, MMK_MEM_USABLE), 0);
	KEXPECT_EQ(mmk_memmap_find_usable(&map, 0x1000, UINT64_MAX, &pa), 0);
	KEXPECT_EQ(pa, 0x1000);
	KEXPECT_EQ(mmk_memmap_find_usable(&map, 0x2000, UINT64_MAX, &pa), 0);
	KEXPECT_EQ(pa, 0x100000);
	KEXPECT_EQ(mmk_memmap_find_usable(&map, 0x200000, 0x200000, &pa), -MMK_ENOMEM);
	KEXPECT_EQ(mmk_memmap_find_usable(&map, 0x100000, 0x200000, &pa), 0);
	KEXPECT_EQ(mmk_memmap_find_usable(&map, 0x500000, UINT64_MAX, &pa), -MMK_ENOMEM);
	KEXPECT_EQ(mmk_memmap_find_usable(&map, 0, UINT64_MAX, &pa), -MMK_EINVAL);
}

KTEST(memmap, type_names)
{
	KEXPECT_EQ(mmk_memmap_type_name(MMK_MEM_USABLE)[0], 'u');
	KEXPECT_EQ(mmk_memmap_type_name(MMK_MEM_KERNEL)[0], 'k');
	KEXPECT_EQ(mmk_memmap_type_name(0)[0], '?');
	KEXPECT_EQ(mmk_memmap_type_name(MMK_MEM_TYPE_MAX + 1)[0], '?');
	for (unsigned t = MMK_MEM_USABLE; t <= MMK_MEM_TYPE_MAX; t++)
		KEXPECT_NE(mmk_memmap_type_name(t)[0], '?');
}

/* A seeded random sequence of adds, checked against a per-page model of the types. */
KTEST(memmap, random_adds_match_a_page_model)
{
	enum { PAGES = 64 };
	unsigned char model[PAGES] = {0};
	uint64_t seed = 0x9E3779B97F4A7C15ull;
	unsigned steps = ktest_scale(4000, 400);
	unsigned mismatches = 0;

	mmk_memmap_init(&map);
	for (unsigned s = 0; s < steps; s++) {
		ktest_random(&seed);
		unsigned first = seed % PAGES, len = 1 + (seed >> 8) % 8;
		unsigned type = 1 + (seed >> 16) % MMK_MEM_TYPE_MAX;
		int mode = (seed >> 24) % 3;
		int err;
		if (first + len > PAGES)
			len = PAGES - first;
		if (mode == 0)
			err = mmk_memmap_add(&map, first * 0x1000ull, len * 0x1000ull, type);
		else if (mode == 1)
			err = mmk_memmap_set(&map, first * 0x1000ull, len * 0x1000ull, type);
		else
			err = mmk_memmap_retype(&map, first * 0x1000ull, len * 0x1000ull,
					    MMK_MEM_USABLE, type);
		if (err) {
			mismatches++;
			continue;
		}
		for (unsigned p = first; p < first + len; p++) {
			if (mode == 0 && type > model[p])
				model[p] = (unsigned char)type;
			else if (mode == 1)
				model[p] = (unsigned char)type;
			else if (mode == 2 && model[p] == MMK_MEM_USABLE)
				model[p] = (unsigned char)type;
		}
		for (unsigned p = 0; p < PAGES; p++)
			if (mmk_memmap_type_at(&map, p * 0x1000ull) != model[p] ||
			    mmk_memmap_type_at(&map, p * 0x1000ull + 0xFFF) != model[p])
				mismatches++;
		if (!map_well_formed(&map))
			mismatches++;
	}
	KEXPECT_EQ(mismatches, 0);
}
