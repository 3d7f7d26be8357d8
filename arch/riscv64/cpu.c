/* SPDX-License-Identifier: BSD-2-Clause */
/* The riscv64 MMU backend's machine access on a real (emulated) hart (cpu.h). */
#include <mmukit/kbench.h>

#include "cpu.h"
#include "layout.h"

void *riscv64_phys(uint64_t pa)
{
	return (void *)(uintptr_t)(DIRECT_BASE + pa);
}

uintptr_t riscv64_direct_base(void)
{
	return (uintptr_t)DIRECT_BASE;
}

void *riscv64_kernel_pointer(uint64_t va)
{
	return (void *)(uintptr_t)va;
}

uint64_t riscv64_read_satp(void)
{
	uint64_t v;
	__asm__ volatile("csrr %0, satp" : "=r"(v));
	return v;
}

void riscv64_write_satp(uint64_t satp)
{
	__asm__ volatile("csrw satp, %0" : : "r"(satp) : "memory");
}

void riscv64_sfence_all(void)
{
	__asm__ volatile("sfence.vma zero, zero" : : : "memory");
}

void riscv64_sfence_asid(unsigned asid)
{
	__asm__ volatile("sfence.vma zero, %0" : : "r"((uint64_t)asid) : "memory");
}

void riscv64_sfence_page(uint64_t va)
{
	__asm__ volatile("sfence.vma %0, zero" : : "r"(va) : "memory");
}

void riscv64_sfence_page_asid(uint64_t va, unsigned asid)
{
	__asm__ volatile("sfence.vma %0, %1" : : "r"(va), "r"((uint64_t)asid) : "memory");
}

void riscv64_fence_i(void)
{
	__asm__ volatile("fence.i" : : : "memory");
}

/* 8-byte stores, eight to a loop step: TCG turns each into one host store. */
void riscv64_zero_page(void *page)
{
	uint64_t *p = page;
	for (unsigned i = 0; i < 512; i += 8) {
		p[i] = 0;
		p[i + 1] = 0;
		p[i + 2] = 0;
		p[i + 3] = 0;
		p[i + 4] = 0;
		p[i + 5] = 0;
		p[i + 6] = 0;
		p[i + 7] = 0;
	}
}

void riscv64_copy_page(void *dst, const void *src)
{
	uint64_t *d = dst;
	const uint64_t *s = src;
	for (unsigned i = 0; i < 512; i += 8) {
		uint64_t a = s[i], b = s[i + 1], c = s[i + 2], e = s[i + 3];
		uint64_t f = s[i + 4], g = s[i + 5], h = s[i + 6], k = s[i + 7];
		d[i] = a;
		d[i + 1] = b;
		d[i + 2] = c;
		d[i + 3] = e;
		d[i + 4] = f;
		d[i + 5] = g;
		d[i + 6] = h;
		d[i + 7] = k;
	}
}

/*
 * The cycle counter (RISC-V unpriv "Zicntr": rdcycle). S-mode may read it because
 * OpenSBI sets mcounteren.CY; under QEMU -icount shift=0 it counts instructions.
 */
uint64_t arch_cycles(void)
{
	uint64_t v;
	__asm__ volatile("rdcycle %0" : "=r"(v));
	return v;
}
