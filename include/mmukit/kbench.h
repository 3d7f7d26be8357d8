/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * In-kernel benchmarks: registered like tests, run only when the kernel is booted with
 * "bench" on its command line (make bench), never by make test. Each prints
 * "# bench <name>: <value> <unit>" lines. Under QEMU -icount shift=0 the cycle counter
 * counts guest instructions, identical from run to run.
 */
#ifndef MMUKIT_KBENCH_H
#define MMUKIT_KBENCH_H

#include <mmukit/types.h>

struct kbench_case {
	const char *name;
	void (*run)(void);
};

#define KBENCH(name)                                                            \
	static void kbench_fn_##name(void);                                     \
	static const struct kbench_case kbench_case_##name                      \
		__attribute__((used, section("kbench_cases"),                  \
			       aligned(sizeof(void *)))) = {#name, kbench_fn_##name}; \
	static void kbench_fn_##name(void)

/* Runs every registered benchmark; returns how many there were. */
unsigned kbench_run_all(void);

/* The machine's cycle counter (rdtsc; PMCCNTR on ARM). */
uint64_t arch_cycles(void);

#endif
