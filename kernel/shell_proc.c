/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The shell's processes: ps, run, spawn, wait, kill, and the user space of a process for
 * vmmap / ptdump / walk with a pid (kernel/proc.h underneath).
 *
 * The shell is not a process: it runs on the boot thread, where proc_run's scheduler
 * runs too, so processes run only while the shell waits for one (run, wait). A process
 * started by spawn sits runnable until then, and others that are still alive when the
 * awaited one ends stay as they are (runnable, or waiting for a child) until the next
 * wait: their spaces can be looked at and they can be killed in between. Processes are
 * set up (the timer, the kernel stacks) on the first command that starts one.
 *
 * Every read of a region's fields is in describe_region, so a change of struct
 * mmk_vm_region touches that one function.
 */
#include <mmukit/errno.h>
#include <mmukit/mmu.h>
#include <mmukit/services.h>
#include <mmukit/vm.h>

#include "printf.h"
#include "proc.h"
#include "shell.h"
#include "user/lib/sys.h"

/* ------------------------------------------------------------ set-up and lookup */

static bool procs_ready(void)
{
	static int state; /* 0: not tried; 1: ready; < 0: the error */
	if (state == 0) {
		int err = arch_user_supported() ? arch_user_init(PROC_HZ) : -MMK_ESTATE;
		if (!err)
			err = proc_init();
		state = err ? err : 1;
	}
	if (state < 0)
		mmk_printf("error: this machine runs no user processes (%s)\n", mmk_strerror(state));
	return state > 0;
}

static void list_programs(void)
{
	mmk_printf("programs:");
	for (const struct user_program *u = user_programs; u->name; u++)
		mmk_printf(" %s", u->name);
	mmk_printf("%s\n", user_programs[0].name ? "" : " none on this machine");
}

/* A program name from the command line, or NULL after saying which there are. */
static const struct user_program *program_arg(const char *word)
{
	const struct user_program *u = proc_program(word);
	if (!u) {
		mmk_printf("error: no program '%s'; ", word);
		list_programs();
	}
	return u;
}

/* A pid from the command line: a number > 0 (pid 0 is the kernel, where the shell runs). */
static bool parse_pid(const char *word, int *pid)
{
	uint64_t v;
	if (!shell_parse_u64(word, &v))
		return false;
	if (v == 0) {
		mmk_printf("error: pid 0 is the kernel (the shell runs there), not a process\n");
		return false;
	}
	if (v > 0x7fffffff) {
		mmk_printf("error: %s is not a pid (too large)\n", word);
		return false;
	}
	*pid = (int)v;
	return true;
}

struct proc *shell_proc_arg(const char *word)
{
	int pid;
	if (!parse_pid(word, &pid))
		return NULL;
	struct proc *p = proc_find(pid);
	if (!p) {
		mmk_printf("error: no process with pid %d (see ps)\n", pid);
		return NULL;
	}
	if (!p->space) {
		mmk_printf("error: pid %d (%s) has ended: it has no address space\n", pid, p->name);
		return NULL;
	}
	return p;
}

/* ------------------------------------------------------------ what a space holds */

static int count_pages(void *ctx, const struct mmk_mmu_mapping *m)
{
	*(uint64_t *)ctx += 1ull << (m->page_shift - 12);
	return 0;
}

/* 4 KiB pages mapped in [start, end) of space (its tables are the truth: resident). */
static uint64_t mapped_pages(const struct mmk_mmu_space *space, mmk_vaddr_t start, mmk_vaddr_t end)
{
	uint64_t n = 0;
	mmk_mmu_walk(space, start, end, count_pages, &n);
	return n;
}

static void print_range(uint64_t start, uint64_t end)
{
	if (sizeof(mmk_vaddr_t) > 4)
		mmk_printf("0x%016llx-0x%016llx", (unsigned long long)start, (unsigned long long)end);
	else
		mmk_printf("0x%08llx-0x%08llx", (unsigned long long)start, (unsigned long long)end);
}

