/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mmukit basic types.
 *
 * Physical addresses are 64-bit on every machine (an i386 or ARMv7 board can report
 * RAM above 4 GiB even if the kernel cannot reach it). Virtual addresses and sizes are
 * pointer-sized. Convert between the two only through named functions (the PMM's
 * window, an MMU backend's phys_to_virt), never by casting.
 */
#ifndef MMUKIT_TYPES_H
#define MMUKIT_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t mmk_paddr_t;  /* a physical address */
typedef uint64_t mmk_psize_t;  /* a size in physical address space */
typedef uintptr_t mmk_vaddr_t; /* a virtual address */
typedef uintptr_t mmk_vsize_t; /* a size in virtual address space */

#define MMK_PAGE_SHIFT 12
#define MMK_PAGE_SIZE ((mmk_vsize_t)1 << MMK_PAGE_SHIFT)
#define MMK_KIB ((uint64_t)1024)
#define MMK_MIB (1024 * MMK_KIB)
#define MMK_GIB (1024 * MMK_MIB)

static inline bool mmk_is_aligned(uint64_t value, uint64_t align)
{
	return (value & (align - 1)) == 0;
}

static inline uint64_t mmk_align_down(uint64_t value, uint64_t align)
{
	return value & ~(align - 1);
}

/* Rounds up; returns 0 when the result would not fit in 64 bits. */
static inline uint64_t mmk_align_up(uint64_t value, uint64_t align)
{
	if (value > UINT64_MAX - (align - 1))
		return 0;
	return (value + align - 1) & ~(align - 1);
}

#define MMK_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
