/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * System calls (user/lib/sys.h): decoded from the trap frame by the machine
 * (arch_frame_syscall), carried out over the process table and the VM (POSIX-like mmap,
 * munmap, mprotect of any page range; sbrk). User memory is read and written with the
 * library's copies (include/mmukit/uaccess.h): a bad pointer gives -MMK_EFAULT.
 */
#include <mmukit/errno.h>
#include <mmukit/services.h>
#include <mmukit/uaccess.h>

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
		if (mmk_copy_from_user(p->space, chunk, buf + done, n))
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
	long n = mmk_strncpy_from_user(p->space, name, user_name, sizeof(name));
	if (n < 0)
		return n == -MMK_ERANGE ? -MMK_EINVAL : n;
	return proc_exec(p, name); /* on success the frame enters the new program */
}

#define USER_RW (MMK_PROT_READ | MMK_PROT_WRITE | MMK_PROT_USER)
#define SYS_PROTS (SYS_PROT_READ | SYS_PROT_WRITE | SYS_PROT_EXEC)
#define SYS_MAPS (SYS_MAP_SHARED | SYS_MAP_FIXED | SYS_MAP_NOREPLACE)

/* The break grows by mapping at its end (the VM merges it into the heap region) and
 * shrinks by unmapping its last pages. */
static long sys_sbrk(struct proc *p, long increment)
{
	mmk_vaddr_t old = p->brk;
	if (increment == 0)
		return (long)old;
	if (increment % (long)MMK_PAGE_SIZE)
		return -MMK_EINVAL;
	int err;
	if (increment > 0) {
		mmk_vaddr_t va = old;
		err = mmk_vm_map(p->space, &va, (mmk_vsize_t)increment, USER_RW, MMK_VM_NOREPLACE, NULL, 0);
		if (err == -MMK_ERANGE || err == -MMK_EEXIST)
			err = -MMK_ENOMEM; /* no room above the break */
	} else {
		mmk_vsize_t less = (mmk_vsize_t)-increment;
		if (less > old - p->brk_base)
			return -MMK_EINVAL;
		err = mmk_vm_unmap(p->space, old - less, less);
	}
	if (err)
		return err;
	p->brk = old + (mmk_vaddr_t)increment;
	return (long)old;
}

static long sys_mmap(struct proc *p, mmk_vaddr_t addr, unsigned long len, unsigned long prot,
		     unsigned long flags)
{
	if (prot & ~(unsigned long)SYS_PROTS || !prot || flags & ~(unsigned long)SYS_MAPS)
		return -MMK_EINVAL;
	mmk_vaddr_t va = addr ? addr : p->mmap_base;
	int err = mmk_vm_map(p->space, &va, len, (unsigned)prot | MMK_PROT_USER, (unsigned)flags, NULL, 0);
	return err ? err : (long)va;
}

static long sys_munmap(struct proc *p, mmk_vaddr_t addr, unsigned long len)
{
	return mmk_vm_unmap(p->space, addr, len);
}

static long sys_mprotect(struct proc *p, mmk_vaddr_t addr, unsigned long len, unsigned long prot)
{
	if (prot & ~(unsigned long)SYS_PROTS || !prot)
		return -MMK_EINVAL;
	return mmk_vm_protect(p->space, addr, len, (unsigned)prot | MMK_PROT_USER);
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
		r = sys_sbrk(p, (long)a[0]);
		break;
	case SYS_MMAP:
		r = sys_mmap(p, a[0], a[1], a[2], a[3]);
		break;
	case SYS_MUNMAP:
		r = sys_munmap(p, a[0], a[1]);
		break;
	case SYS_MPROTECT:
		r = sys_mprotect(p, a[0], a[1], a[2]);
		break;
	case SYS_KADDR:
		r = sys_kaddr(a[0]);
		break;
	default:
		r = -MMK_EINVAL;
	}
	arch_frame_set_return(f, r);
}
