/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * AArch64 user mode for the demo kernel's processes (kernel/platform.h):
 *   - EL0 entered by eret with SPSR_EL1 = EL0t and DAIF clear; an exception from EL0
 *     lands on SP_EL1, the top of the process's kernel stack (arch/aarch64/vectors.S);
 *   - svc from EL0 (ESR EC 0x15) is the system call: x8 number, x0-x4 arguments, x0
 *     result;
 *   - the timer: the EL1 virtual timer (CNTV, ARM ARM D11) at PROC_HZ, PPI 27 through the
 *     GICv2 of QEMU's virt machine (distributor 0x08000000, CPU interface 0x08010000,
 *     mapped in the kernel window). The kernel runs with IRQs masked (PSTATE.I), so the
 *     tick is taken only at EL0;
 *   - PMUSERENR_EL0.EN lets EL0 read the cycle counter (for user/perf.c).
 */
#include <mmukit/errno.h>
#include <mmukit/kbench.h>
#include <mmukit/kvm.h>
#include <mmukit/services.h>

#include "kernel/proc.h"
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
#define ELF_EM_AARCH64 183

static volatile uint8_t *gic;
static struct mmk_kvm_pages gic_pages;
static uint64_t tick_interval;

int aarch64_user_copy(void *dst, const void *src, size_t n);

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

static void timer_arm(void)
{
	__asm__ volatile("msr cntv_tval_el0, %0; msr cntv_ctl_el0, %1; isb"
			 : : "r"(tick_interval), "r"(1ull) : "memory"); /* ENABLE, not IMASK */
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
	uint64_t freq;
	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(freq));
	tick_interval = freq / hz;
	timer_arm();
	(void)arch_cycles(); /* turns the cycle counter on */
	__asm__ volatile("msr pmuserenr_el0, %0" : : "r"(1ull));
	return 0;
}

void aarch64_irq(void)
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
	struct aarch64_trap_frame *f = (struct aarch64_trap_frame *)top - 1;
	*f = (struct aarch64_trap_frame){0};
	*frame = (struct arch_frame *)f;
	uint64_t *sp = (uint64_t *)f - 12; /* arch_switch's x19-x30 */
	for (unsigned i = 0; i < 12; i++)
		sp[i] = 0;
	sp[11] = (uint64_t)(uintptr_t)aarch64_trap_return; /* x30 */
	return (uintptr_t)sp;
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

void arch_frame_copy(struct arch_frame *dst, const struct arch_frame *src)
{
	*(struct aarch64_trap_frame *)dst = *(const struct aarch64_trap_frame *)src;
}

unsigned long arch_frame_syscall(const struct arch_frame *af, unsigned long args[5])
{
	const struct aarch64_trap_frame *f = (const struct aarch64_trap_frame *)af;
	for (unsigned i = 0; i < 5; i++)
		args[i] = f->x[i];
	return f->x[8];
}

void arch_frame_set_return(struct arch_frame *af, long value)
{
	((struct aarch64_trap_frame *)af)->x[0] = (uint64_t)value;
}

static bool user_range(mmk_vaddr_t va, size_t n)
{
	mmk_vaddr_t end = mmk_mmu_user_end(kernel_mmu());
	return va >= mmk_mmu_user_base(kernel_mmu()) && va < end && n <= end - va;
}

int arch_copy_from_user(void *dst, mmk_vaddr_t src, size_t n)
{
	if (!user_range(src, n))
		return -MMK_EFAULT;
	return aarch64_user_copy(dst, (const void *)(uintptr_t)src, n);
}

int arch_copy_to_user(mmk_vaddr_t dst, const void *src, size_t n)
{
	if (!user_range(dst, n))
		return -MMK_EFAULT;
	return aarch64_user_copy((void *)(uintptr_t)dst, src, n);
}

bool arch_user_nx(void)
{
	return true;
}

unsigned arch_elf_machine(void)
{
	return ELF_EM_AARCH64;
}

unsigned arch_elf_class(void)
{
	return 2;
}
