/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The x86 CPU features the VMM uses, for the boot summary (i386 and x86_64): what CPUID
 * says the CPU has, and what the kernel turned on in CR4 and EFER.
 */
#include <mmukit/mmu.h>
#include <mmukit/services.h>

#include "platform.h"
#include "shell.h"

/* CPUID bits (SDM Vol 2A, CPUID; Vol 3A 4.1.4 lists those of paging). */
#define CPUID1_EDX_PSE (1u << 3)
#define CPUID1_EDX_PGE (1u << 13)
#define CPUID1_ECX_PCID (1u << 17)
#define CPUID7_EBX_SMEP (1u << 7)
#define CPUID7_EBX_INVPCID (1u << 10)
#define CPUID7_EBX_SMAP (1u << 20)
#define CPUIDX1_EDX_NX (1u << 20)
#define CPUIDX1_EDX_1G (1u << 26)
#define CPUIDX1_EDX_LM (1u << 29)
/* CR4 (SDM Vol 3A 2.5) and EFER (Vol 3A 2.2.1). */
#define CR4_PSE (1u << 4)
#define CR4_PAE (1u << 5)
#define CR4_PGE (1u << 7)
#define CR4_PCIDE (1u << 17)
#define CR4_SMEP (1u << 20)
#define CR4_SMAP (1u << 21)
#define MSR_EFER 0xC0000080u
#define EFER_NXE (1u << 11)

struct cpuid {
	uint32_t a, b, c, d;
};

static struct cpuid cpuid(uint32_t leaf)
{
	struct cpuid r;
	__asm__ volatile("cpuid" : "=a"(r.a), "=b"(r.b), "=c"(r.c), "=d"(r.d) : "a"(leaf), "c"(0));
	return r;
}

static uintptr_t read_cr4(void)
{
	uintptr_t v;
	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static uint64_t read_efer(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(MSR_EFER));
	return (uint64_t)hi << 32 | lo;
}

static void row(const char *name, bool cpu, bool on, const char *what)
{
	mmk_printf("  %-9s %-3s  %-3s  %s\n", name, cpu ? "yes" : "no", on ? "on" : "off", what);
}

void arch_print_cpu_features(void)
{
	struct cpuid l0 = cpuid(0), l1 = cpuid(1), l7 = {0}, x1 = {0};
	if (l0.a >= 7)
		l7 = cpuid(7);
	uint32_t top = cpuid(0x80000000u).a; /* a CPU without extended leaves answers anything */
	if (top >= 0x80000001u && top <= 0x8000ffffu)
		x1 = cpuid(0x80000001u);
	uintptr_t cr4 = read_cr4();
	/* EFER exists where the CPU has long mode or NX (SDM Vol 3A 2.2.1). */
	uint64_t efer = x1.d & (CPUIDX1_EDX_LM | CPUIDX1_EDX_NX) ? read_efer() : 0;
	struct mmk_mmu *mmu = kernel_mmu();
	bool gib = mmu && (mmk_mmu_page_shifts(mmu) & (1u << 30));
	bool long_tables = cr4 & CR4_PAE; /* 2-level tables have no NX bit, no 1 GiB pages */
	const char *later = "turned on with the first user process";

	mmk_printf("CPU features the VMM uses (cpu: CPUID; on: CR4 / EFER now):\n");
	mmk_printf("  %-9s %-3s  %-3s  %s\n", "feature", "cpu", "on", "what for");
	row("PSE", l1.d & CPUID1_EDX_PSE, cr4 & CR4_PSE || long_tables,
	    long_tables ? "2 MiB pages (always there with PAE / long mode tables)"
			: "4 MiB pages (CR4.PSE)");
	row("PGE", l1.d & CPUID1_EDX_PGE, cr4 & CR4_PGE, "global kernel pages kept across switches");
	row("NX", x1.d & CPUIDX1_EDX_NX, efer & EFER_NXE,
	    long_tables ? "non-executable pages (EFER.NXE)" : "not with 2-level tables");
	row("1G pages", x1.d & CPUIDX1_EDX_1G, gib,
	    long_tables ? "1 GiB pages (on: the format offers them)" : "not with 2-level tables");
	row("PCID", l1.c & CPUID1_ECX_PCID, cr4 & CR4_PCIDE,
	    "tagged TLB entries: a switch keeps other spaces' entries");
	row("INVPCID", l7.b & CPUID7_EBX_INVPCID, (cr4 & CR4_PCIDE) && (l7.b & CPUID7_EBX_INVPCID),
	    "flushes one PCID's entries");
	row("SMEP", l7.b & CPUID7_EBX_SMEP, cr4 & CR4_SMEP,
	    (l7.b & CPUID7_EBX_SMEP) && !(cr4 & CR4_SMEP) ? later : "the kernel cannot run user pages");
	row("SMAP", l7.b & CPUID7_EBX_SMAP, cr4 & CR4_SMAP,
	    (l7.b & CPUID7_EBX_SMAP) && !(cr4 & CR4_SMAP) ? later
							  : "the kernel touches user pages only in copies");
}
