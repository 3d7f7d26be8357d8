/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * arch/armv7/cpu.h in the kernel: the linear map of RAM at 0x80000000 and the CP15
 * operations, each with the barriers the ARM ARM (DDI 0406C) asks for. Single core:
 * the TLB operations are the local ones (TLBIMVA, not TLBIMVAIS); an SMP kernel would
 * use the Inner Shareable forms (B4.2.2) and mark its tables shareable.
 * Also the cycle counter for the benchmarks (PMCCNTR, B4.1.113).
 */
#include <mmukit/kbench.h>
#include <mmukit/services.h>

#include "cp15.h"
#include "cpu.h"
#include "trap.h"
#include "virt.h"

extern char _kernel_phys_start[];

/* The RAM the linear map shows: the GiB holding the image (on QEMU virt 0x40000000). */
static uint32_t ram_base(void)
{
	return (uintptr_t)_kernel_phys_start & ~(LINEAR_WINDOW - 1);
}

bool armv7_has_pxn(void)
{
	uint32_t mmfr0;
	__asm__ volatile("mrc p15, 0, %0, c0, c1, 4" : "=r"(mmfr0)); /* ID_MMFR0 */
	return (mmfr0 & 0xF) >= 4;
}

void *armv7_phys(uint64_t pa)
{
	MMK_ASSERT(pa >= ram_base() && pa - ram_base() < LINEAR_WINDOW);
	return (void *)(uintptr_t)(pa - ram_base() + LINEAR_BASE_VA);
}

uintptr_t armv7_direct_base(void)
{
	return LINEAR_BASE_VA - ram_base();
}

void *armv7_kernel_pointer(uint32_t va)
{
	return (void *)(uintptr_t)va;
}

static void dsb(void)
{
	__asm__ volatile("dsb" : : : "memory");
}

static void isb(void)
{
	__asm__ volatile("isb" : : : "memory");
}

/* BPIALL: branch predictors may hold addresses from the old translations (B2.2.7). */
static void bpiall(void)
{
	__asm__ volatile("mcr p15, 0, %0, c7, c5, 6" : : "r"(0) : "memory");
}

/* After a TLB operation: predictor invalidated, the operation complete (DSB), and the
 * instruction stream refetched under the new translations (ISB) - B3.10.1. */
static void tlb_op_done(void)
{
	bpiall();
	dsb();
	isb();
}

void armv7_tables_written(void)
{
	dsb();
	isb();
}

void armv7_set_kernel_table(uint32_t ttbr1)
{
	dsb(); /* the table is complete in memory before a walk can use it */
	__asm__ volatile("mcr p15, 0, %0, c2, c0, 1" : : "r"(ttbr1 | TTBR_WALK_WBWA) : "memory");
	__asm__ volatile("mcr p15, 0, %0, c3, c0, 0" : : "r"(DACR_D0_CLIENT) : "memory");
	__asm__ volatile("mcr p15, 0, %0, c2, c0, 2" : : "r"(TTBCR_N_2GIB) : "memory");
	isb();
}

/*
 * B3.10.4, "Synchronization of changes of ASID and TTBR": switch through the reserved
 * ASID 0 (no non-global entry is ever tagged with it), so no walk under the new TTBR0
 * is tagged with the old ASID nor the old TTBR0 walked under the new one.
 */
void armv7_switch_user_table(uint32_t ttbr0, unsigned asid)
{
	dsb(); /* tables edited while this space was inactive are complete */
	__asm__ volatile("mcr p15, 0, %0, c13, c0, 1" : : "r"(0) : "memory"); /* CONTEXTIDR */
	isb();
	__asm__ volatile("mcr p15, 0, %0, c2, c0, 0" : : "r"(ttbr0 | TTBR_WALK_WBWA) : "memory");
	isb();
	__asm__ volatile("mcr p15, 0, %0, c13, c0, 1" : : "r"(asid & 0xFFu) : "memory");
	isb();
	bpiall();
	dsb();
	isb();
}

