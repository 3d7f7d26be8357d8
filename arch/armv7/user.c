/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ARMv7 user mode for the demo kernel's processes (kernel/platform.h):
 *   - User mode entered by RFE with CPSR = USR, A, I and F clear; exceptions from it land
 *     on sp_svc, the top of the process's kernel stack (arch/armv7/vectors.S);
 *   - svc from User mode is the system call: r7 number, r0-r4 arguments, r0 result;
 *   - the timer: the virtual timer of the Generic Timer (CNTV, ARM ARM B8) at PROC_HZ,
 *     PPI 27 through the GICv2 of QEMU's virt machine (arch/arm/gic.c, shared with
 *     AArch64). The kernel runs with IRQs masked (CPSR.I), so the tick is taken only
 *     in User mode;
 *   - PMUSERENR.EN lets User mode read the cycle counter (for user/perf.c);
 *   - the kernel never runs user memory where the CPU has PXN (arch/armv7/mmu.c). ARMv7
 *     has no PAN: a plain kernel load of a user page works, so the kernel reaches user
 *     memory only through mmk_copy_*_user by its own rule (kernel/user_entry.c).
 */
#include <stddef.h>

#include <mmukit/errno.h>
#include <mmukit/kbench.h>
#include <mmukit/services.h>

#include "cp15.h"
#include "cpu.h"
#include "gic.h"
#include "kernel/proc.h"
#include "kernel/user_entry.h"
#include "platform.h"
#include "trap.h"

#define VTIMER_INTID 27
#define ELF_EM_ARM 40

static uint32_t tick_interval;

bool arch_user_supported(void)
{
	return true;
}

/* CNTV_TVAL then CNTV_CTL = ENABLE (B4.1.21, B4.1.22). */
static void timer_arm(void)
{
	__asm__ volatile("mcr p15, 0, %0, c14, c3, 0; mcr p15, 0, %1, c14, c3, 1; isb"
			 : : "r"(tick_interval), "r"(1u) : "memory");
}

int arch_user_init(unsigned hz)
{
	int err = arm_gic_start(VTIMER_INTID);
	if (err)
		return err;
	uint32_t freq;
	__asm__ volatile("mrc p15, 0, %0, c14, c0, 0" : "=r"(freq)); /* CNTFRQ */
	tick_interval = freq / hz;
	timer_arm();
	(void)arch_cycles(); /* turns the cycle counter on */
	__asm__ volatile("mcr p15, 0, %0, c9, c14, 0" : : "r"(1u)); /* PMUSERENR.EN */
	return 0;
}

void armv7_irq(void)
{
	if (arm_gic_irq(VTIMER_INTID, timer_arm))
		proc_timer_tick();
}

void arch_set_trap_stack(uintptr_t top)
{
	/* sp_svc is the kernel stack top whenever a process runs in User mode. */
}

void arch_frame_init_user(struct arch_frame *af, mmk_vaddr_t pc, mmk_vaddr_t sp)
{
	struct armv7_trap_frame *f = (struct armv7_trap_frame *)af;
	*f = (struct armv7_trap_frame){0};
	f->pc = (uint32_t)pc;
	f->cpsr = MODE_USR; /* ARM state, A I F clear */
	f->usr_sp = (uint32_t)sp;
}

bool arch_user_exec_guarded(void)
{
	return armv7_has_pxn();
}

bool arch_user_nx(void)
{
	return true;
}

/* The trap frame's registers for kernel/user_entry.c. */
#define AT(reg) offsetof(struct armv7_trap_frame, reg)

const struct arch_user_facts arch_user_facts = {
	.frame_size = sizeof(struct armv7_trap_frame),
	.number = AT(r[7]),
	.args = {AT(r[0]), AT(r[1]), AT(r[2]), AT(r[3]), AT(r[4])},
	.result = AT(r[0]),
	.switch_words = 10, /* a pad, r4-r11, lr: returns through lr (switch.S) */
	.return_word = 9,
	.trap_return = armv7_trap_return,
	.elf_machine = ELF_EM_ARM,
	.elf_class = 1,
};
