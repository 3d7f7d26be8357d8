/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Processes: the table, kernel stacks, the scheduler, fork / exec / exit / wait, and the
 * fate of a process that faults (kernel/proc.h).
 */
#include <mmukit/errno.h>
#include <mmukit/fault.h>
#include <mmukit/kheap.h>
#include <mmukit/pmm.h>
#include <mmukit/services.h>
#include <mmukit/uaccess.h>

#include "proc.h"
#include "user/lib/sys.h"

#define REAPED_MAX 64

static struct proc table[PROC_MAX];
static struct mmk_kvm_pages kstacks[PROC_MAX]; /* a pool: allocated once, reused */
static bool kstack_used[PROC_MAX];
static struct mmk_vm vm;
static struct proc *current;
static uintptr_t scheduler_context;
static int next_pid = 1;
static unsigned last_run; /* round robin: the slot that ran last */
static struct {
	int pid, status;
} reaped[REAPED_MAX]; /* statuses of processes the kernel reaped, oldest overwritten */
static unsigned reaped_next;

struct mmk_vm *proc_vm(void)
{
	return &vm;
}

struct proc *proc_current(void)
{
	return current;
}

static struct mmk_mmu *mmu(void)
{
	return kernel_mmu();
}

int proc_init(void)
{
	struct mmk_kvm *kvm = kernel_kvm();
	if (!kvm)
		return -MMK_ESTATE;
	int err = mmk_vm_init(&vm, mmu(), mmk_kmalloc, mmk_kfree);
	if (err)
		return err;
	for (unsigned i = 0; i < PROC_MAX; i++) {
		mmk_vaddr_t top;
		err = mmk_kvm_stack_alloc(kvm, &kstacks[i], PROC_KSTACK_PAGES, &top);
		if (err)
			return err;
	}
	return 0;
}

unsigned proc_count(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < PROC_MAX; i++)
		n += table[i].state != PROC_FREE;
	return n;
}

static struct proc *find(int pid)
{
	for (unsigned i = 0; i < PROC_MAX; i++)
		if (table[i].state != PROC_FREE && table[i].pid == pid)
			return &table[i];
	return NULL;
}

struct proc *proc_find(int pid)
{
	return find(pid);
}

struct proc *proc_slot(unsigned i)
{
	return i < PROC_MAX && table[i].state != PROC_FREE ? &table[i] : NULL;
}

/* A free slot with a kernel stack and a frame, or NULL (the table is full). */
static struct proc *proc_alloc(int parent, const char *name)
{
	struct proc *p = NULL;
	for (unsigned i = 0; i < PROC_MAX && !p; i++)
		if (table[i].state == PROC_FREE)
			p = &table[i];
	if (!p)
		return NULL;
	unsigned k = 0;
	while (kstack_used[k])
		k++; /* as many stacks as slots: one is free */
	kstack_used[k] = true;
	*p = (struct proc){.pid = next_pid++, .parent = parent, .kstack = &kstacks[k],
			   .line_start = true};
	p->kstack_top = kstacks[k].range.end;
	unsigned n = 0;
	for (; name[n] && n + 1 < PROC_NAME_MAX; n++)
		p->name[n] = name[n];
	p->context = arch_thread_init(p->kstack_top, &p->frame);
	p->state = PROC_WAITING; /* not runnable until set up */
	return p;
}

static void proc_free(struct proc *p)
{
	kstack_used[p->kstack - kstacks] = false;
	p->state = PROC_FREE;
}

const struct user_program *proc_program(const char *name)
{
	for (const struct user_program *u = user_programs; u->name; u++) {
		const char *a = u->name, *b = name;
		while (*a && *a == *b) {
			a++;
			b++;
		}
		if (*a == *b)
			return u;
	}
	return NULL;
}

/* Builds the space for program name in the slot p does not use; p keeps its old space
 * on error. The new one becomes active when p is running. */
