/*
 * x86_64 exceptions: an IDT whose 32 exception gates lead to x86_64_trap, which for now
 * reports the exception and stops the kernel with a failing status (the page-fault
 * handler proper arrives with the VM).
 */
#include <mmukit/services.h>
#include <mmukit/types.h>

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

void x86_64_idt_init(void)
{
	for (unsigned v = 0; v < 32; v++) {
		uint64_t a = trap_stubs[v];
		idt[v].offset_low = (uint16_t)a;
		idt[v].offset_mid = (uint16_t)(a >> 16);
		idt[v].offset_high = (uint32_t)(a >> 32);
		idt[v].selector = KERNEL_CS;
		idt[v].type = IDT_GATE_INTERRUPT64;
	}
	struct idt_pointer p = {sizeof(idt) - 1, (uint64_t)(uintptr_t)idt};
	__asm__ volatile("lidt %0" : : "m"(p));
}

static uint64_t read_cr2(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

void x86_64_trap(struct x86_64_trap_frame *f)
{
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
