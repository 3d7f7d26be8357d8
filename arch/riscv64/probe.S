/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Memory probes with a fixup (as arch/armv7/probe.S): if the marked instruction faults
 * and the fault cannot be resolved, the trap handler resumes at the fixup, which
 * returns -MMK_EFAULT. The probes stand for a kernel access to any address, user pages
 * included, so they set sstatus.SUM around the access (RISC-V priv 4.1.1.2: with SUM
 * clear, S-mode cannot touch U=1 pages) and clear it again, fixup included.
 *
 *   int riscv64_probe_read32(uint64_t addr, uint32_t *out)
 *   int riscv64_probe_write32(uint64_t addr, uint32_t value)
 */
#define MMK_EFAULT 11
#define SSTATUS_SUM (1 << 18)

	.text
	.globl riscv64_probe_read32, riscv64_probe_read_ip, riscv64_probe_write32
	.globl riscv64_probe_write_ip, riscv64_probe_fixup
riscv64_probe_read32:
	li t0, SSTATUS_SUM
	csrs sstatus, t0
riscv64_probe_read_ip:
	lw t1, 0(a0)
	csrc sstatus, t0
	sw t1, 0(a1)
	li a0, 0
	ret

riscv64_probe_write32:
	li t0, SSTATUS_SUM
	csrs sstatus, t0
riscv64_probe_write_ip:
	sw a1, 0(a0)
	csrc sstatus, t0
	li a0, 0
	ret

riscv64_probe_fixup:
	li t0, SSTATUS_SUM
	csrc sstatus, t0
	li a0, -MMK_EFAULT
	ret
