/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * i386 user mode for the demo kernel's processes (kernel/platform.h):
 *   - a GDT with ring-3 code and data (SDM Vol 3A 3.4.5) and a 32-bit TSS whose esp0/ss0
 *     are the running process's kernel stack (SDM Vol 3A 7.2.1);
 *   - int 0x80 through an interrupt gate of DPL 3 (eax number, ebx, ecx, edx, esi, edi
 *     arguments, eax result);
 *   - the timer: PIT + 8259 (arch/x86/timer.c), interrupts on in user mode only, as on
 *     x86_64. No SMEP/SMAP here, and no NX: the 2-level tables have no execute bit.
 */
#include <stddef.h>

#include <mmukit/errno.h>
#include <mmukit/services.h>

#include "kernel/proc.h"
#include "kernel/user_entry.h"
#include "platform.h"
#include "timer.h"
#include "trap.h"

#define KERNEL_DS 0x10
#define USER_DS (0x18 | 3)
#define USER_CS (0x20 | 3)
#define TSS_SELECTOR 0x28
#define EFLAGS_IF 0x200
#define EFLAGS_RESERVED 0x2
#define ELF_EM_386 3

struct tss {
	uint32_t link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
	uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
	uint32_t es, cs, ss, ds, fs, gs, ldt;
	uint16_t trap, iomap_base;
} __attribute__((packed));

static struct tss tss;

/* null, kernel code 0x08, kernel data 0x10, user data 0x18, user code 0x20, TSS 0x28. */
static uint64_t gdt[6] = {
	0,
	0x00CF9A000000FFFFull, /* code, DPL 0 */
	0x00CF92000000FFFFull, /* data, DPL 0 */
	0x00CFF2000000FFFFull, /* data, DPL 3 */
	0x00CFFA000000FFFFull, /* code, DPL 3 */
	0,                     /* the TSS (SDM Vol 3A 7.2.2) */
};

extern const uint32_t irq_stubs[16], syscall_stub;
extern char i386_trap_return[];

bool arch_user_supported(void)
{
	return true;
}

static void load_gdt_tss(void)
{
	uint64_t base = (uint32_t)(uintptr_t)&tss, limit = sizeof(tss) - 1;
	gdt[5] = (limit & 0xFFFF) | (base & 0xFFFFFF) << 16 | 0x89ull << 40 | /* present, 32-bit TSS */
		 ((limit >> 16) & 0xF) << 48 | ((base >> 24) & 0xFF) << 56;
	tss.ss0 = KERNEL_DS;
	tss.iomap_base = sizeof(tss); /* no I/O bitmap: in/out from ring 3 fault */
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) d = {sizeof(gdt) - 1, (uint32_t)(uintptr_t)gdt};
	__asm__ volatile("lgdt %0" : : "m"(d));
	__asm__ volatile("ltr %w0" : : "r"((uint16_t)TSS_SELECTOR));
}

int arch_user_init(unsigned hz)
{
	load_gdt_tss();
	for (unsigned i = 0; i < 16; i++)
		i386_idt_set(VECTOR_IRQ0 + i, irq_stubs[i], 0);
	i386_idt_set(VECTOR_SYSCALL, syscall_stub, 3);
	x86_timer_start(VECTOR_IRQ0, hz);
	return 0;
}

void i386_irq(unsigned irq)
{
	if (x86_timer_irq(irq))
		proc_timer_tick();
}

void arch_set_trap_stack(uintptr_t top)
{
	tss.esp0 = (uint32_t)top;
}

void arch_frame_init_user(struct arch_frame *af, mmk_vaddr_t pc, mmk_vaddr_t sp)
{
	struct i386_trap_frame *f = (struct i386_trap_frame *)af;
	*f = (struct i386_trap_frame){0};
	f->ds = f->es = USER_DS;
	f->eip = (uint32_t)pc;
	f->cs = USER_CS;
	f->eflags = EFLAGS_IF | EFLAGS_RESERVED;
	f->esp = (uint32_t)sp;
	f->ss = USER_DS;
}

bool arch_user_nx(void)
{
	return false;
}

/* The trap frame's registers for kernel/user_entry.c. */
#define AT(reg) offsetof(struct i386_trap_frame, reg)

const struct arch_user_facts arch_user_facts = {
	.frame_size = sizeof(struct i386_trap_frame),
	.number = AT(eax),
	.args = {AT(ebx), AT(ecx), AT(edx), AT(esi), AT(edi)},
	.result = AT(eax),
	.switch_words = 5, /* ebp, ebx, esi, edi under the return address (switch.S) */
	.return_word = 4,
	.trap_return = i386_trap_return,
	.elf_machine = ELF_EM_386,
	.elf_class = 1,
};
