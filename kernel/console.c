/* SPDX-License-Identifier: BSD-2-Clause */
/* The services portable code needs (include/mmukit/services.h), over the serial console. */
#include <mmukit/services.h>

#include "platform.h"
#include "printf.h"

static void console_sink(char c, void *ctx)
{
	(void)ctx;
	if (c == '\n')
		arch_console_putc('\r');
	arch_console_putc(c);
}

int mmk_vprintf(const char *fmt, va_list ap)
{
	return format_to_sink(console_sink, NULL, fmt, ap);
}

int mmk_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = mmk_vprintf(fmt, ap);
	va_end(ap);
	return n;
}

_Noreturn void mmk_panic(const char *fmt, ...)
{
	va_list ap;
	mmk_printf("\nPANIC: ");
	va_start(ap, fmt);
	mmk_vprintf(fmt, ap);
	va_end(ap);
	mmk_printf("\n");
	/* No "Bail out!": it would stop prove's other test files too. The plan printed
	 * first no longer matches, and the exit status says failure. */
	arch_exit(3);
}
