/* SPDX-License-Identifier: BSD-2-Clause */
/* The x86_64 MMU backend's machine access on real (emulated) hardware. */
#include <mmukit/kbench.h>

#include "cpu.h"

#define HHDM_BASE 0xFFFF800000000000ull /* boot.S maps the first 4 GiB there too */
#define CR4_PGE (1ull << 7)
#define MSR_EFER 0xC0000080u
#define EFER_NXE (1ull << 11)

void *x86_64_phys(uint64_t pa)
{
	return (void *)(uintptr_t)(HHDM_BASE + pa);
}

uintptr_t x86_64_direct_base(void)
{
	return (uintptr_t)HHDM_BASE;
}

void *x86_64_kernel_pointer(uint64_t va)
{
	return (void *)(uintptr_t)va;
}

uint64_t x86_64_read_cr3(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

void x86_64_write_cr3(uint64_t cr3)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(cr3) : "memory");
}

void x86_64_invlpg(uint64_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static uint64_t read_cr4(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static void write_cr4(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

void x86_64_flush_tlb_global(void)
{
	uint64_t cr4 = read_cr4();
	if (cr4 & CR4_PGE) {
		write_cr4(cr4 & ~CR4_PGE); /* SDM Vol 3A 4.10.4.1 */
		write_cr4(cr4);
	} else {
		x86_64_write_cr3(x86_64_read_cr3());
	}
}

static void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

static uint32_t extended_edx(void)
{
	uint32_t a, b, c, d;
	cpuid(0x80000000u, &a, &b, &c, &d);
	if (a < 0x80000001u)
		return 0;
	cpuid(0x80000001u, &a, &b, &c, &d);
	return d;
}

bool x86_64_has_1g_pages(void)
{
	return extended_edx() & (1u << 26);
}

bool x86_64_has_nx(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(MSR_EFER));
	return (((uint64_t)hi << 32 | lo) & EFER_NXE) != 0; /* boot.S set it when CPUID had NX */
}

bool x86_64_has_pge(void)
{
	uint32_t a, b, c, d;
	cpuid(1, &a, &b, &c, &d);
	return d & (1u << 13);
}

bool x86_64_has_pcid(void)
{
	uint32_t a, b, c, d;
	cpuid(1, &a, &b, &c, &d);
	return c & (1u << 17);
}

void x86_64_enable_pcid(void)
{
	write_cr4(read_cr4() | (1ull << 17));
}

bool x86_64_has_invpcid(void)
{
	uint32_t a, b, c, d;
	cpuid(0, &a, &b, &c, &d);
	if (a < 7)
		return false;
	cpuid(7, &a, &b, &c, &d);
	return b & (1u << 10);
}

void x86_64_invpcid_context(unsigned pcid)
{
	struct {
		uint64_t pcid, address;
	} descriptor = {pcid, 0};
	__asm__ volatile("invpcid %0, %1" : : "m"(descriptor), "r"(1ull) : "memory");
}

void x86_64_enable_pge(void)
{
	write_cr4(read_cr4() | CR4_PGE);
}

/* The time-stamp counter: guest instructions under QEMU -icount shift=0. */
uint64_t arch_cycles(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}
