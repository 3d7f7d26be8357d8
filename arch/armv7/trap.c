/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ARMv7 exceptions. Data and prefetch aborts are decoded - fault status (DFSR/IFSR:
 * translation, permission, alignment...), the address (DFAR/IFAR), read or write, the
 * mode they came from - into the portable struct mmk_fault and handed to mmk_fault_dispatch;
 * a resolved fault returns to the faulting instruction. Anything else, or a fault that
 * cannot be resolved (outside the probes), is reported and stops the kernel. From User
 * mode: SVC is a system call, an abort that cannot be resolved or any other exception
 * kills the process (kernel/proc.c), and an IRQ is the timer's (arch/armv7/user.c).
 * ARM ARM (DDI 0406C): B4.1.52 DFSR, B4.1.51 DFAR, B4.1.96 IFSR, B4.1.95 IFAR, fault
 * status encodings B3.13.3 table B3-23 (short-descriptor format).
 */
#include <mmukit/fault.h>
#include <mmukit/services.h>
#include <mmukit/types.h>

#include "cp15.h"
#include "kernel/user_entry.h"
#include "platform.h"
#include "trap.h"

static uint32_t read_dfsr(void)
{
	uint32_t v;
	__asm__ volatile("mrc p15, 0, %0, c5, c0, 0" : "=r"(v));
	return v;
}

static uint32_t read_dfar(void)
{
	uint32_t v;
	__asm__ volatile("mrc p15, 0, %0, c6, c0, 0" : "=r"(v));
	return v;
}

static uint32_t read_ifsr(void)
{
	uint32_t v;
	__asm__ volatile("mrc p15, 0, %0, c5, c0, 1" : "=r"(v));
	return v;
}

static uint32_t read_ifar(void)
{
	uint32_t v;
	__asm__ volatile("mrc p15, 0, %0, c6, c0, 2" : "=r"(v));
	return v;
}

/* FSR bits (B4.1.52): FS[3:0] bits 3:0, FS[4] bit 10, WnR bit 11 (DFSR only). */
#define FSR_WNR (1u << 11)

static unsigned fault_status(uint32_t fsr)
{
	return (fsr & 0xFu) | ((fsr >> 6) & 0x10u);
}

/* Short-descriptor fault status codes (table B3-23) a page-table walk can give. */
enum fsr_kind { FSR_TRANSLATION, FSR_PERMISSION, FSR_OTHER };

static enum fsr_kind classify(unsigned fs)
{
	switch (fs) {
	case 0x05: /* translation fault, section (first level) */
	case 0x07: /* translation fault, page (second level) */
		return FSR_TRANSLATION;
	case 0x0D: /* permission fault, section */
	case 0x0F: /* permission fault, page */
	case 0x09: /* domain fault, section */
	case 0x0B: /* domain fault, page */
	case 0x03: /* access flag fault, section (SCTLR.AFE is off: not expected) */
	case 0x06: /* access flag fault, page */
		return FSR_PERMISSION;
	default:
		return FSR_OTHER;
	}
}

static const char *status_name(unsigned fs)
{
	switch (fs) {
	case 0x01: return "alignment fault";
	case 0x02: return "debug event";
	case 0x04: return "instruction cache maintenance fault";
	case 0x08: return "synchronous external abort";
	case 0x0C: case 0x0E: return "external abort on translation table walk";
	case 0x16: return "asynchronous external abort";
	case 0x19: return "synchronous parity error";
	case 0x1C: case 0x1E: return "parity error on translation table walk";
	default: return classify(fs) == FSR_TRANSLATION ? "translation fault"
		      : classify(fs) == FSR_PERMISSION ? "permission fault" : "unknown status";
	}
}

extern char armv7_probe_read_ip[], armv7_probe_write_ip[], armv7_probe_fixup[];

/* A fatal fault in a probe instruction resumes at the probe's fixup (it returns -EFAULT);
 * a fetch fault of kernel_exec_probe's call returns to its caller (lr_svc; the kernel is
 * ARM code, -marm). */
