/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * arch/aarch64/cpu.h in the kernel: the direct map of RAM at DIRECT_MAP and the system
 * instructions, each with the barriers the ARM ARM (DDI 0487) asks for: TLB maintenance
 * D8.13 (the Inner Shareable forms, ready for more than one core), the ordering of table
 * writes against walks and of cache maintenance against instruction fetch (B2.2, D7).
 * Also the cycle counter for the benchmarks.
 */
#include <mmukit/kbench.h>
#include <mmukit/services.h>

#include "cpu.h"
#include "virt.h"

void *aarch64_phys(uint64_t pa)
{
	return (void *)(uintptr_t)(DIRECT_MAP + pa);
}

uintptr_t aarch64_direct_base(void)
{
	return (uintptr_t)DIRECT_MAP;
}

void *aarch64_kernel_pointer(uint64_t va)
{
	return (void *)(uintptr_t)va;
}

uint64_t aarch64_read_mmfr0(void)
{
	uint64_t v;
	__asm__ volatile("mrs %0, id_aa64mmfr0_el1" : "=r"(v));
	return v;
}

uint64_t aarch64_read_mmfr1(void)
{
	uint64_t v;
	__asm__ volatile("mrs %0, id_aa64mmfr1_el1" : "=r"(v));
	return v;
}

uint64_t aarch64_read_tcr(void)
{
	uint64_t v;
	__asm__ volatile("mrs %0, tcr_el1" : "=r"(v));
	return v;
}

void aarch64_write_tcr(uint64_t tcr)
{
	__asm__ volatile("msr tcr_el1, %0; isb" : : "r"(tcr) : "memory");
}

void aarch64_write_ttbr0(uint64_t ttbr0)
{
	__asm__ volatile("msr ttbr0_el1, %0; isb" : : "r"(ttbr0) : "memory");
}

/* boot.S, in the identity-mapped stub: the switch itself. */
void aarch64_ttbr1_switch(uint64_t ttbr1, uint64_t empty);

void aarch64_replace_ttbr1(uint64_t ttbr1, uint64_t empty)
{
	void (*volatile low)(uint64_t, uint64_t) = aarch64_ttbr1_switch;
	__asm__ volatile("dsb ishst" : : : "memory"); /* the new tables are written */
	low(ttbr1, empty);
}

void aarch64_tlbi_begin(void)
{
	__asm__ volatile("dsb ishst" : : : "memory");
}

void aarch64_tlbi_end(void)
{
	__asm__ volatile("dsb ish; isb" : : : "memory");
}

/* The TLBI VA operand (C5.5): VA[55:12] in bits 43:0, the ASID in 63:48. */
static uint64_t tlbi_operand(uint64_t va, unsigned asid)
{
	return ((va >> 12) & 0xFFFFFFFFFFFull) | (uint64_t)asid << 48;
}

void aarch64_tlbi_va(uint64_t va, unsigned asid, bool last_level)
{
	uint64_t op = tlbi_operand(va, asid);
	if (last_level)
		__asm__ volatile("tlbi vale1is, %0" : : "r"(op) : "memory");
	else
		__asm__ volatile("tlbi vae1is, %0" : : "r"(op) : "memory");
}

void aarch64_tlbi_va_all_asids(uint64_t va, bool last_level)
{
	uint64_t op = tlbi_operand(va, 0);
	if (last_level)
		__asm__ volatile("tlbi vaale1is, %0" : : "r"(op) : "memory");
	else
		__asm__ volatile("tlbi vaae1is, %0" : : "r"(op) : "memory");
}

void aarch64_tlbi_asid(unsigned asid)
{
	__asm__ volatile("tlbi aside1is, %0" : : "r"((uint64_t)asid << 48) : "memory");
}

void aarch64_tlbi_all(void)
{
	__asm__ volatile("tlbi vmalle1is" : : : "memory");
}

void aarch64_tables_written(void)
{
	__asm__ volatile("dsb ishst; isb" : : : "memory");
}

/* CTR_EL0: DminLine bits 19:16, IminLine 3:0, log2 of 4-byte words. */
void aarch64_sync_code(void *va, uint64_t size)
{
	uint64_t ctr;
	__asm__ volatile("mrs %0, ctr_el0" : "=r"(ctr));
	uint64_t dline = 4ull << ((ctr >> 16) & 0xF), iline = 4ull << (ctr & 0xF);
	uintptr_t start = (uintptr_t)va, end = start + size;
	for (uintptr_t p = start & ~(dline - 1); p < end; p += dline)
		__asm__ volatile("dc cvau, %0" : : "r"(p) : "memory");
	__asm__ volatile("dsb ish" : : : "memory");
	for (uintptr_t p = start & ~(iline - 1); p < end; p += iline)
		__asm__ volatile("ic ivau, %0" : : "r"(p) : "memory");
	__asm__ volatile("dsb ish; isb" : : : "memory");
}

/* DC ZVA zeroes one block of 4 << DCZID_EL0.BS bytes, unless DZP (bit 4) forbids it. */
void aarch64_zero_page(void *page)
{
	uint64_t dczid;
	__asm__ volatile("mrs %0, dczid_el0" : "=r"(dczid));
	if (dczid & 0x10) {
		uint64_t *w = page;
		for (unsigned i = 0; i < MMK_PAGE_SIZE / 8; i += 2)
			w[i] = w[i + 1] = 0;
		return;
	}
	uint64_t block = 4ull << (dczid & 0xF);
	for (uintptr_t p = (uintptr_t)page; p < (uintptr_t)page + MMK_PAGE_SIZE; p += block)
		__asm__ volatile("dc zva, %0" : : "r"(p) : "memory");
}

/* 64 bytes per step: four LDP / STP pairs, post-indexed (ARM ARM C6.2, "LDP", "STP");
 * the compiler's loop took 21 instructions for what these take 10. */
void aarch64_copy_page(void *dst, const void *src)
{
	uint64_t n = MMK_PAGE_SIZE / 64;
	__asm__ volatile("1:	ldp x2, x3, [%[s]], #16\n"
			 "	ldp x4, x5, [%[s]], #16\n"
			 "	ldp x6, x7, [%[s]], #16\n"
			 "	ldp x8, x9, [%[s]], #16\n"
			 "	stp x2, x3, [%[d]], #16\n"
			 "	stp x4, x5, [%[d]], #16\n"
			 "	stp x6, x7, [%[d]], #16\n"
			 "	stp x8, x9, [%[d]], #16\n"
			 "	subs %[n], %[n], #1\n"
			 "	b.ne 1b\n"
			 : [d] "+r"(dst), [s] "+r"(src), [n] "+r"(n)
			 :
			 : "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "memory", "cc");
}

/* The cycle counter PMCCNTR_EL0 (ARM ARM D12, the Performance Monitors), turned on at the
 * first call: PMCR_EL0.E and .LC (64-bit), PMCNTENSET_EL0.C. Under -icount it counts
 * instructions. */
uint64_t arch_cycles(void)
{
	static bool enabled;
	uint64_t v;
	if (!enabled) {
		__asm__ volatile("mrs %0, pmcr_el0" : "=r"(v));
		__asm__ volatile("msr pmcr_el0, %0" : : "r"(v | 1 | (1u << 6)));
		__asm__ volatile("msr pmcntenset_el0, %0; isb" : : "r"(1ull << 31));
		enabled = true;
	}
	__asm__ volatile("isb; mrs %0, pmccntr_el0" : "=r"(v) : : "memory");
	return v;
}
