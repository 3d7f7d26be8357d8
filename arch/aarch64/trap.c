/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * AArch64 exceptions. Data and instruction aborts are decoded - the syndrome's exception
 * class and fault status (translation, permission, access flag...), FAR_EL1, read or
 * write, the EL they came from - into the portable struct mmk_fault and handed to
 * mmk_fault_dispatch; a resolved fault returns to the faulting instruction. Anything else,
 * or a fault that cannot be resolved (outside the probes), is reported (cause, pc,
 * address) and ends the run as a failure. From EL0: SVC is a system call, an abort that
 * cannot be resolved or any other exception kills the process (kernel/proc.c), and an
 * IRQ is the timer's (arch/aarch64/user.c; the kernel runs with IRQs masked).
 * ARM ARM (DDI 0487): ESR_EL1 D13.2 (EC, ISS), data/instruction abort ISS encodings
 * and their fault status codes (DFSC/IFSC) in D13.2's ISS tables, FAR_EL1 D13.2.
 */
#include <mmukit/fault.h>
#include <mmukit/services.h>
#include <mmukit/types.h>

#include "kernel/user_entry.h"
#include "platform.h"
#include "trap.h"

#define ESR_EC(esr) ((unsigned)((esr) >> 26) & 0x3Fu)
#define EC_IABT_LOWER 0x20
#define EC_IABT_SAME 0x21
#define EC_DABT_LOWER 0x24
#define EC_DABT_SAME 0x25
#define EC_SVC64 0x15
#define ESR_WNR (1u << 6) /* data abort: a write */
#define ESR_FSC 0x3Fu     /* fault status code */

enum fsc_kind { FSC_TRANSLATION, FSC_ACCESS_FLAG, FSC_PERMISSION, FSC_OTHER };

/* Fault status codes 0b0001LL, 0b0010LL, 0b0011LL: LL the lookup level. */
static enum fsc_kind classify(unsigned fsc)
{
	switch (fsc >> 2) {
	case 1: return FSC_TRANSLATION;
	case 2: return FSC_ACCESS_FLAG;
	case 3: return FSC_PERMISSION;
	default: return FSC_OTHER;
	}
}

static const char *status_name(unsigned fsc)
{
	switch (fsc) {
	case 0x00: case 0x01: case 0x02: case 0x03: return "address size fault";
	case 0x10: return "synchronous external abort";
	case 0x21: return "alignment fault";
	case 0x30: return "TLB conflict abort";
	default:
		switch (classify(fsc)) {
		case FSC_TRANSLATION: return "translation fault";
		case FSC_ACCESS_FLAG: return "access flag fault";
		case FSC_PERMISSION: return "permission fault";
		default: return "unknown fault status";
		}
	}
}

static const char *class_name(unsigned ec)
{
	switch (ec) {
	case 0x00: return "unknown reason (undefined instruction)";
	case 0x07: return "FP/SIMD access";
	case 0x0E: return "illegal execution state";
	case 0x15: return "SVC";
	case 0x18: return "system register access";
	case 0x20: case 0x21: return "instruction abort";
	case 0x22: return "PC alignment fault";
	case 0x24: case 0x25: return "data abort";
	case 0x26: return "SP alignment fault";
	case 0x2F: return "SError";
	case 0x3C: return "BRK";
	default: return "exception";
	}
}

extern char aarch64_probe_read_ip[], aarch64_probe_write_ip[], aarch64_probe_fixup[];

/* A fatal fault in a probe instruction resumes at the probe's fixup (it returns -EFAULT);
 * a fetch fault of kernel_exec_probe's call returns to its caller (x30). */
static bool probe_fixup(struct aarch64_trap_frame *f)
{
	if (kernel_exec_probe_fault(f->elr)) {
		f->elr = f->x[30];
		return true;
	}
	if (f->elr != (uintptr_t)aarch64_probe_read_ip && f->elr != (uintptr_t)aarch64_probe_write_ip)
		return false;
	f->elr = (uintptr_t)aarch64_probe_fixup;
	return true;
}

