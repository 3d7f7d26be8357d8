/* SPDX-License-Identifier: BSD-2-Clause */
/* Timing helpers for the host benchmarks. */
#ifndef MMUKIT_BENCH_UTIL_TIME_H
#define MMUKIT_BENCH_UTIL_TIME_H

#include <stdint.h>

/* Monotonic nanoseconds. */
uint64_t bench_now_ns(void);

/* The median of n values (sorts them in place). */
double bench_median(double *values, unsigned n);

#endif
