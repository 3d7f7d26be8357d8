/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * AArch64 entry. QEMU starts the ELF at _start (its physical address) at EL1 (EL2 with
 * virtualization=on: dropped to EL1 here) with the MMU and caches off. The stub, linked
 * where it runs, builds boot tables (VMSAv8-64, 4 KiB granule, 48-bit VAs, ARM ARM D8.2):
 *
 *   TTBR0  the GiB it runs in, identity: survives the instruction that turns the MMU on
 *   TTBR1  DIRECT_MAP + pa for BOOT_DIRECT_GIB GiB of RAM from VIRT_RAM_BASE (1 GiB
 *          blocks): the device tree, the PMM's metadata and early tables are reached there
 *          DEVICE_VA: physical [0, 1 GiB) as Device-nGnRE (the PL011 console)
 *          KERNEL_VA: the GiB of RAM holding the image, where the kernel is linked
 *
 * turns the MMU and caches on and jumps to the kernel half. There: stack, .bss, VBAR_EL1,
 * then aarch64_boot_main(x0). mmk_mmu_init later replaces all of these tables.
 *
 * First it checks the CPU (check_cpu): entered at EL1 or EL2 (this stub has no EL3 exit),
 * 4 KiB translation granules (ID_AA64MMFR0_EL1.TGran4, which these tables and mmukit's
 * format use) and an architected PMU (ID_AA64DFR0_EL1.PMUVer: the cycle counter of the
 * benchmarks and of user/perf.c). What is missing is printed on the PL011 at its physical
 * address and QEMU ends through semihosting with a failing status, never a hang.
 */
#include "virt.h"

/* Stage 1 descriptors, 4 KiB granule (ARM ARM D8.3): table, and blocks with AF (bit 10),
 * AP[2:1] = 00 (EL1 read/write only), global. Normal: AttrIndx 0 (write-back), inner
 * shareable, UXN. Device: AttrIndx 3 (Device-nGnRE), PXN and UXN. */
#define DESC_TABLE 0x3
#define BLOCK_NORMAL 0x0040000000000701
#define BLOCK_DEVICE 0x006000000000040D
#define GIB_SHIFT 30

/* MAIR_EL1 (D13.2): 0 normal WB RW-allocate, 1 normal WT, 2 normal non-cacheable,
 * 3 Device-nGnRE - the indexes arch/aarch64/mmu.c uses too. */
#define MAIR_VALUE 0x0444BBFF
/* TCR_EL1 (D13.2): T0SZ = T1SZ = 16 (48-bit), TG0 4 KiB, TG1 4 KiB, table walks
 * inner shareable write-back; IPS from ID_AA64MMFR0_EL1.PARange, 8-bit ASIDs for now. */
#define TCR_VALUE 0xB5103510
/* SCTLR_EL1 (D13.2): the v8.0 RES1 bits, M, C, SA, I; alignment checks off. */
#define SCTLR_VALUE 0x30D0180D

/* The boot tables, one page each, in .boot.bss. */
#define T0_L0 0x0000
#define T0_L1 0x1000
#define T1_L0 0x2000
#define T1_L1_DIRECT 0x3000
#define T1_L1_TOP 0x4000
#define TABLES_SIZE 0x5000

/* check_cpu: one bit per missing feature, printed in this order. */
#define MISSING_EL 1
#define MISSING_TGRAN4 2
#define MISSING_PMU 4
#define UARTFR 0x18
#define UARTFR_TXFF_BIT 5               /* PL011 TRM 3.3.3: transmit FIFO full */
#define SYS_EXIT 0x18                   /* Arm Semihosting v2, 6.5 (console.c) */

	.section .text.boot, "ax"
	.globl _start
