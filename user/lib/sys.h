/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The system calls of the demo kernel (kernel/syscall.c), shared by the kernel and the
 * user library. A call returns a value >= 0, or -MMK_E* (include/mmukit/errno.h).
 */
#ifndef MMUKIT_USER_SYS_H
#define MMUKIT_USER_SYS_H

#define SYS_EXIT 0   /* (status): never returns */
#define SYS_WRITE 1  /* (buf, len): to the console; bytes written */
#define SYS_GETPID 2 /* (): pid */
#define SYS_FORK 3   /* (): child pid in the parent, 0 in the child */
#define SYS_EXEC 4   /* (name): a program linked into the kernel; returns only on error */
#define SYS_WAIT 5   /* (status pointer or 0): pid of a child that ended; blocks */
#define SYS_YIELD 6  /* (): 0 */
#define SYS_SBRK 7   /* (increment, a page multiple, may be negative): the old break */
#define SYS_MMAP 8   /* (address or 0, length, prot, flags): where anonymous memory went */
#define SYS_MUNMAP 9 /* (address, length): unmaps every page of the range */
#define SYS_KADDR 10 /* (which): a kernel address, for isolation tests (0 text, 1 data) */
#define SYS_MPROTECT 11 /* (address, length, prot): 0; every page must be mapped */

/* prot bits of mmap and mprotect (the same values as MMK_PROT_READ/WRITE/EXEC). */
#define SYS_PROT_READ 1
#define SYS_PROT_WRITE 2
#define SYS_PROT_EXEC 4

/* mmap flags (the same values as MMK_VM_SHARED/FIXED/NOREPLACE): private unless shared
 * (then kept across fork); the address is a hint unless fixed (replaces what is there)
 * or noreplace (-MMK_EEXIST if anything is there). */
#define SYS_MAP_SHARED 1
#define SYS_MAP_FIXED 2
#define SYS_MAP_NOREPLACE 4

/* Wait status: exit(n) gives n & 0xFF; a process the kernel killed gives SYS_KILLED |
 * why: a page fault it could not survive, or another exception. */
#define SYS_KILLED 0x100
#define SYS_KILLED_PAGE_FAULT (SYS_KILLED | 1)
#define SYS_KILLED_EXCEPTION (SYS_KILLED | 2)

#endif
