/* SPDX-License-Identifier: BSD-2-Clause */
/* Tests for the PVH start-info memory-map parser (firmware/pvh.c) on crafted data. */
#include <mmukit/errno.h>
#include <mmukit/ktest.h>

#include "firmware/pvh.h"

static struct mmk_memmap map;

/* QEMU's pc machine with 8 GiB: RAM below 3 GiB, the PCI hole, RAM from 4 GiB. */
static const struct hvm_memmap_entry qemu_8g[] = {
	{0x0, 0x9FC00, 1, 0},
	{0x9FC00, 0x400, 2, 0},
	{0xF0000, 0x10000, 2, 0},
	{0x100000, 0xBFEE0000, 1, 0},
	{0xBFFE0000, 0x20000, 2, 0},
	{0xFFFC0000, 0x40000, 2, 0},
	{0x100000000ull, 0x140000000ull, 1, 0},
	{0xFD00000000ull, 0x300000000ull, 2, 0},
};

static struct hvm_start_info start_info(uint32_t entries)
{
	return (struct hvm_start_info){.magic = MMK_PVH_START_MAGIC, .version = 1,
				       .memmap_entries = entries};
}

KTEST(pvh, qemu_8g_map_with_the_pci_hole)
{
	struct hvm_start_info si = start_info(MMK_ARRAY_SIZE(qemu_8g));
	mmk_memmap_init(&map);
	KASSERT_EQ(mmk_pvh_memmap(&si, qemu_8g, &map), 0);
	KEXPECT_EQ(map.count, 8);
	KEXPECT_EQ(mmk_memmap_total(&map, MMK_MEM_USABLE), 0x9FC00 + 0xBFEE0000 + 0x140000000ull);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 0xC0000000), 0); /* the hole */
	KEXPECT_EQ(mmk_memmap_type_at(&map, 0x23FFFFFFFull), MMK_MEM_USABLE);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 0xFD00000000ull), MMK_MEM_RESERVED);
}

KTEST(pvh, types_overlap_and_zero_size)
{
	static const struct hvm_memmap_entry e[] = {
		{0x0, 0x200000, 1, 0},
		{0x100000, 0x1000, 3, 0},  /* ACPI tables inside RAM */
		{0x101000, 0x1000, 4, 0},
		{0x102000, 0x1000, 5, 0},
		{0x103000, 0x1000, 17, 0}, /* unknown: reserved */
		{0x300000, 0, 1, 0},       /* zero size: ignored */
	};
	struct hvm_start_info si = start_info(MMK_ARRAY_SIZE(e));
	mmk_memmap_init(&map);
	KASSERT_EQ(mmk_pvh_memmap(&si, e, &map), 0);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 0x100000), MMK_MEM_ACPI_RECLAIM);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 0x101000), MMK_MEM_ACPI_NVS);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 0x102000), MMK_MEM_BAD);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 0x103000), MMK_MEM_RESERVED);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 0x104000), MMK_MEM_USABLE);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 0x300000), 0);
}

KTEST(pvh, bad_start_info_leaves_the_map_unchanged)
{
	struct hvm_start_info si = start_info(MMK_ARRAY_SIZE(qemu_8g));
	mmk_memmap_init(&map);
	mmk_memmap_add(&map, 0x1000, 0x1000, MMK_MEM_KERNEL);
	si.magic = 0x12345678;
	KEXPECT_EQ(mmk_pvh_memmap(&si, qemu_8g, &map), -MMK_EINVAL);
	si = start_info(MMK_ARRAY_SIZE(qemu_8g));
	si.version = 0;
	KEXPECT_EQ(mmk_pvh_memmap(&si, qemu_8g, &map), -MMK_EINVAL);
	si = start_info(0);
	KEXPECT_EQ(mmk_pvh_memmap(&si, qemu_8g, &map), -MMK_EINVAL);
	si = start_info(1);
	KEXPECT_EQ(mmk_pvh_memmap(&si, NULL, &map), -MMK_EINVAL);
	KEXPECT_EQ(map.count, 1);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 0x1000), MMK_MEM_KERNEL);
}

KTEST(pvh, unsorted_entries_give_the_same_map)
{
	static struct hvm_memmap_entry reversed[MMK_ARRAY_SIZE(qemu_8g)];
	static struct mmk_memmap sorted;
	unsigned n = MMK_ARRAY_SIZE(qemu_8g);
	for (unsigned i = 0; i < n; i++)
		reversed[i] = qemu_8g[n - 1 - i];
	struct hvm_start_info si = start_info(n);
	mmk_memmap_init(&sorted);
	mmk_memmap_init(&map);
	KASSERT_EQ(mmk_pvh_memmap(&si, qemu_8g, &sorted), 0);
	KASSERT_EQ(mmk_pvh_memmap(&si, reversed, &map), 0);
	KASSERT_EQ(map.count, sorted.count);
	for (unsigned i = 0; i < map.count; i++) {
		KEXPECT_EQ(map.range[i].base, sorted.range[i].base);
		KEXPECT_EQ(map.range[i].size, sorted.range[i].size);
		KEXPECT_EQ(map.range[i].type, sorted.range[i].type);
	}
}

KTEST(pvh, reservations_already_in_the_map_keep_their_type)
{
	struct hvm_start_info si = start_info(MMK_ARRAY_SIZE(qemu_8g));
	mmk_memmap_init(&map);
	KASSERT_EQ(mmk_memmap_add(&map, 0x100000, 0x80000, MMK_MEM_KERNEL), 0);
	KASSERT_EQ(mmk_pvh_memmap(&si, qemu_8g, &map), 0);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 0x17FFFF), MMK_MEM_KERNEL);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 0x180000), MMK_MEM_USABLE);
	KEXPECT_EQ(mmk_memmap_total(&map, MMK_MEM_KERNEL), 0x80000);
}

KTEST(pvh, too_many_ranges_fails_with_enospc_and_changes_nothing)
{
	/* Disjoint, non-adjacent entries: each one would be a range of its own. */
	static struct hvm_memmap_entry many[MMK_MEMMAP_MAX + 1];
	for (unsigned i = 0; i < MMK_ARRAY_SIZE(many); i++)
		many[i] = (struct hvm_memmap_entry){0x200000ull * i, 0x1000, 1, 0};
	struct hvm_start_info si = start_info(MMK_ARRAY_SIZE(many));
	mmk_memmap_init(&map);
	KASSERT_EQ(mmk_memmap_add(&map, 0x1000, 0x1000, MMK_MEM_KERNEL), 0);
	KEXPECT_EQ(mmk_pvh_memmap(&si, many, &map), -MMK_ENOSPC);
	KEXPECT_EQ(map.count, 1);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 0x1000), MMK_MEM_KERNEL);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 0x200000), 0);
}
