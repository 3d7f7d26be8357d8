/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The link check of the installed library (make lib-check): every public header
 * included on its own terms, and the only definitions a kernel must give the archive -
 * the services of <mmukit/services.h> and memset/memcpy. Linked with the whole archive,
 * so any other undefined symbol fails the check. Never run.
 */
#include <mmukit/asid.h>
#include <mmukit/errno.h>
#include <mmukit/fault.h>
#include <mmukit/kbench.h>
#include <mmukit/kheap.h>
#include <mmukit/kvm.h>
#include <mmukit/memmap.h>
#include <mmukit/mmu.h>
#include <mmukit/pmm.h>
#include <mmukit/pt.h>
#include <mmukit/services.h>
#include <mmukit/types.h>
#include <mmukit/uaccess.h>
#include <mmukit/vas.h>
#include <mmukit/vm.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

int mmk_vprintf(const char *fmt, va_list ap)
{
	return 0;
}

int mmk_printf(const char *fmt, ...)
{
	return 0;
}

_Noreturn void mmk_panic(const char *fmt, ...)
{
	for (;;)
		;
}
