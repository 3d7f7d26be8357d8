/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Memory probes with a fixup (as arch/i386/probe.S): if the marked instruction aborts
 * and the fault cannot be resolved, the trap handler resumes at the fixup, which
 * returns -MMK_EFAULT (lr is restored from the trap frame).
 *
 *   int armv7_probe_read32(uint32_t addr, uint32_t *out)
 *   int armv7_probe_write32(uint32_t addr, uint32_t value)
 */
#define MMK_EFAULT 11

	.text
	.arm
	.globl armv7_probe_read32, armv7_probe_read_ip, armv7_probe_write32
	.globl armv7_probe_write_ip, armv7_probe_fixup
armv7_probe_read32:
armv7_probe_read_ip:
	ldr r2, [r0]
	str r2, [r1]
	mov r0, #0
	bx lr

armv7_probe_write32:
armv7_probe_write_ip:
	str r1, [r0]
	mov r0, #0
	bx lr

armv7_probe_fixup:
	mvn r0, #(MMK_EFAULT - 1)
	bx lr
