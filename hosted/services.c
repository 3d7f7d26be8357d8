/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The hosted build's services (include/mmukit/services.h) over the C library, and the
 * ktest environment for host test binaries: a simulated boot memory map shaped like
 * QEMU's and a PMM initialised from it, so the same tests that run on the kernel's real
 * map run here too.
 */
#include <stdio.h>
#include <stdlib.h>

#include <mmukit/ktest.h>
#include <mmukit/services.h>

#include "hosted.h"

int mmk_vprintf(const char *fmt, va_list ap)
{
	int n = vprintf(fmt, ap);
	fflush(stdout);
	return n;
}

int mmk_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = mmk_vprintf(fmt, ap);
	va_end(ap);
	return n;
}

static jmp_buf *panic_catcher;
static char panic_message[512];

_Noreturn void mmk_panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(panic_message, sizeof(panic_message), fmt, ap);
	va_end(ap);
	if (panic_catcher) {
		jmp_buf *target = panic_catcher;
		panic_catcher = NULL;
		longjmp(*target, 1);
	}
	fprintf(stdout, "\n# PANIC: %s\n", panic_message);
	fflush(stdout);
	abort();
}

void hosted_catch_panic(jmp_buf *target)
{
	panic_catcher = target;
}

const char *hosted_last_panic(void)
{
	return panic_message;
}

/* Bookkeeping memory for the VM-layer tests on the host (the kernel uses mmk_kmalloc). */
void *ktest_env_malloc(size_t size)
{
	return malloc(size);
}

int ktest_env_free(void *ptr)
{
	free(ptr);
	return 0;
}

unsigned ktest_scale(unsigned hosted_steps, unsigned kernel_steps)
{
	(void)kernel_steps;
	return hosted_steps;
}
