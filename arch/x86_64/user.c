/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * x86_64 user mode for the demo kernel's processes (kernel/platform.h):
 *   - a GDT with ring-3 code and data (SDM Vol 3A 3.4.5, 5.2.1) and a 64-bit TSS whose
 *     rsp0 is the running process's kernel stack top (SDM Vol 3A 7.7); its IST1 is a
 *     stack of its own for double faults, so a kernel stack overflow into its guard page
 *     is reported instead of ending in a triple fault;
 *   - int 0x80 through an interrupt gate of DPL 3 for system calls (rax number, rdi,
 *     rsi, rdx, r10, r8 arguments, rax result), like every trap entered with
 *     interrupts off;
 *   - the timer: the PIT (8254) at PROC_HZ on IRQ 0 through the 8259 PIC remapped to
 *     vectors 32-47 (arch/x86/timer.c, shared with i386). Chosen over the LAPIC timer
 *     because it needs no MMIO mapping and no calibration against another clock. Interrupts are
 *     enabled only in user mode (RFLAGS.IF in the user frame); the kernel never enables
 *     them, so it needs no locks and the timer only preempts user code;
 *   - SMEP and SMAP (CR4 bits 20 and 21, SDM Vol 3A 4.6) when CPUID.(EAX=7,ECX=0):EBX
 *     bits 7 and 20 say the CPU has them (-cpu max does, qemu64 does not). RFLAGS.AC
 *     stays clear: the kernel reaches user memory only through mmk_copy_*_user, which
 *     copies through the kernel's view of the frame (kernel/user_entry.c).
 */
#include <stddef.h>

#include <mmukit/errno.h>
#include <mmukit/services.h>

#include "timer.h"
#include "cpu.h"
#include "kernel/proc.h"
#include "kernel/user_entry.h"
#include "platform.h"
#include "trap.h"

#define USER_DS (0x18 | 3)
#define USER_CS (0x20 | 3)
#define TSS_SELECTOR 0x28
#define RFLAGS_IF 0x200
#define RFLAGS_RESERVED 0x2
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)
#define ELF_EM_X86_64 62

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

static struct tss tss;
static uint8_t double_fault_stack[4096] __attribute__((aligned(16)));
static bool smep_on, smap_on;

/* null, kernel code 0x08, kernel data 0x10, user data 0x18, user code 0x20, TSS 0x28. */
static uint64_t gdt[7] = {
	0,
	0x00AF9A000000FFFFull, /* 64-bit code, DPL 0 */
	0x00CF92000000FFFFull, /* data, DPL 0 */
	0x00CFF2000000FFFFull, /* data, DPL 3 */
	0x00AFFA000000FFFFull, /* 64-bit code, DPL 3 */
	0, 0,                  /* the TSS descriptor (16 bytes, SDM Vol 3A 7.2.3) */
};

extern const uint64_t trap_stubs[32], irq_stubs[16], syscall_stub;
extern char x86_64_trap_return[];

bool arch_user_supported(void)
{
	return true;
}

static void load_gdt_tss(void)
{
	uint64_t base = (uint64_t)(uintptr_t)&tss, limit = sizeof(tss) - 1;
	gdt[5] = (limit & 0xFFFF) | (base & 0xFFFFFF) << 16 | 0x89ull << 40 | /* present, 64-bit TSS */
		 ((limit >> 16) & 0xF) << 48 | ((base >> 24) & 0xFF) << 56;
	gdt[6] = base >> 32;
	tss.iomap_base = sizeof(tss); /* no I/O bitmap: in/out from ring 3 fault */
	tss.ist[0] = (uint64_t)(uintptr_t)(double_fault_stack + sizeof(double_fault_stack));
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) d = {sizeof(gdt) - 1, (uint64_t)(uintptr_t)gdt};
	__asm__ volatile("lgdt %0" : : "m"(d));
	__asm__ volatile("ltr %w0" : : "r"((uint16_t)TSS_SELECTOR));
}

static uint64_t read_cr4(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static void enable_smep_smap(void)
{
	uint32_t a, b, c, d;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
	if (a < 7)
		return;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(0));
	uint64_t cr4 = read_cr4();
	if (b & (1u << 7))
		cr4 |= CR4_SMEP;
	if (b & (1u << 20))
		cr4 |= CR4_SMAP;
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4) : "memory");
	smep_on = cr4 & CR4_SMEP;
	smap_on = cr4 & CR4_SMAP;
	mmk_printf("# x86_64: SMEP %s, SMAP %s\n", cr4 & CR4_SMEP ? "on" : "absent",
		   cr4 & CR4_SMAP ? "on" : "absent");
}

int arch_user_init(unsigned hz)
{
	load_gdt_tss();
	x86_64_idt_set(8, trap_stubs[8], 0, 1); /* IST1 */
	for (unsigned i = 0; i < 16; i++)
		x86_64_idt_set(VECTOR_IRQ0 + i, irq_stubs[i], 0, 0);
	x86_64_idt_set(VECTOR_SYSCALL, syscall_stub, 3, 0);
	x86_timer_start(VECTOR_IRQ0, hz);
	enable_smep_smap();
	return 0;
}

void x86_64_irq(unsigned irq)
{
	if (x86_timer_irq(irq))
		proc_timer_tick();
}

void arch_set_trap_stack(uintptr_t top)
{
	tss.rsp[0] = top;
}

void arch_frame_init_user(struct arch_frame *af, mmk_vaddr_t pc, mmk_vaddr_t sp)
{
	struct x86_64_trap_frame *f = (struct x86_64_trap_frame *)af;
	*f = (struct x86_64_trap_frame){0};
	f->rip = pc;
	f->cs = USER_CS;
	f->rflags = RFLAGS_IF | RFLAGS_RESERVED;
	f->rsp = sp;
	f->ss = USER_DS;
}

bool arch_user_access_guarded(void)
{
	return smap_on;
}

bool arch_user_exec_guarded(void)
{
	return smep_on;
}

bool arch_user_nx(void)
{
	return x86_64_has_nx();
}

/* The trap frame's registers for kernel/user_entry.c. */
#define AT(reg) offsetof(struct x86_64_trap_frame, reg)

const struct arch_user_facts arch_user_facts = {
	.frame_size = sizeof(struct x86_64_trap_frame),
	.number = AT(rax),
	.args = {AT(rdi), AT(rsi), AT(rdx), AT(r10), AT(r8)},
	.result = AT(rax),
	.switch_words = 7, /* rbp, rbx, r12-r15 under the return address (switch.S) */
	.return_word = 6,
	.trap_return = x86_64_trap_return,
	.elf_machine = ELF_EM_X86_64,
	.elf_class = 2,
};
