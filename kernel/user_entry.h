/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * User mode pieces every machine shares (kernel/user_entry.c): a new thread's stack and
 * the trap frame's system-call registers from the machine's facts below, the kernel's
 * copies to and from the running process, and the probes kernel/proc_test.c uses to
 * check that the CPU keeps the kernel off user pages (SMEP/SMAP, PXN/PAN, SUM).
 */
#ifndef MMUKIT_KERNEL_USER_ENTRY_H
#define MMUKIT_KERNEL_USER_ENTRY_H

#include <mmukit/types.h>

/*
 * What a machine's user mode looks like to the portable code: arch/<arch>/user.c defines
 * arch_user_facts, and kernel/user_entry.c makes of it arch_thread_init,
 * arch_frame_copy, arch_frame_syscall, arch_frame_set_return, arch_elf_machine and
 * arch_elf_class (kernel/platform.h). Registers are uintptr_t wide in every trap frame.
 */
struct arch_user_facts {
	size_t frame_size;          /* the trap frame (arch/<arch>/trap.h) */
	size_t number;              /* byte offsets in it: the system-call number register, */
	size_t args[5];             /* its argument registers */
	size_t result;              /* and the one its result goes back in */
	unsigned switch_words;      /* words arch_switch loads below the frame (switch.S) */
	unsigned return_word;       /* which of them (lowest address first) it returns through */
	const char *trap_return;    /* restores the frame above and returns to user mode */
	unsigned elf_machine;       /* what exec accepts: ELF e_machine */
	unsigned elf_class;         /* and class (1: ELF32, 2: ELF64) */
};
extern const struct arch_user_facts arch_user_facts;

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
