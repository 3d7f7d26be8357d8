/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * User mode pieces every machine shares (kernel/user_entry.h, kernel/platform.h).
 *
 * The kernel's copies to and from the running process go through the library's
 * mmk_copy_*_user (include/mmukit/uaccess.h): they walk the process's tables and copy
 * through the kernel's view of each frame, never touching the user address, so no
 * machine opens SMAP, PAN or SUM for them and no trap code needs a copy fixup.
 */
#include <mmukit/errno.h>
#include <mmukit/ktest.h>
#include <mmukit/uaccess.h>

#include "proc.h"
#include "user_entry.h"

static uintptr_t *frame_word(const struct arch_frame *f, size_t offset)
{
	return (uintptr_t *)((uintptr_t)f + offset);
}

uintptr_t arch_thread_init(uintptr_t top, struct arch_frame **frame)
{
	const struct arch_user_facts *m = &arch_user_facts;
	uintptr_t *f = (uintptr_t *)(top - m->frame_size);
	for (size_t i = 0; i < m->frame_size / sizeof(uintptr_t); i++)
		f[i] = 0;
	*frame = (struct arch_frame *)f;
	uintptr_t *sp = f - m->switch_words;
	for (unsigned i = 0; i < m->switch_words; i++)
		sp[i] = 0;
	sp[m->return_word] = (uintptr_t)m->trap_return;
	return (uintptr_t)sp;
}

void arch_frame_copy(struct arch_frame *dst, const struct arch_frame *src)
{
	for (size_t off = 0; off < arch_user_facts.frame_size; off += sizeof(uintptr_t))
		*frame_word(dst, off) = *frame_word(src, off);
}

unsigned long arch_frame_syscall(const struct arch_frame *f, unsigned long args[5])
{
	for (unsigned i = 0; i < 5; i++)
		args[i] = *frame_word(f, arch_user_facts.args[i]);
	return *frame_word(f, arch_user_facts.number);
}

void arch_frame_set_return(struct arch_frame *f, long value)
{
	*frame_word(f, arch_user_facts.result) = (uintptr_t)value;
}

unsigned arch_elf_machine(void)
{
	return arch_user_facts.elf_machine;
}

unsigned arch_elf_class(void)
{
	return arch_user_facts.elf_class;
}

static struct mmk_vm_space *current_space(void)
{
	struct proc *p = proc_current();
	return p ? p->space : NULL;
}

int arch_copy_from_user(void *dst, mmk_vaddr_t src, size_t n)
{
	struct mmk_vm_space *s = current_space();
	return s ? mmk_copy_from_user(s, dst, src, n) : -MMK_EFAULT;
}

int arch_copy_to_user(mmk_vaddr_t dst, const void *src, size_t n)
{
	struct mmk_vm_space *s = current_space();
	return s ? mmk_copy_to_user(s, dst, src, n) : -MMK_EFAULT;
}

static volatile uintptr_t exec_probe_target;
static volatile bool exec_probe_failed;

int kernel_exec_probe(mmk_vaddr_t va)
{
	exec_probe_failed = false;
	exec_probe_target = (uintptr_t)va;
	((void (*)(void))(uintptr_t)va)();
	exec_probe_target = 0;
	return exec_probe_failed ? -MMK_EFAULT : 0;
}

bool kernel_exec_probe_fault(uintptr_t pc)
{
	if (!exec_probe_target || pc != exec_probe_target)
		return false;
	exec_probe_failed = true;
	return true;
}

__attribute__((weak)) bool arch_user_exec_guarded(void)
{
	return false;
}

__attribute__((weak)) int arch_kernel_load(mmk_vaddr_t va, uint32_t *value)
{
	return ktest_env_access(va, false, value);
}