static struct mmk_fault decode_abort(const struct aarch64_trap_frame *f)
{
	unsigned ec = ESR_EC(f->esr);
	bool fetch = ec == EC_IABT_LOWER || ec == EC_IABT_SAME;
	return (struct mmk_fault){
		.addr = f->far,
		.pc = f->elr,
		.access = fetch ? MMK_ACCESS_EXEC : (f->esr & ESR_WNR) ? MMK_ACCESS_WRITE : MMK_ACCESS_READ,
		.user = ec == EC_IABT_LOWER || ec == EC_DABT_LOWER,
		.present = classify(f->esr & ESR_FSC) != FSC_TRANSLATION,
		.arch_code = f->esr,
	};
}

/* Returns when the fault was resolved (the access is retried); else ends the run. */
static void abort_taken(struct aarch64_trap_frame *f)
{
	struct mmk_fault fault = decode_abort(f);
	unsigned fsc = (unsigned)(f->esr & ESR_FSC);
	if (fault.user) {
		proc_user_page_fault(&fault); /* returns only when resolved */
		return;
	}
	struct mmk_mmu *mmu = kernel_mmu();
	struct mmk_mmu_space *space = mmu ? mmu->active : NULL;
	/* Not a translation matter (alignment, external abort...): no VM decision. Every
	 * leaf is made with AF set, so an access flag fault is a broken entry. */
	if (classify(fsc) == FSC_OTHER || classify(fsc) == FSC_ACCESS_FLAG) {
		mmk_printf("\n%s: %s at 0x%llx (%s), pc 0x%llx, ESR 0x%llx\n",
			   class_name(ESR_EC(f->esr)), status_name(fsc),
			   (unsigned long long)fault.addr, mmk_fault_access_name(fault.access),
			   (unsigned long long)f->elr, (unsigned long long)f->esr);
		if (probe_fixup(f))
			return;
		arch_exit(2);
	}
	enum mmk_fault_result r = mmk_fault_dispatch(space, &fault);
	if (r == MMK_FAULT_RESOLVED || probe_fixup(f))
		return;
	mmk_printf("\n%s (%s, level %u)\n", class_name(ESR_EC(f->esr)), status_name(fsc), fsc & 3);
	mmk_fault_report_fatal(space, &fault, r);
	if (space)
		mmk_mmu_print_walk(space, fault.addr);
	arch_exit(2);
}

void aarch64_trap(uint64_t kind, struct aarch64_trap_frame *f)
{
	unsigned ec = ESR_EC(f->esr);
	bool sync = (kind & 3) == 0;
	if (sync && (ec == EC_IABT_LOWER || ec == EC_IABT_SAME || ec == EC_DABT_LOWER ||
		     ec == EC_DABT_SAME)) {
		abort_taken(f);
		return;
	}
	if (kind == AARCH64_LOWER_A64_SYNC && ec == EC_SVC64) {
		proc_syscall((struct arch_frame *)f); /* ELR is past the svc already */
		return;
	}
	if (kind == AARCH64_LOWER_A64_IRQ) {
		aarch64_irq();
		return;
	}
	if (kind >= AARCH64_LOWER_A64_SYNC)
		proc_user_exception(f->esr, f->elr);
	static const char *const types[] = {"synchronous", "IRQ", "FIQ", "SError"};
	mmk_printf("\nexception: %s %s (vector %u) at pc 0x%llx, address 0x%llx, ESR 0x%llx, "
		   "SPSR 0x%llx\n",
		   types[kind & 3], sync ? class_name(ec) : "", (unsigned)kind,
		   (unsigned long long)f->elr, (unsigned long long)f->far,
		   (unsigned long long)f->esr, (unsigned long long)f->spsr);
	for (unsigned i = 0; i < 31; i++)
		mmk_printf("x%u %016llx%s", i, (unsigned long long)f->x[i], i % 4 == 3 ? "\n" : " ");
	mmk_printf("sp %016llx\n", (unsigned long long)f->sp);
	arch_exit(2);
}
