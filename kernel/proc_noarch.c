/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The process interface of kernel/platform.h for a machine that does not run user
 * processes yet: weak definitions its arch/<arch>/ files replace. arch_user_supported()
 * says false, so the "procs" tests skip and nothing below is reached.
 */
#include <mmukit/errno.h>
#include <mmukit/services.h>

#include "proc.h"

__attribute__((weak)) const struct user_program user_programs[] = {{NULL, NULL, NULL}};

__attribute__((weak)) bool arch_user_supported(void)
{
	return false;
}

__attribute__((weak)) int arch_user_init(unsigned hz)
{
	return -MMK_ESTATE;
}

__attribute__((weak)) uintptr_t arch_thread_init(uintptr_t top, struct arch_frame **frame)
{
	mmk_panic("no user processes on this machine");
}

__attribute__((weak)) void arch_switch(uintptr_t *save, uintptr_t to)
{
	mmk_panic("no user processes on this machine");
}

__attribute__((weak)) void arch_set_trap_stack(uintptr_t top)
{
}

__attribute__((weak)) void arch_frame_init_user(struct arch_frame *f, mmk_vaddr_t pc, mmk_vaddr_t sp)
{
}

__attribute__((weak)) void arch_frame_copy(struct arch_frame *dst, const struct arch_frame *src)
{
}

__attribute__((weak)) unsigned long arch_frame_syscall(const struct arch_frame *f,
							unsigned long args[5])
{
	return ~0ul;
}

__attribute__((weak)) void arch_frame_set_return(struct arch_frame *f, long value)
{
}

__attribute__((weak)) int arch_copy_from_user(void *dst, mmk_vaddr_t src, size_t n)
{
	return -MMK_EFAULT;
}

__attribute__((weak)) int arch_copy_to_user(mmk_vaddr_t dst, const void *src, size_t n)
{
	return -MMK_EFAULT;
}

__attribute__((weak)) bool arch_user_access_guarded(void)
{
	return false;
}

__attribute__((weak)) bool arch_user_nx(void)
{
	return false;
}

__attribute__((weak)) unsigned arch_elf_machine(void)
{
	return 0;
}

__attribute__((weak)) unsigned arch_elf_class(void)
{
	return 0;
}