static bool probe_fixup(struct armv7_trap_frame *f)
{
	if (kernel_exec_probe_fault(f->pc)) {
		f->pc = f->lr;
		return true;
	}
	if (f->pc != (uintptr_t)armv7_probe_read_ip && f->pc != (uintptr_t)armv7_probe_write_ip)
		return false;
	f->pc = (uintptr_t)armv7_probe_fixup;
	return true;
}

static struct mmk_fault decode_abort(uint32_t kind, const struct armv7_trap_frame *f)
{
	bool fetch = kind == ARMV7_PREFETCH_ABORT;
	uint32_t fsr = fetch ? read_ifsr() : read_dfsr();
	return (struct mmk_fault){
		.addr = fetch ? read_ifar() : read_dfar(),
		.pc = f->pc,
		.access = fetch ? MMK_ACCESS_EXEC : fsr & FSR_WNR ? MMK_ACCESS_WRITE : MMK_ACCESS_READ,
		.user = (f->cpsr & MODE_MASK) == MODE_USR,
		.present = classify(fault_status(fsr)) == FSR_PERMISSION,
		.arch_code = fsr,
	};
}

/* Returns when the fault was resolved (the access is retried); else stops the kernel. */
static void abort_taken(uint32_t kind, struct armv7_trap_frame *f)
{
	struct mmk_fault fault = decode_abort(kind, f);
	unsigned fs = fault_status((uint32_t)fault.arch_code);
	struct mmk_mmu *mmu = kernel_mmu();
	struct mmk_mmu_space *space = mmu ? mmu->active : NULL;
	if (fault.user && classify(fs) != FSR_OTHER) {
		proc_user_page_fault(&fault); /* returns only when resolved */
		return;
	}
	if (fault.user)
		proc_user_exception(kind, f->pc);
	if (classify(fs) == FSR_OTHER) {
		/* not a translation matter (alignment, external abort...): no VM decision */
		mmk_printf("\n%s: %s at 0x%08x (%s), pc 0x%08x, FSR 0x%08x\n",
			   kind == ARMV7_DATA_ABORT ? "data abort" : "prefetch abort",
			   status_name(fs), (unsigned)fault.addr, mmk_fault_access_name(fault.access),
			   (unsigned)f->pc, (unsigned)fault.arch_code);
		arch_exit(2);
	}
	enum mmk_fault_result r = mmk_fault_dispatch(space, &fault);
	if (r == MMK_FAULT_RESOLVED || probe_fixup(f))
		return;
	mmk_printf("\n%s (%s)\n", kind == ARMV7_DATA_ABORT ? "data abort" : "prefetch abort",
		   status_name(fs));
	mmk_fault_report_fatal(space, &fault, r);
	if (space)
		mmk_mmu_print_walk(space, fault.addr);
	arch_exit(2);
}

void armv7_trap(uint32_t kind, struct armv7_trap_frame *f)
{
	static const char *const names[] = {
		"reset", "undefined instruction", "supervisor call", "prefetch abort",
		"data abort", "reserved", "IRQ", "FIQ",
	};
	if (kind == ARMV7_DATA_ABORT || kind == ARMV7_PREFETCH_ABORT) {
		abort_taken(kind, f);
		return;
	}
	bool from_user = (f->cpsr & MODE_MASK) == MODE_USR;
	if (kind == ARMV7_SVC && from_user) {
		proc_syscall((struct arch_frame *)f); /* pc is past the svc already */
		return;
	}
	if (kind == ARMV7_IRQ) {
		armv7_irq();
		return;
	}
	if (from_user)
		proc_user_exception(kind, f->pc);
	mmk_printf("\nexception: %s at pc 0x%08x, cpsr 0x%08x\n", names[kind & 7],
		   (unsigned)f->pc, (unsigned)f->cpsr);
	for (unsigned i = 0; i < 13; i++)
		mmk_printf("r%u %08x%s", i, (unsigned)f->r[i], i % 7 == 6 ? "\n" : " ");
	mmk_printf("lr %08x\n", (unsigned)f->lr);
	arch_exit(2);
}
