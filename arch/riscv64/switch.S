/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * riscv64 kernel-thread switch and user-memory copy (kernel/platform.h).
 *
 * arch_switch(save, to): pushes ra and s0-s11 (the registers a call preserves, RISC-V
 * psABI), stores sp in *save, loads sp = to and pops the same from there.
 *
 * riscv64_user_copy(dst, src, n): a byte loop with sstatus.SUM set (priv 4.1.1.2), so
 * S-mode touches user pages only here. A fault the VM cannot resolve inside
 * [riscv64_user_copy_start, riscv64_user_copy_end) resumes at riscv64_user_copy_fixup
 * (arch/riscv64/trap.c), which clears SUM and returns -MMK_EFAULT (11).
 */
#define SWITCH_SIZE (14 * 8)

	.text
	.globl arch_switch
arch_switch:
	addi sp, sp, -SWITCH_SIZE
	sd ra, 0(sp)
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11
	sd s\n, ((\n + 1) * 8)(sp)
	.endr
	sd sp, 0(a0)
	mv sp, a1
	ld ra, 0(sp)
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11
	ld s\n, ((\n + 1) * 8)(sp)
	.endr
	addi sp, sp, SWITCH_SIZE
	ret

	.globl riscv64_user_copy, riscv64_user_copy_start, riscv64_user_copy_end
	.globl riscv64_user_copy_fixup
riscv64_user_copy:
	li t1, (1 << 18)
	csrs sstatus, t1
riscv64_user_copy_start:
1:	beqz a2, 2f
	lbu t0, 0(a1)
	sb t0, 0(a0)
	addi a0, a0, 1
	addi a1, a1, 1
	addi a2, a2, -1
	j 1b
riscv64_user_copy_end:
2:	li a0, 0
3:	li t1, (1 << 18)
	csrc sstatus, t1
	ret
riscv64_user_copy_fixup:
	li a0, -11
	j 3b
