/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * AArch64 user mode for the demo kernel's processes (kernel/platform.h):
 *   - EL0 entered by eret with SPSR_EL1 = EL0t and DAIF clear; an exception from EL0
 *     lands on SP_EL1, the top of the process's kernel stack (arch/aarch64/vectors.S);
 *   - svc from EL0 (ESR EC 0x15) is the system call: x8 number, x0-x4 arguments, x0
 *     result;
 *   - the timer: the EL1 virtual timer (CNTV, ARM ARM D11) at PROC_HZ, PPI 27 through the
 *     GICv2 of QEMU's virt machine (arch/arm/gic.c, shared with ARMv7). The kernel runs
 *     with IRQs masked (PSTATE.I), so the tick is taken only at EL0;
 *   - PMUSERENR_EL0.EN lets EL0 read the cycle counter (for user/perf.c);
 *   - the kernel kept off user pages: user leaves are PXN (arch/aarch64/mmu.c), so EL1
 *     never executes them; with FEAT_PAN (ID_AA64MMFR1_EL1.PAN, -cpu max has it,
 *     cortex-a57 not) PSTATE.PAN = 1 makes an EL1 load or store to a page EL0 can reach
 *     fault (ARM ARM D5.4, "PAN"), and SCTLR_EL1.SPAN = 0 sets PSTATE.PAN again on
 *     every exception taken to EL1 (D13.2, SCTLR_EL1). The kernel reaches user memory
 *     only through mmk_copy_*_user, which copies through the kernel's view of the frame
 *     (kernel/user_entry.c), so PAN is never lifted.
 */
#include <stddef.h>

#include <mmukit/errno.h>
#include <mmukit/kbench.h>
#include <mmukit/services.h>

#include "cpu.h"
#include "gic.h"
#include "kernel/proc.h"
#include "kernel/user_entry.h"
#include "platform.h"
#include "trap.h"

#define VTIMER_INTID 27
#define ELF_EM_AARCH64 183
#define MMFR1_PAN_SHIFT 20
#define SCTLR_SPAN (1ull << 23)
#define PSTATE_PAN (1ull << 22)

static uint64_t tick_interval;
static bool pan_on;

bool arch_user_supported(void)
{
	return true;
}

static void timer_arm(void)
{
	__asm__ volatile("msr cntv_tval_el0, %0; msr cntv_ctl_el0, %1; isb"
			 : : "r"(tick_interval), "r"(1ull) : "memory"); /* ENABLE, not IMASK */
}

/* PAN, when the CPU has it: SPAN clear, then PSTATE.PAN set through the PAN register
 * (S3_0_C4_C2_3: the assembler needs no FEAT_PAN option for the generic name). */
static void enable_pan(void)
{
	if (((aarch64_read_mmfr1() >> MMFR1_PAN_SHIFT) & 0xF) == 0) {
		mmk_printf("# aarch64: PXN on user pages, PAN absent\n");
		return;
	}
	uint64_t sctlr;
	__asm__ volatile("mrs %0, sctlr_el1" : "=r"(sctlr));
	__asm__ volatile("msr sctlr_el1, %0; isb" : : "r"(sctlr & ~SCTLR_SPAN) : "memory");
	__asm__ volatile("msr S3_0_C4_C2_3, %0; isb" : : "r"(PSTATE_PAN) : "memory");
	pan_on = true;
	mmk_printf("# aarch64: PXN on user pages, PAN on\n");
}

int arch_user_init(unsigned hz)
{
	int err = arm_gic_start(VTIMER_INTID);
	if (err)
		return err;
	uint64_t freq;
	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(freq));
	tick_interval = freq / hz;
	timer_arm();
	(void)arch_cycles(); /* turns the cycle counter on */
	__asm__ volatile("msr pmuserenr_el0, %0" : : "r"(1ull));
	enable_pan();
	return 0;
}

void aarch64_irq(void)
{
	if (arm_gic_irq(VTIMER_INTID, timer_arm))
		proc_timer_tick();
}

void arch_set_trap_stack(uintptr_t top)
{
	/* SP_EL1 is the kernel stack top whenever a process runs at EL0. */
}

void arch_frame_init_user(struct arch_frame *af, mmk_vaddr_t pc, mmk_vaddr_t sp)
{
	struct aarch64_trap_frame *f = (struct aarch64_trap_frame *)af;
	*f = (struct aarch64_trap_frame){0};
	f->elr = pc;
	f->spsr = 0; /* EL0t, D A I F clear */
	f->sp = sp;
}

bool arch_user_access_guarded(void)
{
	return pan_on;
}

bool arch_user_exec_guarded(void)
{
	return true; /* PXN on every user leaf */
}

bool arch_user_nx(void)
{
	return true;
}

/* The trap frame's registers for kernel/user_entry.c. */
#define AT(reg) offsetof(struct aarch64_trap_frame, reg)

const struct arch_user_facts arch_user_facts = {
	.frame_size = sizeof(struct aarch64_trap_frame),
	.number = AT(x[8]),
	.args = {AT(x[0]), AT(x[1]), AT(x[2]), AT(x[3]), AT(x[4])},
	.result = AT(x[0]),
	.switch_words = 12, /* x19-x30: returns through x30 (switch.S) */
	.return_word = 11,
	.trap_return = aarch64_trap_return,
	.elf_machine = ELF_EM_AARCH64,
	.elf_class = 2,
};
