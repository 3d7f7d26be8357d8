/* SPDX-License-Identifier: BSD-2-Clause */
/* Host-only helpers for tests: catching an expected panic; the simulated machine. */
#ifndef MMUKIT_HOSTED_H
#define MMUKIT_HOSTED_H

#include <setjmp.h>

#include <mmukit/ktest.h>

/*
 * The next mmk_panic longjmps to target instead of aborting (once). Use:
 *   jmp_buf jb; if (setjmp(jb) == 0) { hosted_catch_panic(&jb); call(); ... }
 */
void hosted_catch_panic(jmp_buf *target);
const char *hosted_last_panic(void);

/*
 * A simulated machine (hosted/<arch>/env.c) under the ktest environment of hosted/env.c,
 * which makes ktest_env_* of it: the facts of the machine and its CPU's side of a kernel
 * access. Binaries without a simulator get the plain PMM of hosted/env.c.
 */
struct hosted_sim {
	struct mmk_pmm *pmm;
	const struct mmk_memmap *map;
	struct mmk_mmu *mmu;
	mmk_vaddr_t kvm_base, kvm_top; /* the kernel's heap-up / MMIO-down window */
	/* The CPU translating a kernel access to the word at va: its host address, or NULL
	 * when the access faults. */
	void *(*translate)(mmk_vaddr_t va, bool write);
	/* Whether a leaf maps va in the active tables (the fault's "present"). */
	bool (*mapped)(mmk_vaddr_t va);
	/* What the trap code does before the handler (RISC-V's A/D update): true when that
	 * resolved the fault. NULL: nothing. */
	bool (*fix_fault)(mmk_vaddr_t va, unsigned access);
	unsigned (*stale_tlb_entries)(void); /* printed */
	bool (*ref_translate)(const struct mmk_mmu_space *space, mmk_vaddr_t va,
			      struct ktest_ref *out);
	unsigned (*freed_table_uses)(void);
};

/* The machine, booted at the first call; hosted/env.c's weak one says NULL (none). */
const struct hosted_sim *hosted_sim(void);

#endif
