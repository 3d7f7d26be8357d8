/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The services the portable code needs from whoever embeds it: printing, panic and
 * assertions. The demo kernel implements them over its serial console (kernel/), the
 * hosted build over the C library (hosted/). Nothing else is assumed: portable code
 * includes no libc header but the freestanding ones.
 */
#ifndef MMUKIT_SERVICES_H
#define MMUKIT_SERVICES_H

#include <stdarg.h>

/* printf subset: %d %i %u %x %X %p %s %c %% with l, ll, z and a width/zero pad. */
int mmk_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int mmk_vprintf(const char *fmt, va_list ap);

/* Stops everything with a message. Reserved for broken invariants, never bad input. */
_Noreturn void mmk_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* An invariant of mmukit's own; a broken one is a bug and panics with where and what. */
#define MMK_ASSERT(cond)                                                        \
	do {                                                                    \
		if (!(cond))                                                    \
			mmk_panic("assertion failed at %s:%d: %s", __FILE__,   \
				  __LINE__, #cond);                             \
	} while (0)

#endif
