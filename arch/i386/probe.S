/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Memory probes with a fixup, for tests that must survive a fatal page fault (like a
 * kernel's exception table): if the marked instruction faults and the fault cannot be
 * resolved, the trap handler resumes at the fixup label, which returns -MMK_EFAULT.
 *
 *   int i386_probe_read32(uint32_t addr, uint32_t *out)
 *   int i386_probe_write32(uint32_t addr, uint32_t value)
 */
#define MMK_EFAULT 11

	.text
	.globl i386_probe_read32, i386_probe_read_ip, i386_probe_write32, i386_probe_write_ip
	.globl i386_probe_fixup
i386_probe_read32:
	movl 4(%esp), %ecx
i386_probe_read_ip:
	movl (%ecx), %eax
	movl 8(%esp), %ecx
	movl %eax, (%ecx)
	xorl %eax, %eax
	ret

i386_probe_write32:
	movl 4(%esp), %ecx
	movl 8(%esp), %eax
i386_probe_write_ip:
	movl %eax, (%ecx)
	xorl %eax, %eax
	ret

i386_probe_fixup:
	movl $-MMK_EFAULT, %eax
	ret
