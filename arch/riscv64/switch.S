/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * riscv64 kernel-thread switch (kernel/platform.h).
 *
 * arch_switch(save, to): pushes ra and s0-s11 (the registers a call preserves, RISC-V
 * psABI), stores sp in *save, loads sp = to and pops the same from there.
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