/* One line of vmmap for region r of space: range, size, protection, kind, resident
 * pages. Returns the resident pages. The only function that reads a region's fields. */
static uint64_t describe_region(const struct mmk_vm_space *space, const struct mmk_vm_region *r)
{
	mmk_vaddr_t start = r->range.start, end = r->range.end;
	char kind[40];
	if (r->object && r->object->kind == MMK_VM_OBJ_PHYS)
		mmk_snprintf(kind, sizeof(kind), "physical 0x%llx",
			     (unsigned long long)(r->object->phys + r->offset));
	else if (r->grow_limit)
		mmk_snprintf(kind, sizeof(kind), "stack %lluK, %lluK guard",
			     (unsigned long long)(end - r->low) / 1024,
			     (unsigned long long)(r->grow_limit - start) / 1024);
	else
		mmk_snprintf(kind, sizeof(kind), "%s%s", mmk_vm_region_kind(r),
			     r->amap && r->amap->refs > 1 ? ", split" : "");
	uint64_t resident = mmk_vm_region_resident(r);
	print_range(start, end);
	mmk_printf(" %8lluK  ", (unsigned long long)(end - start) / 1024);
	shell_print_flags(r->prot);
	mmk_printf("  %-22s %llu\n", kind, (unsigned long long)resident);
	return resident;
}

#define region_of(node) ((const struct mmk_vm_region *)((const char *)(node) - \
	__builtin_offsetof(struct mmk_vm_region, range)))

void shell_proc_vmmap(struct proc *p)
{
	struct mmk_vm_space *s = p->space;
	mmk_printf("pid %d (%s), root 0x%llx, %llu table pages; user half below 0x%llx:\n", p->pid,
		   p->name, (unsigned long long)s->mmu.root, (unsigned long long)s->mmu.table_pages,
		   (unsigned long long)mmk_mmu_user_end(s->mmu.mmu));
	if (sizeof(mmk_vaddr_t) > 4)
		mmk_printf("%-18s %-18s", "start", "end");
	else
		mmk_printf("%-10s %-10s", "start", "end");
	mmk_printf("      size  prot     kind                   resident\n");
	uint64_t resident = 0;
	unsigned regions = 0;
	for (const struct mmk_vas_range *n = mmk_vas_first(&s->regions, 0); n;
	     n = mmk_vas_next(&s->regions, n)) {
		resident += describe_region(s, region_of(n));
		regions++;
	}
	mmk_printf("%u regions, %llu pages resident (4 KiB each)\n", regions,
		   (unsigned long long)resident);
}

/* ------------------------------------------------------------ ps */

static const char *state_name(const struct proc *p)
{
	switch (p->state) {
	case PROC_RUNNABLE: return "runnable";
	case PROC_WAITING: return "waiting";
	case PROC_ZOMBIE: return "zombie";
	default: return "free";
	}
}

int shell_cmd_ps(int argc, char **argv)
{
	unsigned n = 0;
	for (unsigned i = 0; i < PROC_MAX; i++) {
		struct proc *p = proc_slot(i);
		if (!p)
			continue;
		if (n++ == 0)
			mmk_printf("  pid  parent  state     program          resident  tables\n");
		mmk_printf("%5d  %6d  %-8s  %-15s ", p->pid, p->parent, state_name(p), p->name);
		if (p->space)
			mmk_printf(" %8llu  %6llu\n",
				   (unsigned long long)mapped_pages(&p->space->mmu, 0,
								    mmk_mmu_user_end(p->space->mmu.mmu)),
				   (unsigned long long)p->space->mmu.table_pages);
		else
			mmk_printf(" %8s  %6s\n", "-", "-");
	}
	if (n == 0)
		mmk_printf("no processes (start one with 'run' or 'spawn')\n");
	else
		mmk_printf("%u processes; resident: 4 KiB pages mapped in the user half; tables: "
			   "page-table pages of the space\n", n);
	return 0;
}

