/* SPDX-License-Identifier: BSD-2-Clause */
/* Tests for the multiboot 1 memory-map parser (firmware/multiboot.c) on crafted data. */
#include <mmukit/errno.h>
#include <mmukit/ktest.h>

#include "firmware/multiboot.h"

static uint8_t mmap_buf[256];
static uint32_t mmap_len;
static struct mmk_memmap map;

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Appends an entry {size, base, length, type} with the given size field. */
static void add_entry(uint32_t size, uint64_t base, uint64_t length, uint32_t type)
{
	uint8_t *e = mmap_buf + mmap_len;
	put32(e, size);
	put32(e + 4, (uint32_t)base);
	put32(e + 8, (uint32_t)(base >> 32));
	put32(e + 12, (uint32_t)length);
	put32(e + 16, (uint32_t)(length >> 32));
	put32(e + 20, type);
	mmap_len += size + 4;
}

static struct multiboot_info with_mmap(void)
{
	return (struct multiboot_info){.flags = MMK_MULTIBOOT_INFO_MMAP | MMK_MULTIBOOT_INFO_MEMORY,
				       .mem_lower = 639, .mem_upper = 1024,
				       .mmap_length = mmap_len};
}

KTEST(multiboot, qemu_like_map)
{
	mmap_len = 0;
	add_entry(20, 0x0, 0x9FC00, 1);
	add_entry(20, 0x9FC00, 0x400, 2);
	add_entry(20, 0xF0000, 0x10000, 2);
	add_entry(20, 0x100000, 0x7EE0000, 1);
	add_entry(20, 0x7FE0000, 0x20000, 2);
	add_entry(20, 0xFFFC0000, 0x40000, 2);
	add_entry(20, 0x100000000ull, 0x80000000ull, 1); /* above 4 GiB */
	struct multiboot_info mbi = with_mmap();
	mmk_memmap_init(&map);
	KASSERT_EQ(mmk_multiboot_memmap(&mbi, mmap_buf, mmap_len, &map), 0);
	KEXPECT_EQ(map.count, 7);
	KEXPECT_EQ(mmk_memmap_total(&map, MMK_MEM_USABLE), 0x9FC00 + 0x7EE0000 + 0x80000000ull);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 0x9FC00), MMK_MEM_RESERVED);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 0x17FFFFFFFull), MMK_MEM_USABLE);
}

KTEST(multiboot, types_overlaps_zero_length_and_larger_entries)
{
	mmap_len = 0;
	add_entry(20, 0x0, 0x100000, 1);
	add_entry(20, 0x80000, 0x1000, 5);   /* bad RAM inside usable: bad wins */
	add_entry(20, 0x200000, 0x1000, 3);  /* ACPI reclaimable */
	add_entry(24, 0x300000, 0x1000, 4);  /* ACPI NVS, with 4 extra bytes (ACPI 3 attrs) */
	add_entry(20, 0x400000, 0x1000, 99); /* unknown: reserved */
	add_entry(20, 0x500000, 0, 1);       /* zero length: ignored */
	struct multiboot_info mbi = with_mmap();
	mmk_memmap_init(&map);
	KASSERT_EQ(mmk_multiboot_memmap(&mbi, mmap_buf, mmap_len, &map), 0);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 0x80000), MMK_MEM_BAD);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 0x81000), MMK_MEM_USABLE);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 0x200000), MMK_MEM_ACPI_RECLAIM);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 0x300000), MMK_MEM_ACPI_NVS);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 0x400000), MMK_MEM_RESERVED);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 0x500000), 0);
}

KTEST(multiboot, malformed_entries_leave_the_map_unchanged)
{
	struct multiboot_info mbi;
	mmk_memmap_init(&map);
	mmk_memmap_add(&map, 0x1000, 0x1000, MMK_MEM_KERNEL);

	mmap_len = 0;
	add_entry(20, 0x0, 0x100000, 1);
	add_entry(12, 0x200000, 0x1000, 1); /* size field too small */
	mbi = with_mmap();
	KEXPECT_EQ(mmk_multiboot_memmap(&mbi, mmap_buf, mmap_len, &map), -MMK_EINVAL);

	mmap_len = 0;
	add_entry(20, 0x0, 0x100000, 1);
	mbi = with_mmap();
	KEXPECT_EQ(mmk_multiboot_memmap(&mbi, mmap_buf, mmap_len - 1, &map), -MMK_EINVAL);
	mbi.flags = 0;
	KEXPECT_EQ(mmk_multiboot_memmap(&mbi, mmap_buf, mmap_len, &map), -MMK_EINVAL);

	mmap_len = 0;
	add_entry(20, 0x0, 0x100000, 1);
	add_entry(20, 0x200000, 0x1000, 1);
	put32(mmap_buf + 24, 0xFFFFFFFFu); /* size + 4 would wrap a 32-bit offset */
	mbi = with_mmap();
	KEXPECT_EQ(mmk_multiboot_memmap(&mbi, mmap_buf, mmap_len, &map), -MMK_EINVAL);

	KEXPECT_EQ(map.count, 1);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 0x1000), MMK_MEM_KERNEL);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 0x0), 0);
}

KTEST(multiboot, falls_back_to_mem_lower_and_mem_upper)
{
	struct multiboot_info mbi = {.flags = MMK_MULTIBOOT_INFO_MEMORY, .mem_lower = 640,
				     .mem_upper = 15360};
	mmk_memmap_init(&map);
	KASSERT_EQ(mmk_multiboot_memmap(&mbi, NULL, 0, &map), 0);
	KEXPECT_EQ(map.count, 2);
	KEXPECT_EQ(mmk_memmap_total(&map, MMK_MEM_USABLE), (640 + 15360) * 1024ull);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 16 * MMK_MIB - 1), MMK_MEM_USABLE);
	KEXPECT_EQ(mmk_memmap_type_at(&map, 0xA0000), 0);
}
