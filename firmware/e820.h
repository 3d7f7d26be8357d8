/* SPDX-License-Identifier: BSD-2-Clause */
/* E820 memory types (ACPI spec 6.5, 15.1 "Address Range Types"), shared by multiboot and PVH. */
#ifndef MMUKIT_FIRMWARE_E820_H
#define MMUKIT_FIRMWARE_E820_H

#include <mmukit/memmap.h>

static inline unsigned e820_type_to_mmk(uint32_t type)
{
	switch (type) {
	case 1: return MMK_MEM_USABLE;
	case 3: return MMK_MEM_ACPI_RECLAIM;
	case 4: return MMK_MEM_ACPI_NVS;
	case 5: return MMK_MEM_BAD;
	default: return MMK_MEM_RESERVED;
	}
}

#endif
