/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The user library of the demo kernel's programs: system-call wrappers (user/lib/sys.h),
 * a small printf to the console, and the memory functions clang may call. Errors come
 * back as -MMK_E* (include/mmukit/errno.h).
 */
#ifndef MMUKIT_USER_ULIB_H
#define MMUKIT_USER_ULIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mmukit/errno.h>
#include "sys.h"

/* The machine's trap into the kernel (user/arch/<arch>/syscall.S). */
long sys_call(long number, long a, long b, long c, long d);

_Noreturn void exit(int status);
long write(const void *buf, size_t len);
int getpid(void);
int fork(void);
int exec(const char *name);
int wait(int *status);
void yield(void);
void *sbrk(long increment);         /* a page multiple; (void *)-errno on error */
long mmap(size_t bytes, int prot);  /* private anonymous memory anywhere: address or -errno */
long mmap_at(void *addr, size_t len, int prot, int flags); /* SYS_MAP_*: address or -errno */
int munmap(void *addr, size_t len);
int mprotect(void *addr, size_t len, int prot);
uintptr_t kernel_address(int which); /* SYS_KADDR */

/* A cycle counter readable in user mode (guest instructions under QEMU -icount shift=0). */
unsigned long long cycles(void);

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
size_t strlen(const char *s);
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);

/* A child that runs fn and exits with its result; returns the child's wait status. */
int run_child(int (*fn)(void));

/* Checks: prints the failure and counts it. */
extern int check_failures;
#define CHECK(c) ((c) ? (void)0 : (void)(check_failures++, printf("check failed at line %d: %s\n", __LINE__, #c)))

#endif
