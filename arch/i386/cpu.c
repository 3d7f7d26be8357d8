/* SPDX-License-Identifier: BSD-2-Clause */
/* The i386 MMU backend's machine access on real (emulated) hardware. */
#include <mmukit/kbench.h>

#include "cpu.h"

#define CR4_PGE (1u << 7)

void *i386_window(uint32_t va)
{
	return (void *)(uintptr_t)va;
}

uint32_t i386_read_cr3(void)
{
	uint32_t v;
	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

void i386_write_cr3(uint32_t pa)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(pa) : "memory");
}

void i386_invlpg(uint32_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static uint32_t read_cr4(void)
{
	uint32_t v;
	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static void write_cr4(uint32_t v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

void i386_flush_tlb_global(void)
{
	uint32_t cr4 = read_cr4();
	if (cr4 & CR4_PGE) {
		write_cr4(cr4 & ~CR4_PGE); /* SDM Vol 3A 4.10.4.1: clearing PGE flushes all */
		write_cr4(cr4);
	} else {
		i386_write_cr3(i386_read_cr3());
	}
}

static uint32_t cpuid1_edx(void)
{
	uint32_t a = 1, b, c = 0, d;
	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return d;
}

bool i386_has_pse(void)
{
	return cpuid1_edx() & (1u << 3);
}

bool i386_has_pge(void)
{
	return cpuid1_edx() & (1u << 13);
}

/* The time-stamp counter: guest instructions under QEMU -icount shift=0. */
uint64_t arch_cycles(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

void i386_enable_pge(void)
{
	write_cr4(read_cr4() | CR4_PGE);
}