int proc_exec(struct proc *p, const char *name)
{
	const struct user_program *u = proc_program(name);
	if (!u)
		return -MMK_ENOENT;
	struct mmk_vm_space *s = p->space == &p->spaces[0] ? &p->spaces[1] : &p->spaces[0];
	int err = mmk_vm_space_create(&vm, s);
	if (err)
		return err;
	mmk_vaddr_t entry, end, stack = mmk_mmu_user_end(mmu()) - PROC_STACK_GAP - PROC_STACK_SIZE;
	err = elf_load(s, u->start, (size_t)(u->end - u->start), &entry, &end);
	if (!err)
		err = mmk_vm_map_stack(s, &stack, PROC_STACK_SIZE, MMK_PAGE_SIZE,
				       MMK_PROT_READ | MMK_PROT_WRITE | MMK_PROT_USER);
	if (err) {
		MMK_ASSERT(mmk_vm_space_destroy(s) == 0);
		return err;
	}
	struct mmk_vm_space *old = p->space;
	p->space = s;
	p->root = mmk_mmu_root_pointer(&s->mmu);
	if (p == current)
		mmk_vm_space_activate(s);
	if (old)
		MMK_ASSERT(mmk_vm_space_destroy(old) == 0);
	p->brk_base = p->brk = mmk_align_up(end, MMK_PAGE_SIZE) + MMK_PAGE_SIZE; /* a gap page */
	/* mmap without an address: from the middle of the user half up, far from the break */
	p->mmap_base = mmk_align_down(mmk_mmu_user_base(mmu()) / 2 + mmk_mmu_user_end(mmu()) / 2,
				      MMK_PAGE_SIZE);
	unsigned n = 0;
	for (; name[n] && n + 1 < PROC_NAME_MAX; n++)
		p->name[n] = name[n];
	p->name[n] = '\0';
	arch_frame_init_user(p->frame, entry, stack + PROC_STACK_SIZE - 16);
	return 0;
}

int proc_spawn(const char *name)
{
	struct proc *p = proc_alloc(0, name);
	if (!p)
		return -MMK_ENOSPC;
	int err = proc_exec(p, name);
	if (err) {
		proc_free(p);
		return err;
	}
	p->state = PROC_RUNNABLE;
	return p->pid;
}

int proc_fork(void)
{
	struct proc *parent = current;
	struct proc *child = proc_alloc(parent->pid, parent->name);
	if (!child)
		return -MMK_ENOSPC;
	int err = mmk_vm_fork(parent->space, &child->spaces[0]);
	if (err) {
		proc_free(child);
		return err;
	}
	child->space = &child->spaces[0];
	child->root = mmk_mmu_root_pointer(&child->space->mmu);
	child->brk_base = parent->brk_base;
	child->brk = parent->brk;
	arch_frame_copy(child->frame, parent->frame);
	arch_frame_set_return(child->frame, 0);
	child->state = PROC_RUNNABLE;
	return child->pid;
}

/* Back to the scheduler; returns when the scheduler runs p again. */
static void to_scheduler(struct proc *p)
{
	arch_switch(&p->context, scheduler_context);
}

void proc_yield(void)
{
	to_scheduler(current);
}

unsigned long proc_preemptions;

void proc_timer_tick(void)
{
	if (!current)
		return;
	proc_preemptions++;
	proc_yield();
}

/* Makes p (its space not active) a zombie with status: its space goes, its children
 * become the kernel's, a parent waiting for it runs again. */
static void end(struct proc *p, int status)
{
	for (unsigned i = 0; i < PROC_MAX; i++)
		if (table[i].state != PROC_FREE && table[i].parent == p->pid)
			table[i].parent = 0; /* orphans: the kernel reaps them */
	MMK_ASSERT(mmk_vm_space_destroy(p->space) == 0);
	p->space = NULL;
	p->root = NULL;
	p->status = status;
	p->state = PROC_ZOMBIE;
	struct proc *parent = p->parent ? find(p->parent) : NULL;
	if (parent && parent->state == PROC_WAITING)
		parent->state = PROC_RUNNABLE;
}

_Noreturn void proc_exit(int status)
{
	struct proc *p = current;
	mmk_mmu_activate(&mmu()->kernel);
	end(p, status);
	to_scheduler(p);
	mmk_panic("proc: zombie %d ran again", p->pid);
}

