/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * User mode pieces every machine shares (kernel/user_entry.c): the kernel's copies to and
 * from the running process, and the probes kernel/proc_test.c uses to check that the CPU
 * keeps the kernel off user pages (SMEP/SMAP, PXN/PAN, SUM).
 */
#ifndef MMUKIT_KERNEL_USER_ENTRY_H
#define MMUKIT_KERNEL_USER_ENTRY_H

#include <mmukit/types.h>

/*
 * Calls user address va as a function from kernel mode. Returns -MMK_EFAULT when the
 * instruction fetch faulted (SMEP, PXN, RISC-V's U bit), 0 when the code ran and
 * returned. Only for a machine whose arch_user_exec_guarded() says true.
 */
int kernel_exec_probe(mmk_vaddr_t va);

/* For the trap code: true when a kernel instruction fetch fault at pc is the probe's (it
 * is then marked failed); the trap code resumes at the probe's return address. */
bool kernel_exec_probe_fault(uintptr_t pc);

/* True when the CPU refuses kernel instruction fetches from user pages (weak default:
 * false). */
bool arch_user_exec_guarded(void);

/* A plain kernel load of the 32-bit word at va, as any kernel code would make it (no
 * window opened): 0, or -MMK_EFAULT when it faulted. Weak default: ktest_env_access,
 * which is such a load everywhere but RISC-V (its probe sets sstatus.SUM). */
int arch_kernel_load(mmk_vaddr_t va, uint32_t *value);

#endif
