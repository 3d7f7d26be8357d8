/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The demo kernel's processes: a fixed table, one VM space each, kernel stacks with guard
 * pages, round-robin scheduling preempted by the machine's timer, and the system calls of
 * user/lib/sys.h. Portable: what the machine does is behind kernel/platform.h.
 *
 * The scheduler runs on the stack of whoever called proc_run (the boot thread); it
 * switches to a runnable process's kernel stack, and a process comes back to it when it
 * yields, blocks in wait, is preempted or exits. A process's kernel context stays on
 * its kernel stack while it is switched out (a process blocked in wait is inside the
 * system call). Processes whose parent is the kernel (spawned by proc_spawn, or
 * orphaned) are reaped by proc_run, which keeps their exit status for proc_status.
 */
#ifndef MMUKIT_KERNEL_PROC_H
#define MMUKIT_KERNEL_PROC_H

#include <mmukit/kvm.h>
#include <mmukit/vm.h>

#include "platform.h"

#define PROC_MAX 32
#define PROC_KSTACK_PAGES 4
#define PROC_NAME_MAX 16
#define PROC_STACK_SIZE (64 * 1024)  /* user stack, above a one-page guard */
#define PROC_STACK_GAP (1024 * 1024) /* its top lies this far below the user half's end */
#define PROC_HZ 100

enum proc_state { PROC_FREE, PROC_RUNNABLE, PROC_WAITING, PROC_ZOMBIE };

struct proc {
	int pid;
	enum proc_state state;
	int parent;                    /* pid of the parent; 0: the kernel */
	int status;                    /* exit status (user/lib/sys.h encoding) */
	char name[PROC_NAME_MAX];
	struct mmk_vm_space spaces[2]; /* the current space, and the one exec builds */
	struct mmk_vm_space *space;    /* NULL before the first exec and after exit */
	void *root;                    /* its root table's kernel address (mmk_mmu_root_pointer) */
	struct mmk_kvm_pages *kstack;  /* from the pool, guard page below */
	uintptr_t kstack_top;
	uintptr_t context;             /* saved kernel stack pointer while switched out */
	struct arch_frame *frame;      /* user registers, at the top of the kernel stack */
	mmk_vaddr_t brk_base, brk;     /* sbrk's area: [brk_base, brk) is mapped */
	mmk_vaddr_t mmap_base;         /* where mmap without an address looks first */
	bool line_start;               /* write: the next byte starts a console line */
};

/* The process layer over the kernel's MMU and window: kernel stacks, the copy window. */
int proc_init(void);

/* A process running program name, its parent the kernel. Returns its pid or -MMK_E*. */
int proc_spawn(const char *name);

/* Runs processes until none is left. Returns 0, or -MMK_ESTATE when the live ones all
 * wait (which cannot happen: a waiting process has a child that is alive). */
int proc_run(void);

/* Runs processes until process pid has ended and left the table (the kernel reaped it,
 * or its parent did); the others stay as they are, to run again at the next call.
 * Returns 0, or -MMK_ESTATE when pid cannot end (every live process waits). */
int proc_run_until(int pid);

/* Ends process pid, which is not running, as if it had exited with status: a zombie for
 * its parent, or reaped at once when its parent is the kernel; its children become the
 * kernel's. Returns 0, -MMK_ENOENT (no such process) or -MMK_ESTATE (it has ended, or
 * it is the running one). */
int proc_kill(int pid, int status);

/* The status proc_kill gives a process killed by the kernel on request (the SYS_KILLED
 * encoding of user/lib/sys.h, reason 3). */
#define PROC_KILLED_ON_REQUEST (0x100 | 3)

/* The process with pid, or the one in table slot i (i < PROC_MAX), in any state but
 * free; NULL when there is none. */
struct proc *proc_find(int pid);
struct proc *proc_slot(unsigned i);

/* The exit status of a process the kernel reaped (-MMK_ENOENT if not known). */
int proc_status(int pid, int *status);

/* Processes in the table now (any state but free). */
unsigned proc_count(void);

/* The running process (NULL in the scheduler). */
struct proc *proc_current(void);

/* Exits the running process with status (the encoding of user/lib/sys.h). */
_Noreturn void proc_exit(int status);

/* Timer ticks that took the CPU from a process (round-robin preemption). */
extern unsigned long proc_preemptions;

/* System-call helpers for kernel/syscall.c. */
int proc_fork(void);
int proc_exec(struct proc *p, const char *name);
int proc_wait(mmk_vaddr_t status_ptr);
void proc_yield(void);
struct mmk_vm *proc_vm(void);

/* The programs linked into the kernel (user/, embedded by the Makefile). */
struct user_program {
	const char *name;
	const unsigned char *start, *end;
};
extern const struct user_program user_programs[]; /* ends with a NULL name */

/* The program called name, or NULL. */
const struct user_program *proc_program(const char *name);

/* kernel/elf.c: maps image's PT_LOAD segments into space (not active), their bytes
 * written through the VM (mmk_copy_to_user). Returns 0 and the entry point, or
 * -MMK_EINVAL (a bad header: nothing mapped), or the VM's error (regions made so far
 * stay: the caller destroys the space). */
int elf_load(struct mmk_vm_space *space, const unsigned char *image, size_t size,
	     mmk_vaddr_t *entry, mmk_vaddr_t *image_end);

#endif
