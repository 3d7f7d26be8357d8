/* arch/armv7/cpu.h's page zero and copy on the host (arch/armv7/page.S in the kernel). */
#include <string.h>

#include <mmukit/types.h>

#include "cpu.h"

void armv7_zero_page(void *page)
{
	memset(page, 0, MMK_PAGE_SIZE);
}

void armv7_copy_page(void *dst, const void *src)
{
	memcpy(dst, src, MMK_PAGE_SIZE);
}
