/* SPDX-License-Identifier: BSD-2-Clause */
/* The user library (user/lib/ulib.h). */
#include <stdarg.h>

#include "ulib.h"

int check_failures;

_Noreturn void exit(int status)
{
	sys_call(SYS_EXIT, status, 0, 0, 0);
	for (;;)
		;
}

long write(const void *buf, size_t len)
{
	return sys_call(SYS_WRITE, (long)buf, (long)len, 0, 0);
}

int getpid(void)
{
	return (int)sys_call(SYS_GETPID, 0, 0, 0, 0);
}

int fork(void)
{
	return (int)sys_call(SYS_FORK, 0, 0, 0, 0);
}

int exec(const char *name)
{
	return (int)sys_call(SYS_EXEC, (long)name, 0, 0, 0);
}

int wait(int *status)
{
	return (int)sys_call(SYS_WAIT, (long)status, 0, 0, 0);
}

void yield(void)
{
	sys_call(SYS_YIELD, 0, 0, 0, 0);
}

void *sbrk(long increment)
{
	return (void *)sys_call(SYS_SBRK, increment, 0, 0, 0);
}

long mmap(size_t bytes, int prot)
{
	return mmap_at(0, bytes, prot, 0);
}

long mmap_at(void *addr, size_t len, int prot, int flags)
{
	return sys_call(SYS_MMAP, (long)addr, (long)len, prot, flags);
}

int munmap(void *addr, size_t len)
{
	return (int)sys_call(SYS_MUNMAP, (long)addr, (long)len, 0, 0);
}

int mprotect(void *addr, size_t len, int prot)
{
	return (int)sys_call(SYS_MPROTECT, (long)addr, (long)len, prot, 0);
}

uintptr_t kernel_address(int which)
{
	return (uintptr_t)sys_call(SYS_KADDR, which, 0, 0, 0);
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

void *memset(void *d, int c, size_t n)
{
	unsigned char *p = d;
	while (n--)
		*p++ = (unsigned char)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *p = d;
	const unsigned char *q = s;
	while (n--)
		*p++ = *q++;
	return d;
}

int run_child(int (*fn)(void))
{
	int pid = fork();
	if (pid == 0)
		exit(fn());
	if (pid < 0)
		return pid;
	int status = -1;
	if (wait(&status) != pid)
		return -1;
	return status;
}

/* printf: %d %u %x %p %s %c %%, with an l or ll size; output buffered per call. */
struct out {
	char buf[256];
	size_t n;
};

static void put(struct out *o, char c)
{
	if (o->n == sizeof(o->buf)) {
		write(o->buf, o->n);
		o->n = 0;
	}
	o->buf[o->n++] = c;
}

/* *v /= base, returning the remainder, bit by bit: 32-bit machines have no 64-bit divide. */
static unsigned divide(unsigned long long *v, unsigned base)
{
	unsigned long long q = 0, r = 0;
	for (int i = 63; i >= 0; i--) {
		r = r << 1 | ((*v >> i) & 1);
		if (r >= base) {
			r -= base;
			q |= 1ull << i;
		}
	}
	*v = q;
	return (unsigned)r;
}

static void put_number(struct out *o, unsigned long long v, unsigned base, bool negative)
{
	char digits[24];
	int n = 0;
	do
		digits[n++] = "0123456789abcdef"[divide(&v, base)];
	while (v);
	if (negative)
		put(o, '-');
	while (n)
		put(o, digits[--n]);
}

int printf(const char *fmt, ...)
{
	struct out o = {.n = 0};
	va_list ap;
	va_start(ap, fmt);
	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			put(&o, *p);
			continue;
		}
		int longs = 0;
		while (*++p == 'l')
			longs++;
		switch (*p) {
		case 'd': {
			long long v = longs ? va_arg(ap, long long) : va_arg(ap, int);
			put_number(&o, v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v, 10, v < 0);
			break;
		}
		case 'u':
		case 'x': {
			unsigned long long v = longs ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned);
			put_number(&o, v, *p == 'x' ? 16 : 10, false);
			break;
		}
		case 'p':
			put(&o, '0');
			put(&o, 'x');
			put_number(&o, (uintptr_t)va_arg(ap, void *), 16, false);
			break;
		case 's':
			for (const char *s = va_arg(ap, const char *); *s; s++)
				put(&o, *s);
			break;
		case 'c':
			put(&o, (char)va_arg(ap, int));
			break;
		case '\0':
			p--;
			break;
		default:
			put(&o, *p);
		}
	}
	va_end(ap);
	write(o.buf, o.n);
	return (int)o.n;
}
