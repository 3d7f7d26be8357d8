/* SPDX-License-Identifier: BSD-2-Clause */
/* The ARM EABI memory helpers clang may call (RTABI 4.3.4), over the user library's. */
#include "../../lib/ulib.h"

void __aeabi_memcpy(void *d, const void *s, size_t n);
void __aeabi_memcpy4(void *d, const void *s, size_t n);
void __aeabi_memset(void *d, size_t n, int c);
void __aeabi_memclr(void *d, size_t n);
void __aeabi_memclr4(void *d, size_t n);
void __aeabi_memclr8(void *d, size_t n);
void __aeabi_memcpy8(void *d, const void *s, size_t n);

void __aeabi_memcpy(void *d, const void *s, size_t n)
{
	memcpy(d, s, n);
}

void __aeabi_memcpy4(void *d, const void *s, size_t n)
{
	memcpy(d, s, n);
}

void __aeabi_memset(void *d, size_t n, int c)
{
	memset(d, c, n);
}

void __aeabi_memclr(void *d, size_t n)
{
	memset(d, 0, n);
}

void __aeabi_memclr4(void *d, size_t n)
{
	memset(d, 0, n);
}

void __aeabi_memclr8(void *d, size_t n)
{
	memset(d, 0, n);
}

void __aeabi_memcpy8(void *d, const void *s, size_t n)
{
	memcpy(d, s, n);
}
