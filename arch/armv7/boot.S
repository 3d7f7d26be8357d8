/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ARMv7 entry. QEMU starts the ELF at _start (its physical address) in SVC mode with
 * the MMU and caches off. The stub, linked where it runs, builds an early first-level
 * table (ARM ARM B3.5.1, sections only):
 *
 *   the MiB it runs in        identity, to survive the instruction that turns on the MMU
 *   0x80000000-0xBFFFFFFF     the GiB of RAM holding the image (the linear map),
 *                             where the rest of the kernel is linked
 *   0xFFF00000                the PL011 UART (1 MiB device section): the console
 *
 * turns the MMU and caches on with it in TTBR0 (TTBCR.N = 0) and jumps to the kernel
 * half. There: stack, .bss, VBAR at the vector page, then armv7_boot_main(r0, r1, r2).
 * mmk_mmu_init later replaces this table (its identity entry included) by its own.
 *
 * First it checks the CPU (check_cpu) from its ID registers (ARM ARM B4.1):
 * a VMSAv7 MMU (ID_MMFR0.VMSA: short descriptors, TTBR0/TTBR1 split by TTBCR.N, ASIDs),
 * the Multiprocessing Extensions (MPIDR.M: TLBIMVAA, which drops a global kernel
 * entry under every ASID, B4.2.2), SDIV/UDIV in ARM state (ID_ISAR0.Divide_instrs: the
 * kernel is built for a Cortex-A15), the Generic Timer (ID_PFR1.GenTimer: the virtual
 * timer preempts processes) and an architected PMU (ID_DFR0.PerfMon: the cycle counter
 * of the benchmarks and user/perf.c). What is missing is printed on the PL011 at its
 * physical address and QEMU ends through semihosting with a failing status.
 */
#include "cp15.h"

#define SECTION_NORMAL 0x140E /* section, TEX 001 C B (normal write-back), AP 01 (PL1 RW): pte.h */
#define SECTION_DEVICE 0x0416 /* section, B (shareable device), XN, AP 01 */
#define SECTION_SHIFT 20
#define LINEAR_L1_INDEX 0x800 /* 0x80000000 >> 20 */
#define UART_PA 0x09000000
#define CONSOLE_L1_INDEX 0xFFF /* 0xFFF00000 >> 20: platform.h CONSOLE_VA */
#define UARTFR 0x18
#define UARTFR_TXFF 0x20 /* PL011 TRM 3.3.3: transmit FIFO full */
#define SYS_EXIT_EXTENDED 0x20 /* Arm Semihosting v2, 6.5 (console.c) */

/* check_cpu: one bit per missing feature, printed in this order. */
#define MISSING_VMSA 1
#define MISSING_MP 2
#define MISSING_DIVIDE 4
#define MISSING_TIMER 8
#define MISSING_PMU 16

	.section .text.boot, "ax"
	.arm
	.globl _start
_start:
	cpsid aif, #MODE_SVC
	mov r7, r0
	mov r8, r1
	mov r9, r2
	bl check_cpu                    /* returns only if the kernel can run here */

	ldr r4, =early_l1               /* linked low: its physical address */
	mov r0, r4
	add r1, r4, #16384
	mov r2, #0
