/* SPDX-License-Identifier: BSD-2-Clause */
/* PVH start info memory map to the portable memory map. */
#include <mmukit/errno.h>

#include "firmware/e820.h"
#include "firmware/pvh.h"

int mmk_pvh_memmap(const struct hvm_start_info *si, const struct hvm_memmap_entry *entries,
	       struct mmk_memmap *out)
{
	static struct mmk_memmap scratch;
	if (si->magic != MMK_PVH_START_MAGIC || si->version < 1 || si->memmap_entries == 0 ||
	    entries == NULL)
		return -MMK_EINVAL;
	scratch = *out;
	for (uint32_t i = 0; i < si->memmap_entries; i++) {
		int err = mmk_memmap_add(&scratch, entries[i].addr, entries[i].size,
				     e820_type_to_mmk(entries[i].type));
		if (err)
			return err;
	}
	*out = scratch;
	return 0;
}
