/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The in-kernel stress run (make stress): random operations over the real MMU, kernel
 * window, heap, PMM, VAS and VM of a booted kernel, against a model, with every
 * invariant checked after each batch and every frame accounted for at the end; then
 * user processes (user/stress.c) doing the same from user mode. Selected by
 * "stress=N" on the kernel command line (N operations in all); "stress_rng=K" picks
 * the generator's start state (printed, so a failing run can be replayed exactly).
 *
 * kernel/stress.c: the boot word, the generator, checks, the KTAP suite "stress";
 * kernel/stress_kernel.c, stress_vm.c, stress_proc.c: the three phases.
 */
#ifndef MMUKIT_KERNEL_STRESS_H
#define MMUKIT_KERNEL_STRESS_H

#include <mmukit/types.h>

/* What the user phase hands each run of user/stress.c: a page at
 * STRESS_PARAMS_VA in the first process's space, mapped before it runs. */
#define STRESS_PARAMS_VA 0x200000u
#define STRESS_PARAMS_MAGIC 0x53545231u
struct stress_params {
	uint32_t magic;
	uint32_t ops;   /* operations of the first process (its children do fewer) */
	uint64_t start; /* its generator's start state */
};

/* True when the command line asks for a stress run (a "stress=N" word, N > 0). */
bool stress_requested(const char *cmdline);

/* Runs the "stress" suite; returns how many of its tests failed. */
unsigned stress_boot(void);

/* One phase's run: the generator, how far it got, and its first broken invariant. */
struct stress {
	const char *phase;
	uint64_t rng;
	uint64_t step;
	bool broken;
	unsigned traced;
	struct {
		uint64_t step;
		unsigned op;
		uint64_t a, b;
	} trace[16]; /* the last operations, printed with a broken invariant */
};

#define STRESS_BATCH 256 /* operations between two invariant checks */

void stress_begin(struct stress *s, const char *phase, unsigned phase_number);
uint64_t stress_random(struct stress *s);
unsigned stress_below(struct stress *s, unsigned n); /* in [0, n) */

/* Remembers operation op (with two arguments) for the report of a broken invariant. */
void stress_trace(struct stress *s, unsigned op, uint64_t a, uint64_t b);

/* Records a check; a failed one is reported (with the last operations) and marks the
 * phase broken, which ends its loop: what comes after a corruption proves nothing. */
bool stress_check(struct stress *s, bool ok, const char *what, const char *file, int line,
		  uint64_t a, uint64_t b);
#define STRESS_CHECK(s, cond, a, b)                                                   \
	stress_check((s), (cond), #cond, __FILE__, __LINE__, (uint64_t)(a), (uint64_t)(b))

/* Frames the PMM has free once the kernel heap gave back its kept empty slab pages,
 * less the kernel-half table pages made since start_tables (the kernel space keeps its
 * tables; they are not a leak). */
uint64_t stress_free_frames(uint64_t start_tables);

/* The phases: each runs ops operations (user: operations of the first process of each
 * program run) and returns its own frame balance check in s->broken. */
void stress_kernel_run(struct stress *s, uint64_t ops);
void stress_vm_run(struct stress *s, uint64_t ops);
void stress_proc_run(struct stress *s, uint64_t ops);

/* Brings up the process layer once (timer, kernel stack pool) before the user phase
 * counts frames; the frames the pool keeps for good. */
void stress_proc_setup(void);
uint64_t stress_proc_kept_frames(void);

#endif
