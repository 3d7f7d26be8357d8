/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The few C library functions the freestanding kernel needs (clang may also emit calls
 * to memset/memcpy for aggregates). Word-sized loops: byte string instructions are very
 * slow under QEMU TCG (zeroing 4 KiB byte by byte costs about seven times eight-byte stores).
 */
#include <stddef.h>
#include <stdint.h>

#include "string.h"

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	uintptr_t word = (unsigned char)c;
	word |= word << 8;
	word |= word << 16;
	if (sizeof(uintptr_t) == 8)
		word |= (word << 16) << 16;
	while (n > 0 && ((uintptr_t)d & (sizeof(uintptr_t) - 1))) {
		*d++ = (unsigned char)c;
		n--;
	}
	for (; n >= sizeof(uintptr_t); n -= sizeof(uintptr_t), d += sizeof(uintptr_t))
		*(uintptr_t *)(void *)d = word;
	while (n-- > 0)
		*d++ = (unsigned char)c;
	return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	if ((((uintptr_t)d | (uintptr_t)s) & (sizeof(uintptr_t) - 1)) == 0) {
		for (; n >= sizeof(uintptr_t); n -= sizeof(uintptr_t)) {
			*(uintptr_t *)(void *)d = *(const uintptr_t *)(const void *)s;
			d += sizeof(uintptr_t);
			s += sizeof(uintptr_t);
		}
	}
	while (n-- > 0)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	while (n-- > 0)
		d[n] = s[n];
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}
