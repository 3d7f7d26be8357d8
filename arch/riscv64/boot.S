/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * riscv64 entry from OpenSBI (fw_dynamic): S-mode, MMU off, a0 = hart id, a1 = the
 * device tree's physical address (RISC-V SBI spec, "Boot protocol" / Linux riscv boot).
 *
 * The image runs at its load address 0x80200000 but is linked at 0xFFFFFFFF80200000,
 * so until paging is on this stub uses only pc-relative addresses (auipc: lla, and the
 * literal below). It turns Sv39 on (RISC-V priv 4.1.11 satp, MODE 8) with boot_root,
 * a static root table of 1 GiB gigapages (4.4.1: a leaf at level 2):
 *
 *   root[2]        identity: [0x80000000, +1 GiB)        (this stub, until the jump)
 *   root[256..383] the direct map: physical [0, 128 GiB) at 0xFFFFFFC000000000
 *                  (the device tree, the PMM metadata, early tables, the console)
 *   root[510]      the kernel image: [0x80000000, +1 GiB) at 0xFFFFFFFF80000000
 *
 * then jumps to its linked address, clears .bss, sets the stack and stvec, and calls
 * riscv64_boot_main(hart, dtb). boot_root is part of the image (.data), so the PMM
 * never hands its frame out; mmk_mmu_init replaces it.
 *
 * The CPU check: the kernel needs an RV64IMAC hart with S-mode and Sv39 paging (Sv48 is
 * used where satp takes it, probed later by mmk_mmu_init). satp is WARL and a write of a
 * MODE the hart does not implement has no effect at all (RISC-V priv 4.1.11), so the
 * stub reads satp back: if Sv39 did not stick, paging is still off (Bare) and it says so
 * on the UART at its physical address and ends QEMU through the test device with a
 * failing status (never a jump into unmapped addresses).
 */
#define PTE_V 0x001
#define PTE_R 0x002
#define PTE_W 0x004
#define PTE_X 0x008
#define PTE_G 0x020
#define PTE_A 0x040
#define PTE_D 0x080
#define LEAF (PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)
#define SATP_SV39 (8 << 60)
#define STACK_SIZE 32768
#define UART_PA 0x10000000              /* layout.h VIRT_UART_PA: NS16550A, THR at 0 */
#define UART_LSR 5
#define LSR_THRE 0x20                   /* transmit holding register empty */
#define TEST_PA 0x100000                /* layout.h VIRT_TEST_PA: sifive_test */
#define TEST_EXIT_FAILURE 0x113333      /* ((0x10 + status 1) << 16) | 0x3333: console.c */

	.section .text.boot, "ax"
	.globl _start
_start:
	csrw sie, zero
	lla t0, boot_root               /* physical: we run where we were loaded */
	srli t0, t0, 12
	li t1, SATP_SV39
	or t0, t0, t1
	sfence.vma
	csrw satp, t0
	csrr t1, satp                   /* priv 4.1.11: an unsupported MODE changes nothing */
	bne t0, t1, no_sv39
	sfence.vma
	ld t0, high_entry_literal       /* the linked (virtual) address */
	jr t0
	.balign 8
high_entry_literal:
	.quad high_entry

/* Paging is off (satp kept MODE Bare): say what is missing and stop with a failure. */
no_sv39:
	lla a0, msg_no_sv39
	li t0, UART_PA
1:	lbu t1, 0(a0)
	beqz t1, 3f
2:	lbu t2, UART_LSR(t0)
	andi t2, t2, LSR_THRE
	beqz t2, 2b
	sb t1, 0(t0)
	addi a0, a0, 1
	j 1b
3:	li t0, TEST_PA
	li t1, TEST_EXIT_FAILURE
	sw t1, 0(t0)
4:	wfi
	j 4b

	.section .rodata
msg_no_sv39:                            /* reached pc-relative: at its physical address */
	.asciz "\nmmukit riscv64: this hart lacks Sv39 paging (satp MODE 8 does not stick); the kernel needs an RV64IMAC hart with S-mode and Sv39 or Sv48\n"

	.text
high_entry:
	lla sp, boot_stack + STACK_SIZE
	lla t0, _bss_start
	lla t1, _bss_end
1:	bgeu t0, t1, 2f
	sd zero, 0(t0)
	addi t0, t0, 8
	j 1b
2:	lla t0, riscv64_trap_entry
	csrw stvec, t0                  /* direct mode: bits 1:0 = 0 (priv 4.1.2) */
	csrw sscratch, zero             /* 0 in S-mode: the trap entry tells U from S by it */
	mv s0, zero
	call riscv64_boot_main          /* a0, a1 still as OpenSBI left them */
3:	wfi
	j 3b

	.section .data.boot_root, "aw"
	.balign 4096
	.globl boot_root
boot_root:
	.fill 2, 8, 0
	.quad (0x80000000 >> 2) | LEAF               /* [2] identity */
	.fill 253, 8, 0
	.set i, 0
	.rept 128                                   /* [256..383] direct map */
	.quad ((i << 30) >> 2) | LEAF | PTE_G
	.set i, i + 1
	.endr
	.fill 126, 8, 0
	.quad (0x80000000 >> 2) | LEAF | PTE_G       /* [510] the image */
	.quad 0

	.bss
	.balign 16
	.globl boot_stack
boot_stack:
	.skip STACK_SIZE
