/* SPDX-License-Identifier: BSD-2-Clause */
/* Helpers every boot uses to build its boot_info (kernel/platform.h). */
#include <mmukit/services.h>

#include "platform.h"

void boot_reserve(struct boot_info *boot, mmk_paddr_t base, mmk_psize_t size, unsigned type)
{
	if (mmk_memmap_add(&boot->memmap, base, size, type) != 0)
		mmk_panic("boot: memory map full reserving 0x%llx", (unsigned long long)base);
}

mmk_psize_t boot_string_size(mmk_paddr_t pa)
{
	const char *s = arch_phys_to_virt(pa);
	mmk_psize_t n = 0;
	while (s[n])
		n++;
	return n + 1;
}