_start:
	mov x19, x0                     /* a Linux-style boot passes the device tree here */
	mrs x1, CurrentEL
	lsr x1, x1, #2
	cmp x1, #2
	b.ne 1f
	mov x1, #(1 << 31)              /* HCR_EL2.RW: EL1 is AArch64 (D13.2) */
	msr hcr_el2, x1
	mov x1, #0x3C5                  /* SPSR: EL1h, D A I F masked */
	msr spsr_el2, x1
	adr x1, 1f
	msr elr_el2, x1
	eret
1:	msr daifset, #0xF
	bl check_cpu                    /* returns only if the kernel can run here */

	adrp x20, boot_tables           /* MMU off: its physical address */
	mov x1, x20
	add x2, x20, #TABLES_SIZE
2:	stp xzr, xzr, [x1], #16
	cmp x1, x2
	b.lo 2b

	ldr x3, =BLOCK_NORMAL
	adr x4, _start
	lsr x4, x4, #GIB_SHIFT          /* the GiB we run in: its index ... */
	lsl x5, x4, #GIB_SHIFT          /* ... and base */
	orr x6, x5, x3

	/* TTBR0: identity of our GiB (L0 entry 0: the stub lies below 512 GiB) */
	add x1, x20, #T0_L1
	orr x1, x1, #DESC_TABLE
	str x1, [x20, #T0_L0]
	add x1, x20, #T0_L1
	str x6, [x1, x4, lsl #3]

	/* TTBR1: L0[0] the direct map, L0[511] the top 512 GiB */
	add x1, x20, #T1_L1_DIRECT
	orr x1, x1, #DESC_TABLE
	str x1, [x20, #T1_L0]
	add x1, x20, #T1_L1_TOP
	orr x1, x1, #DESC_TABLE
	str x1, [x20, #(T1_L0 + 511 * 8)]

	add x1, x20, #T1_L1_DIRECT      /* RAM GiBs into the direct map */
	mov x2, #(VIRT_RAM_BASE >> GIB_SHIFT)
	mov x7, #BOOT_DIRECT_GIB
3:	lsl x8, x2, #GIB_SHIFT
	orr x8, x8, x3
	str x8, [x1, x2, lsl #3]
	add x2, x2, #1
	subs x7, x7, #1
	b.ne 3b

	add x1, x20, #T1_L1_TOP
	ldr x8, =BLOCK_DEVICE           /* DEVICE_VA: L1 index 509 */
	str x8, [x1, #(509 * 8)]
	str x6, [x1, #(510 * 8)]        /* KERNEL_VA: L1 index 510 */

	/* The walker may read through the caches: drop any stale line of the tables
	 * (DC IVAC to the point of coherency), line size from CTR_EL0.DminLine. */
	mrs x1, ctr_el0
	ubfx x1, x1, #16, #4            /* DminLine: log2 of words */
	mov x2, #4
	lsl x2, x2, x1
	mov x1, x20
	add x7, x20, #TABLES_SIZE
4:	dc ivac, x1
	add x1, x1, x2
	cmp x1, x7
	b.lo 4b
	dsb sy

	ldr x1, =MAIR_VALUE
	msr mair_el1, x1
	mrs x2, id_aa64mmfr0_el1
	and x2, x2, #7                  /* PARange -> TCR_EL1.IPS */
	ldr x1, =TCR_VALUE
	bfi x1, x2, #32, #3
	msr tcr_el1, x1
	add x1, x20, #T0_L0
	msr ttbr0_el1, x1
	add x1, x20, #T1_L0
	msr ttbr1_el1, x1
	isb
	tlbi vmalle1
	ic iallu
	dsb nsh
	isb
	ldr x1, =SCTLR_VALUE
	msr sctlr_el1, x1
	isb
	ldr x1, =start_high
	br x1
	.ltorg

/*
 * aarch64_ttbr1_switch(x0 new TTBR1, x1 an empty table): run here, through the boot's
 * identity map, so TTBR1 can be empty for a moment (break-before-make, ARM ARM D8.14):
 * nothing it translates is touched until the new root is in. Called by cpu.c.
 */
	.globl aarch64_ttbr1_switch
aarch64_ttbr1_switch:
	msr ttbr1_el1, x1
	isb
	tlbi vmalle1is
	dsb ish
	isb
	msr ttbr1_el1, x0
	isb
	ret

/*
 * MMU off. Returns if the CPU has what the boot and mmukit's format need; otherwise
 * prints the missing features and exits through semihosting SYS_EXIT with status 1.
 * Uses x0-x3, x9.
 */
check_cpu:
	mov x9, xzr
	mrs x1, CurrentEL
	ubfx x1, x1, #2, #2
	cmp x1, #3                      /* EL3: no code here leaves it */
	b.ne 1f
	orr x9, x9, #MISSING_EL
1:	mrs x1, id_aa64mmfr0_el1
	ubfx x2, x1, #28, #4            /* TGran4 (ARM ARM D13.2 ID_AA64MMFR0_EL1): 0xF absent */
	cmp x2, #0xF
	b.ne 2f
	orr x9, x9, #MISSING_TGRAN4
2:	mrs x1, id_aa64dfr0_el1
	ubfx x2, x1, #8, #4             /* PMUVer (D13.2 ID_AA64DFR0_EL1): 0 none, 0xF not */
	sub x2, x2, #1                  /* the architected one: 1..0xE pass */
	cmp x2, #0xE
	b.lo 3f
	orr x9, x9, #MISSING_PMU
3:	cbnz x9, cpu_missing
	ret

cpu_missing:
	adr x0, msg_cpu
	bl boot_puts
	adr x0, msg_el3
	tbz x9, #0, 1f
	bl boot_puts
1:	adr x0, msg_tgran4
	tbz x9, #1, 2f
	bl boot_puts
2:	adr x0, msg_pmu
	tbz x9, #2, 3f
	bl boot_puts
3:	adr x0, msg_end
	bl boot_puts
	mov x0, #SYS_EXIT
	adr x1, exit_failure
	hlt #0xf000
4:	wfi
	b 4b

/* Prints the NUL-terminated string at x0 on the PL011 (physical: the MMU is off). */
boot_puts:
	mov x1, #VIRT_UART_PA
1:	ldrb w2, [x0], #1
	cbz w2, 3f
2:	ldr w3, [x1, #UARTFR]
	tbnz w3, #UARTFR_TXFF_BIT, 2b
	str w2, [x1]
	b 1b
3:	ret

	.balign 8
exit_failure:
	.quad 0x20026, 0x11             /* ADP_Stopped_ApplicationExit, 0x10 + status 1 */
msg_cpu:
	.asciz "\nmmukit aarch64: this CPU lacks"
msg_el3:
	.asciz " entry at EL1 or EL2 (it was started at EL3)"
msg_tgran4:
	.asciz " 4 KiB translation granules (ID_AA64MMFR0_EL1.TGran4)"
msg_pmu:
	.asciz " an architected PMU (ID_AA64DFR0_EL1.PMUVer: the cycle counter)"
msg_end:
	.asciz "; the kernel needs an ARMv8-A CPU entered at EL1 or EL2\n"
	.balign 4

	.section .boot.bss, "aw", %nobits
	.balign 4096
	.globl boot_tables
boot_tables:
	.skip TABLES_SIZE

	.text
start_high:
	ldr x1, =boot_stack_top
	mov sp, x1
	ldr x1, =_bss_start
	ldr x2, =_bss_end
5:	cmp x1, x2
	b.hs 6f
	stp xzr, xzr, [x1], #16
	b 5b
6:	ldr x1, =aarch64_vectors
	msr vbar_el1, x1
	isb
	mov x0, x19
	bl aarch64_boot_main
7:	wfi
	b 7b

	.bss
	.balign 16
	.globl boot_stack, boot_stack_top
boot_stack:
	.skip 16384
boot_stack_top:
