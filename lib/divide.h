/* SPDX-License-Identifier: BSD-2-Clause */
/* 64-bit division without compiler-rt (lib/divide.c). */
#ifndef MMUKIT_LIB_DIVIDE_H
#define MMUKIT_LIB_DIVIDE_H

#include <stdint.h>

/* n / d, and n % d in *rem when rem is not NULL. d must not be 0. */
uint64_t mmk_udivmod64(uint64_t n, uint64_t d, uint64_t *rem);
/* Signed, rounding toward zero as C does. */
int64_t mmk_sdivmod64(int64_t n, int64_t d, int64_t *rem);

#endif