int proc_wait(mmk_vaddr_t status_ptr)
{
	struct proc *p = current;
	for (;;) {
		bool children = false;
		for (unsigned i = 0; i < PROC_MAX; i++) {
			struct proc *c = &table[i];
			if (c->state == PROC_FREE || c->parent != p->pid)
				continue;
			children = true;
			if (c->state != PROC_ZOMBIE)
				continue;
			int pid = c->pid, status = c->status;
			if (status_ptr && mmk_copy_to_user(p->space, status_ptr, &status, sizeof(status)))
				return -MMK_EFAULT; /* the child stays, for a wait with a good pointer */
			proc_free(c);
			return pid;
		}
		if (!children)
			return -MMK_ENOENT;
		p->state = PROC_WAITING;
		to_scheduler(p);
	}
}

void proc_user_page_fault(const struct mmk_fault *fault)
{
	struct mmk_mmu_space *space = &current->space->mmu;
	enum mmk_fault_result r = MMK_FAULT_BAD_ACCESS;
	/* A user access to a kernel address is refused here: no owner gets asked. */
	if (fault->addr < mmk_mmu_user_end(mmu()))
		r = mmk_fault_dispatch(space, fault);
	if (r == MMK_FAULT_RESOLVED)
		return;
	mmk_printf("proc: pid %d (%s) killed by a page fault:\n", current->pid, current->name);
	mmk_fault_report_fatal(space, fault, r);
	mmk_mmu_print_walk(space, fault->addr);
	proc_exit(SYS_KILLED_PAGE_FAULT);
}

_Noreturn void proc_user_exception(unsigned long vector, mmk_vaddr_t pc)
{
	mmk_printf("proc: pid %d (%s) killed by exception %lu at pc 0x%llx\n", current->pid,
		   current->name, vector, (unsigned long long)pc);
	proc_exit(SYS_KILLED_EXCEPTION);
}

/* Frees the zombies whose parent is the kernel, keeping their status. */
static void reap_orphans(void)
{
	for (unsigned i = 0; i < PROC_MAX; i++) {
		struct proc *p = &table[i];
		if (p->state != PROC_ZOMBIE || p->parent != 0)
			continue;
		reaped[reaped_next % REAPED_MAX].pid = p->pid;
		reaped[reaped_next % REAPED_MAX].status = p->status;
		reaped_next++;
		proc_free(p);
	}
}

int proc_kill(int pid, int status)
{
	struct proc *p = find(pid);
	if (!p)
		return -MMK_ENOENT;
	if (p == current || p->state == PROC_ZOMBIE)
		return -MMK_ESTATE;
	end(p, status); /* its kernel context, wherever it stopped, is never resumed */
	reap_orphans();
	return 0;
}

int proc_status(int pid, int *status)
{
	for (unsigned i = 0; i < REAPED_MAX; i++)
		if (reaped[i].pid == pid) {
			*status = reaped[i].status;
			return 0;
		}
	return -MMK_ENOENT;
}

static struct proc *next_runnable(void)
{
	for (unsigned n = 1; n <= PROC_MAX; n++) {
		unsigned i = (last_run + n) % PROC_MAX;
		if (table[i].state == PROC_RUNNABLE) {
			last_run = i;
			return &table[i];
		}
	}
	return NULL;
}

/* Runs processes until pid has left the table (0: until none is left). */
static int schedule(int pid)
{
	for (;;) {
		reap_orphans();
		if (pid && !find(pid))
			break;
		struct proc *p = next_runnable();
		if (!p)
			break;
		current = p;
		mmk_vm_space_activate(p->space);
		arch_set_trap_stack(p->kstack_top);
		arch_switch(&scheduler_context, p->context);
		current = NULL;
	}
	mmk_mmu_activate(&mmu()->kernel);
	if (pid)
		return find(pid) ? -MMK_ESTATE : 0;
	return proc_count() ? -MMK_ESTATE : 0;
}

int proc_run(void)
{
	return schedule(0);
}

int proc_run_until(int pid)
{
	return pid > 0 ? schedule(pid) : -MMK_EINVAL;
}
