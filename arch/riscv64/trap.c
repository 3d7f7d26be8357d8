/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * riscv64 traps (RISC-V priv 4.1.8 scause, table 4.2; 4.1.9 stval). Page faults
 * (instruction 12, load 13, store/AMO 15) are decoded into the portable struct
 * mmk_fault and handed to mmk_fault_dispatch; a resolved fault returns to the faulting
 * instruction. RISC-V does not say whether the page was mapped: the fault is "present"
 * when the space has a leaf there. A fault on a leaf whose A (or, for a store, D) bit
 * was cleared - a hart that does not update them itself (4.3.1, Svade) - is first
 * resolved by setting them (riscv64_mmu_fix_accessed). Anything else, or a fault that
 * cannot be resolved (outside the probes), is reported and stops the kernel - so is an
 * S-mode access to a user page while sstatus.SUM is clear (4.1.1.2), which no handler
 * can make succeed. From U-mode: ecall is a system call, a fault that cannot be
 * resolved or any other exception kills the process (kernel/proc.c); the supervisor
 * timer interrupt (which arrives only in U-mode: the kernel runs with sstatus.SIE clear)
 * preempts it (arch/riscv64/user.c).
 */
#include <mmukit/fault.h>
#include <mmukit/services.h>
#include <mmukit/types.h>

#include "kernel/user_entry.h"
#include "platform.h"
#include "pte.h"
#include "trap.h"

#define CAUSE_INTERRUPT (1ull << 63)
#define CAUSE_FETCH_PAGE_FAULT 12
#define CAUSE_LOAD_PAGE_FAULT 13
#define CAUSE_STORE_PAGE_FAULT 15
#define CAUSE_ECALL_FROM_U 8
#define IRQ_S_TIMER 5
#define SSTATUS_SPP (1ull << 8)  /* the trap came from S-mode (4.1.1) */
#define SSTATUS_SUM (1ull << 18) /* S-mode may touch U pages (4.1.1.2) */

static const char *cause_name(uint64_t cause)
{
	static const char *const names[] = {
		"instruction address misaligned", "instruction access fault",
		"illegal instruction", "breakpoint", "load address misaligned",
		"load access fault", "store/AMO address misaligned", "store/AMO access fault",
		"environment call from U-mode", "environment call from S-mode", "reserved",
		"reserved", "instruction page fault", "load page fault", "reserved",
		"store/AMO page fault",
	};
	if (cause & CAUSE_INTERRUPT)
		return "interrupt";
	return cause < sizeof(names) / sizeof(names[0]) ? names[cause] : "unknown cause";
}

extern char riscv64_probe_read_ip[], riscv64_probe_write_ip[], riscv64_probe_fixup[];
extern char riscv64_load_ip[];

/* A fatal fault in a probe instruction resumes at the probe's fixup (-MMK_EFAULT; it
 * clears SUM, which arch_kernel_load never set); a fetch fault of kernel_exec_probe's
 * call returns to its caller (ra). */
static bool probe_fixup(struct riscv64_trap_frame *f)
{
	if (kernel_exec_probe_fault(f->sepc)) {
		f->sepc = f->x[1];
		return true;
	}
	if (f->sepc != (uintptr_t)riscv64_probe_read_ip &&
	    f->sepc != (uintptr_t)riscv64_probe_write_ip && f->sepc != (uintptr_t)riscv64_load_ip)
		return false;
	f->sepc = (uintptr_t)riscv64_probe_fixup;
	return true;
}

static unsigned fault_access(uint64_t cause)
{
	return cause == CAUSE_FETCH_PAGE_FAULT ? MMK_ACCESS_EXEC
	       : cause == CAUSE_STORE_PAGE_FAULT ? MMK_ACCESS_WRITE : MMK_ACCESS_READ;
}

