/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * x86_64 traps: an IDT whose 32 exception gates lead to x86_64_trap. A page fault goes to
 * the owner of the space it falls in; one from user mode that cannot be resolved, or any
 * other exception from user mode, kills the process (kernel/proc.c). In kernel mode an
 * unresolved fault in a probe or a user copy resumes at its fixup (-MMK_EFAULT); anything
 * else stops the kernel with a failing status. arch/x86_64/user.c adds the IRQ gates
 * (32-47) and the system-call gate (0x80) for processes.
 */
#include <mmukit/fault.h>
#include <mmukit/services.h>
#include <mmukit/types.h>

#include "kernel/user_entry.h"
#include "platform.h"
#include "trap.h"

#define IDT_GATE_INTERRUPT64 0x8E /* present, DPL 0, 64-bit interrupt gate (SDM 3A 6.14.1) */
#define KERNEL_CS 0x08

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
} __attribute__((packed));

struct idt_pointer {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

extern const uint64_t trap_stubs[32];
static struct idt_gate idt[256];

void x86_64_idt_set(unsigned vector, uint64_t handler, unsigned dpl, unsigned ist)
{
	struct idt_gate *g = &idt[vector];
	g->offset_low = (uint16_t)handler;
	g->offset_mid = (uint16_t)(handler >> 16);
	g->offset_high = (uint32_t)(handler >> 32);
	g->selector = KERNEL_CS;
	g->ist = (uint8_t)ist;
	g->type = (uint8_t)(IDT_GATE_INTERRUPT64 | dpl << 5);
}

void x86_64_idt_init(void)
{
	for (unsigned v = 0; v < 32; v++)
		x86_64_idt_set(v, trap_stubs[v], 0, 0);
	struct idt_pointer p = {sizeof(idt) - 1, (uint64_t)(uintptr_t)idt};
	__asm__ volatile("lidt %0" : : "m"(p));
}


static uint64_t read_cr2(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

/* Page-fault error code bits (SDM Vol 3A 4.7, figure 4-12). */
#define PF_PRESENT 0x01u
#define PF_WRITE 0x02u
#define PF_USER 0x04u
#define PF_RESERVED 0x08u
#define PF_FETCH 0x10u
#define VECTOR_PAGE_FAULT 14

extern char x86_64_probe_read_ip[], x86_64_probe_write_ip[], x86_64_probe_fixup[];

static struct mmk_fault decode_page_fault(const struct x86_64_trap_frame *f)
{
	uint64_t code = f->error_code;
	return (struct mmk_fault){
		.addr = read_cr2(),
		.pc = f->rip,
		.access = code & PF_FETCH ? MMK_ACCESS_EXEC
			  : code & PF_WRITE ? MMK_ACCESS_WRITE : MMK_ACCESS_READ,
		.user = code & PF_USER,
		.present = code & PF_PRESENT,
		.reserved_bit = code & PF_RESERVED,
		.arch_code = code,
	};
}

/* A fatal fault in a probe instruction resumes at the probe's fixup (it returns -EFAULT);
 * a fetch fault of kernel_exec_probe's call returns to its caller (the address the
 * call pushed). */
static bool probe_fixup(struct x86_64_trap_frame *f)
{
	if (kernel_exec_probe_fault(f->rip)) {
		f->rip = *(const uint64_t *)(uintptr_t)f->rsp;
		f->rsp += 8;
		return true;
	}
	if (f->rip != (uintptr_t)x86_64_probe_read_ip && f->rip != (uintptr_t)x86_64_probe_write_ip)
		return false;
	f->rip = (uintptr_t)x86_64_probe_fixup;
	return true;
}

static bool from_user(const struct x86_64_trap_frame *f)
{
	return (f->cs & 3) == 3;
}

/* Returns when the fault was resolved (the access is retried); else stops the kernel. */
static void page_fault(struct x86_64_trap_frame *f)
{
	struct mmk_fault fault = decode_page_fault(f);
	if (from_user(f)) {
		proc_user_page_fault(&fault); /* returns only when resolved */
		return;
	}
	struct mmk_mmu *mmu = kernel_mmu();
	struct mmk_mmu_space *space = mmu ? mmu->active : NULL;
	enum mmk_fault_result r = mmk_fault_dispatch(space, &fault);
	if (r == MMK_FAULT_RESOLVED || probe_fixup(f))
		return;
	mmk_fault_report_fatal(space, &fault, r);
	if (space)
		mmk_mmu_print_walk(space, fault.addr);
	arch_exit(2);
}

void x86_64_trap(struct x86_64_trap_frame *f)
{
	if (f->vector == VECTOR_PAGE_FAULT) {
		page_fault(f);
		return;
	}
	if (f->vector == VECTOR_SYSCALL) {
		proc_syscall((struct arch_frame *)f);
		return;
	}
	if (f->vector >= VECTOR_IRQ0 && f->vector < VECTOR_IRQ0 + 16) {
		x86_64_irq((unsigned)(f->vector - VECTOR_IRQ0));
		return;
	}
	if (from_user(f))
		proc_user_exception(f->vector, f->rip);
	mmk_printf("\nexception %llu at rip 0x%016llx, error code 0x%llx, cr2 0x%016llx\n",
		   (unsigned long long)f->vector, (unsigned long long)f->rip,
		   (unsigned long long)f->error_code, (unsigned long long)read_cr2());
	mmk_printf("rax %016llx rbx %016llx rcx %016llx rdx %016llx\n",
		   (unsigned long long)f->rax, (unsigned long long)f->rbx,
		   (unsigned long long)f->rcx, (unsigned long long)f->rdx);
	mmk_printf("rsi %016llx rdi %016llx rbp %016llx rsp %016llx\n",
		   (unsigned long long)f->rsi, (unsigned long long)f->rdi,
		   (unsigned long long)f->rbp, (unsigned long long)f->rsp);
	arch_exit(2);
}
