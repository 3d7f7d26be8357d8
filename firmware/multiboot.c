/* SPDX-License-Identifier: BSD-2-Clause */
/* Multiboot 1 memory information to the portable memory map (spec 3.3). */
#include <mmukit/errno.h>

#include "firmware/bytes.h"
#include "firmware/e820.h"
#include "firmware/multiboot.h"

#define MMAP_ENTRY_MIN 20 /* base (8) + length (8) + type (4), after the size field */

static int add_mmap_entries(const uint8_t *mmap, uint32_t length, struct mmk_memmap *map)
{
	uint32_t offset = 0;
	while (offset < length) {
		if (length - offset < 4)
			return -MMK_EINVAL;
		uint32_t size = read_le32(mmap + offset);
		if (size < MMAP_ENTRY_MIN || size > length - offset - 4)
			return -MMK_EINVAL;
		const uint8_t *e = mmap + offset + 4;
		uint64_t base = read_le64(e), len = read_le64(e + 8);
		int err = mmk_memmap_add(map, base, len, e820_type_to_mmk(read_le32(e + 16)));
		if (err)
			return err;
		offset += size + 4;
	}
	return 0;
}

int mmk_multiboot_memmap(const struct multiboot_info *mbi, const void *mmap,
		     uint32_t mmap_length, struct mmk_memmap *out)
{
	static struct mmk_memmap scratch;
	int err;

	scratch = *out;
	if (mbi->flags & MMK_MULTIBOOT_INFO_MMAP) {
		err = add_mmap_entries(mmap, mmap_length, &scratch);
	} else if (mbi->flags & MMK_MULTIBOOT_INFO_MEMORY) {
		err = mmk_memmap_add(&scratch, 0, (uint64_t)mbi->mem_lower * 1024, MMK_MEM_USABLE);
		if (!err)
			err = mmk_memmap_add(&scratch, MMK_MIB, (uint64_t)mbi->mem_upper * 1024,
					 MMK_MEM_USABLE);
	} else {
		err = -MMK_EINVAL;
	}
	if (err)
		return err;
	*out = scratch;
	return 0;
}
