/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * riscv64 user mode for the demo kernel's processes (kernel/platform.h):
 *   - U-mode entered by sret with sstatus.SPP clear (RISC-V priv 4.1.1); traps from it
 *     land on the process's kernel stack through sscratch (arch/riscv64/vectors.S);
 *   - ecall from U-mode (scause 8) is the system call: a7 number, a0-a4 arguments, a0
 *     result; sepc is moved past the ecall;
 *   - the timer through SBI (TIME extension, set_timer; SBI spec chapter 6) at PROC_HZ
 *     on the 10 MHz timebase of QEMU's virt machine. sie.STIE is set and the kernel
 *     keeps sstatus.SIE clear, so the supervisor timer interrupt is taken only in U-mode
 *     (priv 4.1.3: interrupts for a higher mode are always enabled in a lower one);
 *   - SUM discipline: sstatus.SUM stays clear, so an S-mode load or store to a U page
 *     faults (RISC-V priv 4.1.1.2) and the kernel reaches user memory only through
 *     mmk_copy_*_user, which copies through the kernel's view of the frame
 *     (kernel/user_entry.c); user frames return with it clear. S-mode never executes a
 *     U page whatever SUM says (4.3.1);
 *   - scounteren lets user mode read cycle, time and instret (for user/perf.c).
 */
#include <stddef.h>

#include <mmukit/errno.h>
#include <mmukit/services.h>

#include "kernel/proc.h"
#include "kernel/user_entry.h"
#include "platform.h"
#include "trap.h"

#define SSTATUS_SIE (1ull << 1)
#define SSTATUS_SPIE (1ull << 5)
#define SSTATUS_SPP (1ull << 8)
#define SSTATUS_SUM (1ull << 18)
#define SIE_STIE (1ull << 5)
#define SBI_EXT_TIME 0x54494D45
#define TIMEBASE_HZ 10000000u /* QEMU virt's /cpus timebase-frequency */
#define ELF_EM_RISCV 243
#define REG_SP 2
#define REG_A0 10
#define REG_A7 17

static uint64_t tick_interval;


bool arch_user_supported(void)
{
	return true;
}

static uint64_t read_time(void)
{
	uint64_t v;
	__asm__ volatile("rdtime %0" : "=r"(v));
	return v;
}

/* SBI set_timer (EID "TIME", FID 0): the next supervisor timer interrupt at time t. */
static void sbi_set_timer(uint64_t t)
{
	register uint64_t a0 __asm__("a0") = t;
	register uint64_t a6 __asm__("a6") = 0;
	register uint64_t a7 __asm__("a7") = SBI_EXT_TIME;
	__asm__ volatile("ecall" : "+r"(a0) : "r"(a6), "r"(a7) : "a1", "memory");
}

int arch_user_init(unsigned hz)
{
	tick_interval = TIMEBASE_HZ / hz;
	__asm__ volatile("csrw sscratch, zero");
	__asm__ volatile("csrw scounteren, %0" : : "r"(7ull));
	sbi_set_timer(read_time() + tick_interval);
	__asm__ volatile("csrs sie, %0" : : "r"(SIE_STIE));
	return 0;
}

void riscv64_timer_interrupt(void)
{
	sbi_set_timer(read_time() + tick_interval); /* also clears sip.STIP */
	proc_timer_tick();
}

void arch_set_trap_stack(uintptr_t top)
{
	/* riscv64_trap_return puts the top of the frame's stack in sscratch. */
}

void arch_frame_init_user(struct arch_frame *af, mmk_vaddr_t pc, mmk_vaddr_t sp)
{
	struct riscv64_trap_frame *f = (struct riscv64_trap_frame *)af;
	uint64_t sstatus;
	__asm__ volatile("csrr %0, sstatus" : "=r"(sstatus));
	*f = (struct riscv64_trap_frame){0};
	f->sepc = pc;
	f->x[REG_SP] = sp;
	f->sstatus = (sstatus & ~(SSTATUS_SPP | SSTATUS_SUM | SSTATUS_SIE)) | SSTATUS_SPIE;
}

bool arch_user_access_guarded(void)
{
	return true; /* sstatus.SUM clear: only the ktest probes (probe.S) set it */
}

bool arch_user_exec_guarded(void)
{
	return true;
}

/* A load as kernel code makes it, SUM clear (probe.S's set it): a fault resumes at
 * riscv64_probe_fixup (arch/riscv64/trap.c). */
int riscv64_load(uint64_t addr, uint32_t *out);
__asm__(".text\n"
	".globl riscv64_load, riscv64_load_ip\n"
	"riscv64_load:\n"
	"riscv64_load_ip:\n"
	"	lw t1, 0(a0)\n"
	"	sw t1, 0(a1)\n"
	"	li a0, 0\n"
	"	ret\n");

int arch_kernel_load(mmk_vaddr_t va, uint32_t *value)
{
	return riscv64_load(va, value);
}

bool arch_user_nx(void)
{
	return true;
}

/* The trap frame's registers for kernel/user_entry.c. */
#define AT(reg) offsetof(struct riscv64_trap_frame, reg)

const struct arch_user_facts arch_user_facts = {
	.frame_size = sizeof(struct riscv64_trap_frame),
	.number = AT(x[REG_A7]),
	.args = {AT(x[REG_A0]), AT(x[REG_A0 + 1]), AT(x[REG_A0 + 2]), AT(x[REG_A0 + 3]),
		 AT(x[REG_A0 + 4])},
	.result = AT(x[REG_A0]),
	.switch_words = 14, /* ra, s0-s11: returns through ra (switch.S) */
	.return_word = 0,
	.trap_return = riscv64_trap_return,
	.elf_machine = ELF_EM_RISCV,
	.elf_class = 2,
};
