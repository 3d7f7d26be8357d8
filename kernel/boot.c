/* Helpers every boot uses to build its boot_info (kernel/platform.h). */
#include <mmukit/services.h>

#include "platform.h"

void boot_reserve(struct boot_info *boot, paddr_t base, psize_t size, unsigned type)
{
	if (memmap_add(&boot->memmap, base, size, type) != 0)
		mmk_panic("boot: memory map full reserving 0x%llx", (unsigned long long)base);
}

psize_t boot_string_size(paddr_t pa)
{
	const char *s = arch_phys_to_virt(pa);
	psize_t n = 0;
	while (s[n])
		n++;
	return n + 1;
}