/* The flags of the leaf at va in space (or the kernel space, for a kernel address), or 0. */
static unsigned leaf_at(struct mmk_mmu *mmu, struct mmk_mmu_space *space, mmk_vaddr_t va)
{
	struct mmk_mmu_mapping m;
	if (!mmu || !space)
		return 0;
	if (va >= mmk_mmu_kernel_base(mmu))
		space = &mmu->kernel;
	return mmk_mmu_query(space, va, &m) == 0 ? m.flags : 0;
}

static _Noreturn void fatal(struct riscv64_trap_frame *f, struct mmk_mmu *mmu,
			    struct mmk_mmu_space *space, const struct mmk_fault *fault,
			    enum mmk_fault_result r)
{
	mmk_printf("\n%s\n", cause_name(f->scause));
	mmk_fault_report_fatal(space, fault, r);
	if (space)
		mmk_mmu_print_walk(fault->addr >= mmk_mmu_kernel_base(mmu) ? &mmu->kernel : space,
				   fault->addr);
	arch_exit(2);
}

static void page_fault(struct riscv64_trap_frame *f)
{
	struct mmk_mmu *mmu = kernel_mmu();
	struct mmk_mmu_space *space = mmu ? mmu->active : NULL;
	unsigned flags = leaf_at(mmu, space, f->stval);
	bool sum = (f->sstatus & SSTATUS_SUM) != 0;
	struct mmk_fault fault = {
		.addr = f->stval,
		.pc = f->sepc,
		.access = fault_access(f->scause),
		.user = !(f->sstatus & SSTATUS_SPP),
		.present = flags != 0,
		.arch_code = f->scause,
	};
	if (fault.present && riscv64_mmu_fix_accessed(mmu, f->stval, fault.access, fault.user, sum))
		return;
	if (fault.user) {
		proc_user_page_fault(&fault); /* returns only when resolved */
		return;
	}
	/* S-mode fetching from a user page (never allowed), or touching one with SUM clear:
	 * no handler can make that work. */
	bool fetch = fault.access == MMK_ACCESS_EXEC;
	if (!fault.user && (flags & MMK_PROT_USER) && (fetch || !sum)) {
		if (probe_fixup(f))
			return;
		mmk_printf(fetch ? "\nS-mode fetch from a user page"
				 : "\nS-mode access to a user page with sstatus.SUM clear");
		fatal(f, mmu, space, &fault, MMK_FAULT_BAD_ACCESS);
	}
	enum mmk_fault_result r = mmk_fault_dispatch(space, &fault);
	if (r == MMK_FAULT_RESOLVED || probe_fixup(f))
		return;
	fatal(f, mmu, space, &fault, r);
}

void riscv64_trap(struct riscv64_trap_frame *f)
{
	uint64_t cause = f->scause;
	if (cause == CAUSE_FETCH_PAGE_FAULT || cause == CAUSE_LOAD_PAGE_FAULT ||
	    cause == CAUSE_STORE_PAGE_FAULT) {
		page_fault(f);
		return;
	}
	if (cause == (CAUSE_INTERRUPT | IRQ_S_TIMER)) {
		riscv64_timer_interrupt();
		return;
	}
	if (cause == CAUSE_ECALL_FROM_U) {
		f->sepc += 4; /* past the ecall */
		proc_syscall((struct arch_frame *)f);
		return;
	}
	if (!(f->sstatus & SSTATUS_SPP))
		proc_user_exception(cause, f->sepc);
	mmk_printf("\ntrap: %s (scause 0x%llx) at pc 0x%llx, stval 0x%llx, sstatus 0x%llx\n",
		   cause_name(cause), (unsigned long long)cause, (unsigned long long)f->sepc,
		   (unsigned long long)f->stval, (unsigned long long)f->sstatus);
	for (unsigned i = 1; i < 32; i++)
		mmk_printf("x%-2u %016llx%s", i, (unsigned long long)f->x[i], i % 4 == 0 ? "\n" : " ");
	mmk_printf("\n");
	arch_exit(2);
}
