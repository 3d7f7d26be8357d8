/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A small vprintf for the kernel: %d %i %u %x %X %p %s %c %% with the h/l/ll/z length
 * modifiers, a field width, '-' (left-justify) and '0' (zero pad). Output goes through a
 * per-call character sink, so the same code formats to the console or to a buffer.
 * 64-bit values are converted without 64-bit division (ARM and i386 have no libgcc).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "printf.h"

struct spec {
	bool left;
	bool zero;
	unsigned width;
	int length; /* 0 int, 1 long, 2 long long, 3 size_t */
};

/* Divides *n by 10 with shifts and subtractions; returns the remainder. */
static unsigned divmod10(uint64_t *n)
{
	uint64_t q = (*n >> 1) + (*n >> 2);
	q += q >> 4;
	q += q >> 8;
	q += q >> 16;
	q += q >> 32;
	q >>= 3;
	uint64_t r = *n - q * 10;
	while (r >= 10) {
		q++;
		r -= 10;
	}
	*n = q;
	return (unsigned)r;
}

static unsigned to_digits(uint64_t v, unsigned base, bool upper, char *buf)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	unsigned n = 0;
	do {
		unsigned d;
		if (base == 16) {
			d = v & 15;
			v >>= 4;
		} else {
			d = divmod10(&v);
		}
		buf[n++] = digits[d];
	} while (v);
	return n; /* reversed */
}

static void pad(void (*sink)(char, void *), void *ctx, unsigned count, char c, int *out)
{
	while (count-- > 0) {
		sink(c, ctx);
		(*out)++;
	}
}

static void emit_number(void (*sink)(char, void *), void *ctx, const struct spec *sp,
			uint64_t v, bool negative, unsigned base, bool upper, int *out)
{
	char buf[24];
	unsigned n = to_digits(v, base, upper, buf);
	unsigned len = n + (negative ? 1 : 0);
	unsigned fill = sp->width > len ? sp->width - len : 0;
	if (!sp->left && !sp->zero)
		pad(sink, ctx, fill, ' ', out);
	if (negative) {
		sink('-', ctx);
		(*out)++;
	}
	if (!sp->left && sp->zero)
		pad(sink, ctx, fill, '0', out);
	while (n > 0) {
		sink(buf[--n], ctx);
		(*out)++;
	}
	if (sp->left)
		pad(sink, ctx, fill, ' ', out);
}

static void emit_string(void (*sink)(char, void *), void *ctx, const struct spec *sp,
			const char *s, int *out)
{
	unsigned len = 0;
	if (!s)
		s = "(null)";
	while (s[len])
		len++;
	unsigned fill = sp->width > len ? sp->width - len : 0;
	if (!sp->left)
		pad(sink, ctx, fill, ' ', out);
	for (unsigned i = 0; i < len; i++) {
		sink(s[i], ctx);
		(*out)++;
	}
	if (sp->left)
		pad(sink, ctx, fill, ' ', out);
}

static uint64_t take_unsigned(va_list *ap, int length)
{
	switch (length) {
	case 1: return va_arg(*ap, unsigned long);
	case 2: return va_arg(*ap, unsigned long long);
	case 3: return va_arg(*ap, size_t);
	default: return va_arg(*ap, unsigned int);
	}
}

static int64_t take_signed(va_list *ap, int length)
{
	switch (length) {
	case 1: return va_arg(*ap, long);
	case 2: return va_arg(*ap, long long);
	case 3: return (int64_t)va_arg(*ap, size_t);
	default: return va_arg(*ap, int);
	}
}

static const char *parse_spec(const char *f, struct spec *sp)
{
	*sp = (struct spec){0};
	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '0')
			sp->zero = true;
		else
			break;
	}
	while (*f >= '0' && *f <= '9')
		sp->width = sp->width * 10 + (unsigned)(*f++ - '0');
	while (*f == 'l' || *f == 'z' || *f == 'h') {
		if (*f == 'l')
			sp->length++;
		else if (*f == 'z')
			sp->length = 3;
		f++;
	}
	return f;
}

int format_to_sink(void (*sink)(char, void *), void *ctx, const char *fmt, va_list ap_in)
{
	va_list ap;
	int out = 0;
	va_copy(ap, ap_in);
	for (const char *f = fmt; *f; f++) {
		if (*f != '%') {
			sink(*f, ctx);
			out++;
			continue;
		}
		struct spec sp;
		f = parse_spec(f + 1, &sp);
		switch (*f) {
		case 'd':
		case 'i': {
			int64_t v = take_signed(&ap, sp.length);
			uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
			emit_number(sink, ctx, &sp, mag, v < 0, 10, false, &out);
			break;
		}
		case 'u':
			emit_number(sink, ctx, &sp, take_unsigned(&ap, sp.length), false, 10, false, &out);
			break;
		case 'x':
		case 'X':
			emit_number(sink, ctx, &sp, take_unsigned(&ap, sp.length), false, 16,
				    *f == 'X', &out);
			break;
		case 'p':
			emit_string(sink, ctx, &(struct spec){0}, "0x", &out);
			sp.zero = true;
			sp.width = sizeof(void *) * 2;
			emit_number(sink, ctx, &sp, (uintptr_t)va_arg(ap, void *), false, 16, false, &out);
			break;
		case 's':
			emit_string(sink, ctx, &sp, va_arg(ap, const char *), &out);
			break;
		case 'c':
			sink((char)va_arg(ap, int), ctx);
			out++;
			break;
		case '%':
			sink('%', ctx);
			out++;
			break;
		case '\0':
			f--;
			break;
		default:
			sink('%', ctx);
			sink(*f, ctx);
			out += 2;
			break;
		}
	}
	va_end(ap);
	return out;
}

struct buffer_sink {
	char *buf;
	size_t size;
	size_t used;
};

static void buffer_put(char c, void *ctx)
{
	struct buffer_sink *b = ctx;
	if (b->used + 1 < b->size)
		b->buf[b->used] = c;
	b->used++;
}

int mmk_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct buffer_sink b = {buf, size, 0};
	int n = format_to_sink(buffer_put, &b, fmt, ap);
	if (size > 0)
		buf[b.used < size ? b.used : size - 1] = '\0';
	return n;
}

int mmk_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = mmk_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
