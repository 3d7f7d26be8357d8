/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Memory probes with a fixup (see arch/i386/probe.S): if the marked instruction faults
 * and the fault cannot be resolved, the trap handler resumes at the fixup, which
 * returns -MMK_EFAULT.
 *
 *   int x86_64_probe_read32(uint64_t addr, uint32_t *out)
 *   int x86_64_probe_write32(uint64_t addr, uint32_t value)
 */
#define MMK_EFAULT 11

	.text
	.globl x86_64_probe_read32, x86_64_probe_read_ip, x86_64_probe_write32
	.globl x86_64_probe_write_ip, x86_64_probe_fixup
x86_64_probe_read32:
x86_64_probe_read_ip:
	movl (%rdi), %eax
	movl %eax, (%rsi)
	xorl %eax, %eax
	ret

x86_64_probe_write32:
x86_64_probe_write_ip:
	movl %esi, (%rdi)
	xorl %eax, %eax
	ret

x86_64_probe_fixup:
	movl $-MMK_EFAULT, %eax
	ret
