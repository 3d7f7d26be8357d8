/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * System calls (user/lib/sys.h): decoded from the trap frame by the machine
 * (arch_frame_syscall), carried out over the process table and today's VM calls.
 * Memory calls map anonymous regions: sbrk grows the break by whole regions (it does not
 * shrink yet), munmap removes the region containing an address.
 */
#include <mmukit/errno.h>
#include <mmukit/services.h>

#include "proc.h"
#include "user/lib/sys.h"

#define WRITE_MAX 4096
#define NAME_MAX 32

/* Console output of a process: each line starts with "# <pid>: " to stay a KTAP comment. */
static long sys_write(struct proc *p, mmk_vaddr_t buf, unsigned long len)
{
	if (len > WRITE_MAX)
		return -MMK_EINVAL;
	char chunk[128];
	for (unsigned long done = 0; done < len;) {
		unsigned long n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
		if (arch_copy_from_user(chunk, buf + done, n))
			return done ? (long)done : -MMK_EFAULT;
		for (unsigned long i = 0; i < n; i++) {
			if (p->line_start)
				mmk_printf("# %d: ", p->pid);
			arch_console_putc(chunk[i]);
			p->line_start = chunk[i] == '\n';
		}
		done += n;
	}
	return (long)len;
}

static long sys_exec(struct proc *p, mmk_vaddr_t user_name)
{
	char name[NAME_MAX];
	for (unsigned i = 0;; i++) {
		if (i == NAME_MAX)
			return -MMK_EINVAL;
		if (arch_copy_from_user(&name[i], user_name + i, 1))
			return -MMK_EFAULT;
		if (!name[i])
			break;
	}
	return proc_exec(p, name); /* on success the frame enters the new program */
}

static long sys_sbrk(struct proc *p, unsigned long bytes)
{
	mmk_vaddr_t old = p->brk;
	if (bytes == 0)
		return (long)old;
	if (bytes % MMK_PAGE_SIZE || bytes > mmk_mmu_user_end(kernel_mmu()))
		return -MMK_EINVAL;
	mmk_vaddr_t va = old;
	int err = mmk_vm_map_anon(p->space, &va, bytes, MMK_PROT_READ | MMK_PROT_WRITE | MMK_PROT_USER);
	if (err)
		return err;
	p->brk = old + bytes;
	return (long)old;
}

static long sys_mmap(struct proc *p, unsigned long bytes, unsigned long prot)
{
	if (prot & ~(unsigned long)(SYS_PROT_READ | SYS_PROT_WRITE | SYS_PROT_EXEC) || !prot)
		return -MMK_EINVAL;
	if (bytes == 0 || bytes % MMK_PAGE_SIZE || bytes > mmk_mmu_user_end(kernel_mmu()))
		return -MMK_EINVAL;
	mmk_vaddr_t va = 0;
	int err = mmk_vm_map_anon(p->space, &va, bytes, (unsigned)prot | MMK_PROT_USER);
	return err ? err : (long)va;
}

static long sys_munmap(struct proc *p, mmk_vaddr_t va)
{
	struct mmk_vm_region *r = mmk_vm_region_at(p->space, va);
	if (!r || r->kind != MMK_VM_ANON || (va >= p->brk_base && va < p->brk))
		return -MMK_EINVAL; /* only what mmap made: not the program, stack or break */
	return mmk_vm_unmap(p->space, va);
}

/* The canary the isolation test writes to from user mode (it must stay). */
volatile unsigned long proc_kernel_canary = 0x600DCAFE;

static long sys_kaddr(unsigned long which)
{
	if (which == 0)
		return (long)(uintptr_t)&proc_syscall;
	if (which == 1)
		return (long)(uintptr_t)&proc_kernel_canary;
	return -MMK_EINVAL;
}

void proc_syscall(struct arch_frame *f)
{
	struct proc *p = proc_current();
	unsigned long a[5];
	unsigned long nr = arch_frame_syscall(f, a);
	long r;
	switch (nr) {
	case SYS_EXIT:
		proc_exit((int)(a[0] & 0xFF));
	case SYS_WRITE:
		r = sys_write(p, a[0], a[1]);
		break;
	case SYS_GETPID:
		r = p->pid;
		break;
	case SYS_FORK:
		r = proc_fork();
		break;
	case SYS_EXEC:
		r = sys_exec(p, a[0]);
		if (r == 0)
			return; /* the frame now starts the new program */
		break;
	case SYS_WAIT:
		r = proc_wait(a[0]);
		break;
	case SYS_YIELD:
		proc_yield();
		r = 0;
		break;
	case SYS_SBRK:
		r = sys_sbrk(p, a[0]);
		break;
	case SYS_MMAP:
		r = sys_mmap(p, a[0], a[1]);
		break;
	case SYS_MUNMAP:
		r = sys_munmap(p, a[0]);
		break;
	case SYS_KADDR:
		r = sys_kaddr(a[0]);
		break;
	default:
		r = -MMK_EINVAL;
	}
	arch_frame_set_return(f, r);
}
