/* SPDX-License-Identifier: BSD-2-Clause */
/* Kernel formatting: the engine behind mmk_printf in the demo kernel. */
#ifndef MMUKIT_LIB_PRINTF_H
#define MMUKIT_LIB_PRINTF_H

#include <stdarg.h>
#include <stddef.h>

/* Formats fmt, passing each character to sink(c, ctx); returns the count. */
int format_to_sink(void (*sink)(char, void *), void *ctx, const char *fmt, va_list ap);
int mmk_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int mmk_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
