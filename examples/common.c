/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What every example kernel gives mmukit (docs/embedding.md, "What your kernel
 * provides"): memset/memcpy and the services of <mmukit/services.h> - a printf that
 * understands what mmukit prints with (flags and widths are parsed, then ignored:
 * enough for reports), and a panic that stops the machine with a failure.
 */
#include <mmukit/services.h>
#include <stddef.h>
#include <stdint.h>

#include "example.h"

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

void example_puts(const char *s)
{
	while (*s)
		example_putc(*s++);
}

/* v / base, with the remainder: bit by bit, so 32-bit machines need no division helper. */
static unsigned long long divide(unsigned long long v, unsigned base, unsigned *rem)
{
	unsigned long long q = 0, r = 0;

	for (int bit = 63; bit >= 0; bit--) {
		r = (r << 1) | ((v >> bit) & 1);
		if (r >= base) {
			r -= base;
			q |= 1ull << bit;
		}
	}
	*rem = (unsigned)r;
	return q;
}

static void put_unsigned(unsigned long long v, unsigned base)
{
	char buf[24];
	unsigned digit;
	int i = 0;

	do {
		v = divide(v, base, &digit);
		buf[i++] = "0123456789abcdef"[digit];
	} while (v);
	while (i)
		example_putc(buf[--i]);
}

/* The argument of one conversion, by its length modifier (none, l, ll, z). */
static unsigned long long get_arg(va_list *ap, int longs, int is_signed, int *negative)
{
	long long s;

	*negative = 0;
	if (!is_signed) {
		if (longs == 2)
			return va_arg(*ap, unsigned long long);
		if (longs == 1)
			return va_arg(*ap, unsigned long);
		return va_arg(*ap, unsigned int);
	}
	s = longs == 2 ? va_arg(*ap, long long) : longs == 1 ? va_arg(*ap, long) : va_arg(*ap, int);
	if (s < 0) {
		*negative = 1;
		return 0ull - (unsigned long long)s;
	}
	return (unsigned long long)s;
}

int mmk_vprintf(const char *fmt, va_list ap)
{
	va_list args;
	int negative;

	va_copy(args, ap);
	for (; *fmt; fmt++) {
		int longs = 0;

		if (*fmt != '%') {
			example_putc(*fmt);
			continue;
		}
		fmt++;
		while (*fmt == '-' || *fmt == '0' || (*fmt >= '1' && *fmt <= '9'))
			fmt++; /* flags and width: ignored */
		for (; *fmt == 'l' || *fmt == 'z'; fmt++)
			longs += *fmt == 'z' ? (sizeof(size_t) > 4 ? 2 : 0) : 1;
		switch (*fmt) {
		case 'd':
		case 'i': {
			unsigned long long v = get_arg(&args, longs, 1, &negative);
			if (negative)
				example_putc('-');
			put_unsigned(v, 10);
			break;
		}
		case 'u':
			put_unsigned(get_arg(&args, longs, 0, &negative), 10);
			break;
		case 'x':
		case 'X':
			put_unsigned(get_arg(&args, longs, 0, &negative), 16);
			break;
		case 'p':
			example_puts("0x");
			put_unsigned((uintptr_t)va_arg(args, void *), 16);
			break;
		case 's':
			example_puts(va_arg(args, const char *));
			break;
		case 'c':
			example_putc((char)va_arg(args, int));
			break;
		case '\0':
			fmt--;
			break;
		default:
			example_putc(*fmt);
		}
	}
	va_end(args);
	return 0;
}

int mmk_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mmk_vprintf(fmt, ap);
	va_end(ap);
	return 0;
}

_Noreturn void mmk_panic(const char *fmt, ...)
{
	va_list ap;

	example_puts("\nexample: panic: ");
	va_start(ap, fmt);
	mmk_vprintf(fmt, ap);
	va_end(ap);
	example_puts("\n");
	example_exit(1);
}