/* ------------------------------------------------------------ run, spawn, wait, kill */

static void print_status(int pid, const char *name, int status)
{
	mmk_printf("pid %d (%s) ", pid, name);
	if (!(status & SYS_KILLED))
		mmk_printf("exited with status %d\n", status & 0xff);
	else if (status == SYS_KILLED_PAGE_FAULT)
		mmk_printf("was killed by a page fault it could not survive\n");
	else if (status == SYS_KILLED_EXCEPTION)
		mmk_printf("was killed by an exception\n");
	else if (status == PROC_KILLED_ON_REQUEST)
		mmk_printf("was killed (kill)\n");
	else
		mmk_printf("was killed (status 0x%x)\n", (unsigned)status);
}

/* Runs the processes until pid ends, then says how it ended. */
static int wait_for(int pid)
{
	char name[PROC_NAME_MAX];
	struct proc *p = proc_find(pid);
	for (unsigned i = 0; i < PROC_NAME_MAX; i++)
		name[i] = p->name[i];
	int err = proc_run_until(pid), status;
	if (err) {
		mmk_printf("error: pid %d cannot end: %s\n", pid, mmk_strerror(err));
		return 1;
	}
	if (proc_status(pid, &status) == 0)
		print_status(pid, name, status);
	else
		mmk_printf("pid %d (%s) ended; its parent took its status\n", pid, name);
	return 0;
}

static int spawn(const char *word)
{
	const struct user_program *u = program_arg(word);
	if (!u || !procs_ready())
		return -1;
	int pid = proc_spawn(u->name);
	if (pid < 0)
		mmk_printf("error: cannot start %s: %s\n", u->name, mmk_strerror(pid));
	return pid;
}

int shell_cmd_run(int argc, char **argv)
{
	if (argc == 0) {
		list_programs();
		return 0;
	}
	if (argc > 1) {
		mmk_printf("error: programs take no arguments\n");
		return 1;
	}
	int pid = spawn(argv[0]);
	if (pid < 0)
		return 1;
	mmk_printf("pid %d (%s) started; the shell waits for it\n", pid, argv[0]);
	return wait_for(pid);
}

int shell_cmd_spawn(int argc, char **argv)
{
	int pid = spawn(argv[0]);
	if (pid < 0)
		return 1;
	mmk_printf("pid %d (%s) is ready to run; processes run while the shell waits "
		   "('wait %d', 'run')\n", pid, argv[0], pid);
	return 0;
}

int shell_cmd_wait(int argc, char **argv)
{
	struct proc *p = shell_proc_arg(argv[0]);
	if (!p)
		return 1;
	if (p->parent != 0) {
		mmk_printf("error: pid %d is a child of pid %d, which takes its status; wait for "
			   "pid %d\n", p->pid, p->parent, p->parent);
		return 1;
	}
	return wait_for(p->pid);
}

int shell_cmd_kill(int argc, char **argv)
{
	int pid;
	if (!parse_pid(argv[0], &pid))
		return 1;
	struct proc *p = proc_find(pid);
	if (!p) {
		mmk_printf("error: no process with pid %d (see ps)\n", pid);
		return 1;
	}
	char name[PROC_NAME_MAX];
	for (unsigned i = 0; i < PROC_NAME_MAX; i++)
		name[i] = p->name[i];
	int parent = p->parent;
	int err = proc_kill(pid, PROC_KILLED_ON_REQUEST);
	if (err == -MMK_ESTATE) {
		mmk_printf("error: pid %d (%s) has ended already; pid %d has not waited for it yet\n",
			   pid, name, parent);
		return 1;
	}
	if (err) {
		mmk_printf("error: kill %d: %s\n", pid, mmk_strerror(err));
		return 1;
	}
	int status;
	if (proc_status(pid, &status) == 0)
		print_status(pid, name, status);
	else
		mmk_printf("pid %d (%s) was killed; its parent pid %d gets its status\n", pid, name,
			   parent);
	return 0;
}
