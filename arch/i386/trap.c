/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * i386 traps: an IDT whose 32 exception gates lead to i386_trap. A page fault goes to the
 * owner of the space it falls in; one from user mode that cannot be resolved, or any
 * other exception from user mode, kills the process (kernel/proc.c). In kernel mode an
 * unresolved fault in a probe or a user copy resumes at its fixup (-MMK_EFAULT);
 * anything else stops the kernel with a failing status. arch/i386/user.c adds the IRQ
 * gates (32-47) and the system-call gate (0x80) for processes.
 */
#include <mmukit/fault.h>
#include <mmukit/services.h>
#include <mmukit/types.h>

#include "platform.h"
#include "trap.h"

#define IDT_GATE_INTERRUPT32 0x8E /* present, DPL 0, 32-bit interrupt gate (SDM 3A 6.11) */
#define KERNEL_CS 0x08

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t zero;
	uint8_t type;
	uint16_t offset_high;
} __attribute__((packed));

struct idt_pointer {
	uint16_t limit;
	uint32_t base;
} __attribute__((packed));

extern const uint32_t trap_stubs[32];
static struct idt_gate idt[256];

void i386_idt_set(unsigned vector, uint32_t handler, unsigned dpl)
{
	idt[vector].offset_low = (uint16_t)(handler & 0xFFFF);
	idt[vector].offset_high = (uint16_t)(handler >> 16);
	idt[vector].selector = KERNEL_CS;
	idt[vector].type = (uint8_t)(IDT_GATE_INTERRUPT32 | dpl << 5);
}

void i386_idt_init(void)
{
	for (unsigned v = 0; v < 32; v++)
		i386_idt_set(v, trap_stubs[v], 0);
	struct idt_pointer p = {sizeof(idt) - 1, (uint32_t)(uintptr_t)idt};
	__asm__ volatile("lidt %0" : : "m"(p));
}


static uint32_t read_cr2(void)
{
	uint32_t v;
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

static struct mmk_fault decode_page_fault(const struct i386_trap_frame *f)
{
	uint32_t code = f->error_code;
	struct mmk_fault fault = {
		.addr = read_cr2(),
		.pc = f->eip,
		.access = code & PF_FETCH ? MMK_ACCESS_EXEC
			  : code & PF_WRITE ? MMK_ACCESS_WRITE : MMK_ACCESS_READ,
		.user = code & PF_USER,
		.present = code & PF_PRESENT,
		.reserved_bit = code & PF_RESERVED,
		.arch_code = code,
	};
	return fault;
}

extern char i386_probe_read_ip[], i386_probe_write_ip[], i386_probe_fixup[];

/* A fatal fault in a probe instruction resumes at the probe's fixup (it returns -EFAULT). */
static bool probe_fixup(struct i386_trap_frame *f)
{
	if (f->eip != (uintptr_t)i386_probe_read_ip && f->eip != (uintptr_t)i386_probe_write_ip)
		return false;
	f->eip = (uintptr_t)i386_probe_fixup;
	return true;
}

static bool from_user(const struct i386_trap_frame *f)
{
	return (f->cs & 3) == 3;
}

/* Returns when the fault was resolved (the access is retried); else stops the kernel. */
static void page_fault(struct i386_trap_frame *f)
{
	struct mmk_fault fault = decode_page_fault(f);
	if (from_user(f)) {
		proc_user_page_fault(&fault); /* returns only when resolved */
		return;
	}
	struct mmk_mmu_space *space = i386_active_space();
	enum mmk_fault_result r = mmk_fault_dispatch(space, &fault);
	if (r == MMK_FAULT_RESOLVED || probe_fixup(f))
		return;
	mmk_fault_report_fatal(space, &fault, r);
	if (space)
		mmk_mmu_print_walk(space, fault.addr);
	arch_exit(2);
}

void i386_trap(struct i386_trap_frame *f)
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
		i386_irq(f->vector - VECTOR_IRQ0);
		return;
	}
	if (from_user(f))
		proc_user_exception(f->vector, f->eip);
	mmk_printf("\nexception %u at eip 0x%08x, error code 0x%x, cr2 0x%08x\n",
		   (unsigned)f->vector, (unsigned)f->eip, (unsigned)f->error_code,
		   (unsigned)read_cr2());
	mmk_printf("eax %08x ebx %08x ecx %08x edx %08x esi %08x edi %08x ebp %08x\n",
		   (unsigned)f->eax, (unsigned)f->ebx, (unsigned)f->ecx, (unsigned)f->edx,
		   (unsigned)f->esi, (unsigned)f->edi, (unsigned)f->ebp);
	arch_exit(2);
}
