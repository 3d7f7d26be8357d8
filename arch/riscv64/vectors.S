/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The riscv64 trap entry (stvec, direct mode; RISC-V priv 4.1.2): every exception and
 * interrupt taken in S-mode comes here. It saves the interrupted state on the current
 * stack as a struct riscv64_trap_frame (trap.h) - x1..x31 (x2 as it was), sepc,
 * sstatus, scause, stval - and calls riscv64_trap(frame). When that returns (a page
 * fault resolved, or a probe's fixup), the frame, maybe edited, is restored and sret
 * resumes at frame->sepc. riscv64_trap_return is also where a new process's kernel
 * thread starts (arch_thread_init).
 */
#define FRAME_SIZE (36 * 8)
#define SSTATUS_SPP 0x100

/*
 * sscratch is 0 while the hart runs in S-mode and holds the kernel stack top while it
 * runs in U-mode (riscv64_trap_return sets it), so the first instruction tells the two
 * apart and a trap from U-mode lands on the process's kernel stack (priv 4.1.4).
 */
	.text
	.balign 4
	.globl riscv64_trap_entry
riscv64_trap_entry:
	csrrw sp, sscratch, sp
	bnez sp, 1f
	csrrw sp, sscratch, sp          /* from S-mode: sp back, sscratch 0 again */
	addi sp, sp, -FRAME_SIZE
	.irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	sd x\n, (\n * 8)(sp)
	.endr
	addi t0, sp, FRAME_SIZE
	sd t0, 16(sp)                   /* x2: the interrupted sp */
	j 2f
1:	addi sp, sp, -FRAME_SIZE        /* from U-mode: sp is the kernel stack top */
	.irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	sd x\n, (\n * 8)(sp)
	.endr
	csrrw t0, sscratch, zero        /* the user sp; 0 while in the kernel */
	sd t0, 16(sp)
2:	csrr t0, sepc
	sd t0, (32 * 8)(sp)
	csrr t0, sstatus
	sd t0, (33 * 8)(sp)
	csrr t0, scause
	sd t0, (34 * 8)(sp)
	csrr t0, stval
	sd t0, (35 * 8)(sp)
	mv a0, sp
	call riscv64_trap
	.globl riscv64_trap_return
riscv64_trap_return:
	ld t0, (32 * 8)(sp)
	csrw sepc, t0
	ld t0, (33 * 8)(sp)
	csrw sstatus, t0
	andi t0, t0, SSTATUS_SPP
	bnez t0, 3f
	addi t0, sp, FRAME_SIZE         /* back to U-mode: its next trap starts here */
	csrw sscratch, t0
3:	.irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	ld x\n, (\n * 8)(sp)
	.endr
	ld sp, 16(sp)
	sret
