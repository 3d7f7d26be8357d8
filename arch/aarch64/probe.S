/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Memory probes with a fixup (as on the other machines): if the marked instruction
 * aborts and the fault cannot be resolved, the trap handler resumes at the fixup, which
 * returns -MMK_EFAULT (x30 is intact: the trap frame restores it).
 *
 *   int aarch64_probe_read32(uint64_t addr, uint32_t *out)
 *   int aarch64_probe_write32(uint64_t addr, uint32_t value)
 */
#define MMK_EFAULT 11

	.text
	.globl aarch64_probe_read32, aarch64_probe_read_ip, aarch64_probe_write32
	.globl aarch64_probe_write_ip, aarch64_probe_fixup
aarch64_probe_read32:
aarch64_probe_read_ip:
	ldr w2, [x0]
	str w2, [x1]
	mov w0, #0
	ret

aarch64_probe_write32:
aarch64_probe_write_ip:
	str w1, [x0]
	mov w0, #0
	ret

aarch64_probe_fixup:
	mov w0, #-MMK_EFAULT
	ret