/* TLB maintenance by MVA/ASID (B4.2.2, table B4-9; register form B4.1.135). */
void armv7_tlbi_va_asid(uint32_t va, unsigned asid)
{
	dsb();
	__asm__ volatile("mcr p15, 0, %0, c8, c7, 1" : : "r"((va & ~0xFFFu) | (asid & 0xFFu))
			 : "memory");
	tlb_op_done();
}

void armv7_tlbi_va_all_asids(uint32_t va)
{
	dsb();
	__asm__ volatile("mcr p15, 0, %0, c8, c7, 3" : : "r"(va & ~0xFFFu) : "memory");
	tlb_op_done();
}

void armv7_tlbi_asid(unsigned asid)
{
	dsb();
	__asm__ volatile("mcr p15, 0, %0, c8, c7, 2" : : "r"(asid & 0xFFu) : "memory");
	tlb_op_done();
}

void armv7_tlbi_all(void)
{
	dsb();
	__asm__ volatile("mcr p15, 0, %0, c8, c7, 0" : : "r"(0) : "memory");
	tlb_op_done();
}

/* The smallest data cache line, from CTR.DminLine (B4.1.42): 4 << DminLine bytes. */
static uint32_t dcache_line(void)
{
	uint32_t ctr;
	__asm__ volatile("mrc p15, 0, %0, c0, c0, 1" : "=r"(ctr));
	return 4u << ((ctr >> 16) & 0xFu);
}

void armv7_sync_code(uint64_t pa)
{
	if (pa < ram_base() || pa - ram_base() >= LINEAR_WINDOW)
		return;
	uint32_t line = dcache_line();
	uintptr_t va = (uintptr_t)armv7_phys(pa & ~(uint64_t)0xFFF);
	for (uintptr_t p = va; p < va + 4096; p += line)
		__asm__ volatile("mcr p15, 0, %0, c7, c11, 1" : : "r"(p) : "memory"); /* DCCMVAU */
}

void armv7_sync_code_done(void)
{
	dsb(); /* the cleans are complete before the invalidation */
	__asm__ volatile("mcr p15, 0, %0, c7, c5, 0" : : "r"(0) : "memory"); /* ICIALLU */
	tlb_op_done(); /* BPIALL, DSB, ISB */
}

/* Turns the high vectors on: exceptions now use the page mapped at 0xFFFF0000 (B4.1.130). */
void armv7_enable_high_vectors(void)
{
	uint32_t sctlr;
	__asm__ volatile("mrc p15, 0, %0, c1, c0, 0" : "=r"(sctlr));
	__asm__ volatile("mcr p15, 0, %0, c1, c0, 0" : : "r"(sctlr | SCTLR_V) : "memory");
	isb();
}

bool armv7_high_vectors(void)
{
	uint32_t sctlr;
	__asm__ volatile("mrc p15, 0, %0, c1, c0, 0" : "=r"(sctlr));
	return sctlr & SCTLR_V;
}

/*
 * PMCCNTR counting every cycle (PMCR.E, C reset; PMCNTENSET.C: B4.1.117, B4.1.114);
 * under QEMU -icount shift=0 it counts instructions. 32 bits, widened here: callers
 * read it more often than every 2^32 cycles.
 */
uint64_t arch_cycles(void)
{
	static bool started;
	static uint32_t last, high;
	if (!started) {
		__asm__ volatile("mcr p15, 0, %0, c9, c12, 0" : : "r"(1u | 4u));      /* PMCR */
		__asm__ volatile("mcr p15, 0, %0, c9, c12, 1" : : "r"(1u << 31));     /* PMCNTENSET */
		isb();
		started = true;
	}
	uint32_t now;
	__asm__ volatile("mrc p15, 0, %0, c9, c13, 0" : "=r"(now)); /* PMCCNTR */
	if (now < last)
		high++;
	last = now;
	return (uint64_t)high << 32 | now;
}
