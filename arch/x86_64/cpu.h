/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The x86_64 MMU backend's access to the machine: instructions in the kernel
 * (arch/x86_64/cpu.c), a simulated CPU in the host tests (hosted/x86_64/sim.c).
 * Tables are reached through the direct map of physical memory (HHDM).
 */
#ifndef MMUKIT_ARCH_X86_64_CPU_H
#define MMUKIT_ARCH_X86_64_CPU_H

#include <stdbool.h>
#include <stdint.h>

/* A pointer to physical address pa (the HHDM in a kernel), valid to the end of its page. */
void *x86_64_phys(uint64_t pa);

/* Where the direct map starts (HHDM_BASE in a kernel), for the engine's fast table
 * access; 0 on the host, whose simulator checks every physical access instead. */
uintptr_t x86_64_direct_base(void);

/* A pointer for kernel address va as the CPU translates it now (in a kernel: va). */
void *x86_64_kernel_pointer(uint64_t va);

uint64_t x86_64_read_cr3(void);
void x86_64_write_cr3(uint64_t cr3);  /* flushes non-global entries */
void x86_64_invlpg(uint64_t va);      /* SDM Vol 3A 4.10.4.1 */
void x86_64_flush_tlb_global(void);   /* everything, global entries too */
bool x86_64_has_1g_pages(void);       /* CPUID.80000001H:EDX bit 26 */
bool x86_64_has_nx(void);             /* CPUID.80000001H:EDX bit 20 (and EFER.NXE set) */
bool x86_64_has_pge(void);            /* CPUID.1:EDX bit 13 */
void x86_64_enable_pge(void);
bool x86_64_has_pcid(void);           /* CPUID.1:ECX bit 17 */
void x86_64_enable_pcid(void);        /* CR4.PCIDE (CR3[11:0] must be 0) */
bool x86_64_has_invpcid(void);        /* CPUID.(EAX=07H,ECX=0):EBX bit 10 */
void x86_64_invpcid_context(unsigned pcid); /* INVPCID type 1: one PCID's non-global entries */

#define CR3_NOFLUSH (1ull << 63)      /* with PCIDs: keep the PCID's entries (SDM 4.10.4.1) */

#endif
