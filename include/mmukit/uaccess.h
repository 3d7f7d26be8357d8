/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Copies between the kernel and a user space: a bad user pointer gives -MMK_EFAULT,
 * never a kernel fault.
 *
 * How: the copy never touches the user address itself. It walks the space's tables
 * page by page (mmk_mmu_query), resolves a missing or read-only page the way the CPU's
 * fault would (the space's VM decides: demand-zero, copy-on-write, or refuse), and
 * copies through the kernel's own view of the frame. Why: it needs no exception-table
 * fixups in each machine's trap code, works on a space that is not active, runs the
 * same on the host simulators, and SMAP / PAN / SUM never have to be opened for it. Its
 * price is one table lookup per page touched (measured in bench/).
 *
 * => the caller serialises with every other call on the space's machine.
 */
#ifndef MMUKIT_UACCESS_H
#define MMUKIT_UACCESS_H

#include <mmukit/vm.h>

/*
 * Copies len bytes from src (kernel) to user address dst in space / from user src to
 * kernel dst. Returns 0, or -MMK_EFAULT when any byte of the user range is outside the
 * user half, in no region, or not accessible from user mode for that access (write
 * for to_user); bytes before the bad page may have been copied then.
 */
int mmk_copy_to_user(struct mmk_vm_space *space, mmk_vaddr_t dst, const void *src, size_t len);
int mmk_copy_from_user(struct mmk_vm_space *space, void *dst, mmk_vaddr_t src, size_t len);

/*
 * Copies the NUL-terminated string at user address src into dst (max bytes, NUL
 * included). Returns its length (without the NUL), -MMK_EFAULT as above, or
 * -MMK_ERANGE when no NUL comes within max bytes (dst then holds max bytes, unterminated).
 */
long mmk_strncpy_from_user(struct mmk_vm_space *space, char *dst, mmk_vaddr_t src, size_t max);

#endif
