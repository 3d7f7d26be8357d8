/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ARMv7 user mode for the demo kernel's processes (kernel/platform.h):
 *   - User mode entered by RFE with CPSR = USR, A, I and F clear; exceptions from it land
 *     on sp_svc, the top of the process's kernel stack (arch/armv7/vectors.S);
 *   - svc from User mode is the system call: r7 number, r0-r4 arguments, r0 result;
 *   - the timer: the virtual timer of the Generic Timer (CNTV, ARM ARM B8) at PROC_HZ,
 *     PPI 27 through the GICv2 of QEMU's virt machine (distributor 0x08000000, CPU
 *     interface 0x08010000, mapped in the kernel window). The kernel runs with IRQs
 *     masked (CPSR.I), so the tick is taken only in User mode;
 *   - PMUSERENR.EN lets User mode read the cycle counter (for user/perf.c);
 *   - the kernel never runs user memory where the CPU has PXN (arch/armv7/mmu.c). ARMv7
 *     has no PAN: a plain kernel load of a user page works, so the kernel reaches user
 *     memory only through mmk_copy_*_user by its own rule (kernel/user_entry.c).
 */
#include <mmukit/errno.h>
#include <mmukit/kbench.h>
#include <mmukit/kvm.h>
#include <mmukit/services.h>

#include "cp15.h"
#include "cpu.h"
#include "kernel/proc.h"
#include "kernel/user_entry.h"
#include "platform.h"
#include "trap.h"

#define GIC_PA 0x08000000ull /* GICD, then GICC at +64 KiB (QEMU virt) */
#define GIC_SIZE 0x20000ull
#define GICD_CTLR 0x000
#define GICD_ISENABLER0 0x100
#define GICD_IPRIORITYR 0x400
#define GICC 0x10000
#define GICC_CTLR 0x00
#define GICC_PMR 0x04
#define GICC_IAR 0x0C
#define GICC_EOIR 0x10
#define VTIMER_INTID 27
#define ELF_EM_ARM 40

static volatile uint8_t *gic;
static struct mmk_kvm_pages gic_pages;
static uint32_t tick_interval;


bool arch_user_supported(void)
{
	return true;
}

static void gic_write(unsigned offset, uint32_t v)
{
	*(volatile uint32_t *)(gic + offset) = v;
}

static uint32_t gic_read(unsigned offset)
{
	return *(volatile uint32_t *)(gic + offset);
}

/* CNTV_TVAL then CNTV_CTL = ENABLE (B4.1.21, B4.1.22). */
static void timer_arm(void)
{
	__asm__ volatile("mcr p15, 0, %0, c14, c3, 0; mcr p15, 0, %1, c14, c3, 1; isb"
			 : : "r"(tick_interval), "r"(1u) : "memory");
}

int arch_user_init(unsigned hz)
{
	mmk_vaddr_t va;
	int err = mmk_kvm_map_mmio(kernel_kvm(), &gic_pages, GIC_PA, GIC_SIZE, MMK_CACHE_UC, &va);
	if (err)
		return err;
	gic = (volatile uint8_t *)(uintptr_t)va;
	gic[GICD_IPRIORITYR + VTIMER_INTID] = 0x80;
	gic_write(GICD_ISENABLER0, 1u << VTIMER_INTID);
	gic_write(GICD_CTLR, 1);
	gic_write(GICC + GICC_PMR, 0xFF);
	gic_write(GICC + GICC_CTLR, 1);
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
	uint32_t iar = gic_read(GICC + GICC_IAR);
	unsigned id = iar & 0x3FF;
	if (id == 1023)
		return; /* spurious */
	if (id == VTIMER_INTID)
		timer_arm(); /* the next tick; lowers the interrupt */
	gic_write(GICC + GICC_EOIR, iar);
	if (id == VTIMER_INTID)
		proc_timer_tick();
}

uintptr_t arch_thread_init(uintptr_t top, struct arch_frame **frame)
{
	struct armv7_trap_frame *f = (struct armv7_trap_frame *)top - 1;
	*f = (struct armv7_trap_frame){0};
	*frame = (struct arch_frame *)f;
	uint32_t *sp = (uint32_t *)f - 10; /* arch_switch's pad, r4-r11, lr */
	for (unsigned i = 0; i < 10; i++)
		sp[i] = 0;
	sp[9] = (uint32_t)(uintptr_t)armv7_trap_return; /* lr */
	return (uintptr_t)sp;
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

void arch_frame_copy(struct arch_frame *dst, const struct arch_frame *src)
{
	*(struct armv7_trap_frame *)dst = *(const struct armv7_trap_frame *)src;
}

unsigned long arch_frame_syscall(const struct arch_frame *af, unsigned long args[5])
{
	const struct armv7_trap_frame *f = (const struct armv7_trap_frame *)af;
	for (unsigned i = 0; i < 5; i++)
		args[i] = f->r[i];
	return f->r[7];
}

void arch_frame_set_return(struct arch_frame *af, long value)
{
	((struct armv7_trap_frame *)af)->r[0] = (uint32_t)value;
}

bool arch_user_exec_guarded(void)
{
	return armv7_has_pxn();
}

bool arch_user_nx(void)
{
	return true;
}

unsigned arch_elf_machine(void)
{
	return ELF_EM_ARM;
}

unsigned arch_elf_class(void)
{
	return 1;
}