1:	str r2, [r0], #4
	cmp r0, r1
	blo 1b

	ldr r1, =SECTION_NORMAL
	adr r0, _start                  /* identity for the MiB we run in */
	lsr r0, r0, #SECTION_SHIFT
	orr r2, r1, r0, lsl #SECTION_SHIFT
	str r2, [r4, r0, lsl #2]

	adr r0, _start                  /* the image's GiB of RAM at 0x80000000 */
	lsr r0, r0, #30
	orr r0, r1, r0, lsl #30
	add r3, r4, #(LINEAR_L1_INDEX * 4)
	mov r5, #1024
2:	str r0, [r3], #4
	add r0, r0, #(1 << SECTION_SHIFT)
	subs r5, r5, #1
	bne 2b

	ldr r0, =(UART_PA | SECTION_DEVICE)
	ldr r3, =CONSOLE_L1_INDEX
	str r0, [r4, r3, lsl #2]

	/* Caches and TLBs hold nothing we want (B2.2.2, B3.10); then the table, the
	 * domain, and SCTLR (B4.1.130): MMU, caches, branch prediction on; alignment
	 * checking, TEX remap, access flag and high vectors off. */
	mov r0, #0
	mcr p15, 0, r0, c8, c7, 0       /* TLBIALL */
	mcr p15, 0, r0, c7, c5, 0       /* ICIALLU */
	mcr p15, 0, r0, c7, c5, 6       /* BPIALL */
	mcr p15, 0, r0, c2, c0, 2       /* TTBCR = 0: TTBR0 translates everything for now */
	mcr p15, 0, r0, c13, c0, 1      /* CONTEXTIDR: ASID 0 */
	orr r0, r4, #TTBR_WALK_WBWA
	mcr p15, 0, r0, c2, c0, 0       /* TTBR0 */
	mov r0, #DACR_D0_CLIENT
	mcr p15, 0, r0, c3, c0, 0       /* DACR */
	dsb
	isb
	mrc p15, 0, r0, c1, c0, 0
	ldr r1, =(SCTLR_A | SCTLR_V | SCTLR_TRE | SCTLR_AFE)
	bic r0, r0, r1
	ldr r1, =(SCTLR_M | SCTLR_C | SCTLR_Z | SCTLR_I)
	orr r0, r0, r1
	mcr p15, 0, r0, c1, c0, 0
	isb
	ldr pc, =start_high
	.ltorg

/*
 * MMU off. Returns if the CPU has what the boot, mmukit's format and the kernel need;
 * otherwise prints the missing features and exits through semihosting with status 1.
 * Uses r0-r3, r10.
 */
check_cpu:
	mov r10, #0
	mrc p15, 0, r0, c0, c1, 4       /* ID_MMFR0 (ARM ARM B4.1) */
	and r0, r0, #0xF                /* VMSA: 3 and up are VMSAv7 */
	cmp r0, #3
	blo 1f
	cmp r0, #0xF                    /* 0xF: reserved, not an architected VMSA */
	bne 2f
1:	orr r10, r10, #MISSING_VMSA
2:	mrc p15, 0, r0, c0, c0, 5       /* MPIDR (B4.1): M, bit 31 */
	tst r0, #(1 << 31)
	orreq r10, r10, #MISSING_MP
	mrc p15, 0, r0, c0, c2, 0       /* ID_ISAR0 (B4.1): Divide_instrs, bits 27:24 */
	ubfx r0, r0, #24, #4
	cmp r0, #2                      /* 2: in ARM and Thumb state */
	orrlo r10, r10, #MISSING_DIVIDE
	mrc p15, 0, r0, c0, c1, 1       /* ID_PFR1 (B4.1): GenTimer, bits 19:16 */
	ubfx r0, r0, #16, #4
	cmp r0, #1
	orrlo r10, r10, #MISSING_TIMER
	mrc p15, 0, r0, c0, c1, 2       /* ID_DFR0 (B4.1): PerfMon, bits 27:24 */
	ubfx r0, r0, #24, #4
	sub r0, r0, #1                  /* 1..0xE: an architected PMU; 0 none, 0xF not */
	cmp r0, #0xE
	orrhs r10, r10, #MISSING_PMU
	cmp r10, #0
	bxeq lr

	ldr r0, =msg_cpu
	bl boot_puts
	ldr r0, =msg_vmsa
	tst r10, #MISSING_VMSA
	blne boot_puts
	ldr r0, =msg_mp
	tst r10, #MISSING_MP
	blne boot_puts
	ldr r0, =msg_divide
	tst r10, #MISSING_DIVIDE
	blne boot_puts
	ldr r0, =msg_timer
	tst r10, #MISSING_TIMER
	blne boot_puts
	ldr r0, =msg_pmu
	tst r10, #MISSING_PMU
	blne boot_puts
	ldr r0, =msg_end
	bl boot_puts
	mov r0, #SYS_EXIT_EXTENDED
	ldr r1, =exit_failure
	svc 0x123456
4:	wfi
	b 4b

/* Prints the NUL-terminated string at r0 on the PL011 (physical: the MMU is off). */
boot_puts:
	ldr r2, =0x09000000             /* UART_PA */
1:	ldrb r1, [r0], #1
	cmp r1, #0
	bxeq lr
2:	ldr r3, [r2, #UARTFR]
	tst r3, #UARTFR_TXFF
	bne 2b
	str r1, [r2]
	b 1b
	.ltorg

	.balign 4
exit_failure:
	.word 0x20026, 0x11             /* ADP_Stopped_ApplicationExit, 0x10 + status 1 */
msg_cpu:
	.asciz "\nmmukit armv7: this CPU lacks"
msg_vmsa:
	.asciz " a VMSAv7 MMU (ID_MMFR0.VMSA)"
msg_mp:
	.asciz " the Multiprocessing Extensions (MPIDR.M: TLBIMVAA)"
msg_divide:
	.asciz " SDIV/UDIV in ARM state (ID_ISAR0.Divide_instrs)"
msg_timer:
	.asciz " the Generic Timer (ID_PFR1.GenTimer)"
msg_pmu:
	.asciz " an architected PMU (ID_DFR0.PerfMon: the cycle counter)"
msg_end:
	.asciz "; the kernel needs a Cortex-A7/A15-class ARMv7-A CPU\n"
	.balign 4

	.section .boot.bss, "aw", %nobits
	.balign 16384
early_l1:
	.skip 16384

	.text
	.arm
start_high:
	ldr sp, =boot_stack_top
	ldr r0, =_bss_start
	ldr r1, =_bss_end
	mov r2, #0
3:	cmp r0, r1
	strlo r2, [r0], #4
	blo 3b
	ldr r0, =_vectors_start
	mcr p15, 0, r0, c12, c0, 0      /* VBAR (B4.1.156), until the high vectors are mapped */
	isb
	mov r0, r7
	mov r1, r8
	mov r2, r9
	bl armv7_boot_main
4:	wfi
	b 4b

	.bss
	.balign 8
	.globl boot_stack, boot_stack_top
boot_stack:
	.skip 16384
boot_stack_top:
