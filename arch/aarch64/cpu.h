/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The AArch64 MMU backend's access to the machine: system instructions in the kernel
 * (arch/aarch64/cpu.c), a simulated CPU in the host tests (hosted/aarch64/sim.c).
 * Tables are reached through the direct map of physical memory (DIRECT_MAP + pa).
 */
#ifndef MMUKIT_ARCH_AARCH64_CPU_H
#define MMUKIT_ARCH_AARCH64_CPU_H

#include <stdbool.h>
#include <stdint.h>

/* A pointer to physical address pa (the direct map in a kernel), valid to its page's end. */
void *aarch64_phys(uint64_t pa);
/* Where the direct map starts, for the engine's fast table access; 0 on the host,
 * whose simulator checks every physical access instead. */
uintptr_t aarch64_direct_base(void);
/* A pointer for kernel address va as the CPU translates it now (in a kernel: va). */
void *aarch64_kernel_pointer(uint64_t va);

uint64_t aarch64_read_mmfr0(void); /* ID_AA64MMFR0_EL1 (ARM ARM D13.2): ASIDBits 7:4 */
uint64_t aarch64_read_mmfr1(void); /* ID_AA64MMFR1_EL1 (D13.2): HAFDBS 3:0 */
uint64_t aarch64_read_tcr(void);
/* TCR_EL1, TTBR0_EL1 (ASID in bits 63:48): each write followed by an ISB. */
void aarch64_write_tcr(uint64_t tcr);
void aarch64_write_ttbr0(uint64_t ttbr0);
/*
 * TTBR1_EL1 from the boot tables to ttbr1, break-before-make (ARM ARM D8.14): from code
 * the boot's TTBR0 identity map still reaches, TTBR1 goes to the empty table `empty`,
 * everything is invalidated (TLBI VMALLE1IS, DSB, ISB), then ttbr1 is loaded - so old
 * and new entries for the same address are never in the TLB together.
 */
void aarch64_replace_ttbr1(uint64_t ttbr1, uint64_t empty);

/*
 * TLB maintenance (ARM ARM D8.13, the TLBI instructions of C5.5), Inner Shareable
 * forms. A sequence of them is bracketed by aarch64_tlbi_begin (DSB ISHST: earlier table
 * writes are visible to the walkers) and aarch64_tlbi_end (DSB ISH: the invalidations
 * are complete; ISB: later instructions translate afresh). last_level: only the leaf
 * entry of va (TLBI VALE1IS), else walk-cache entries too (TLBI VAE1IS).
 */
void aarch64_tlbi_begin(void);
void aarch64_tlbi_va(uint64_t va, unsigned asid, bool last_level); /* VA(L)E1IS: that ASID's
								  * entries and global ones */
void aarch64_tlbi_va_all_asids(uint64_t va, bool last_level);     /* VAA(L)E1IS */
void aarch64_tlbi_asid(unsigned asid);                            /* ASIDE1IS */
void aarch64_tlbi_all(void);                                      /* VMALLE1IS */
void aarch64_tlbi_end(void);

/* New entries where there were none need no TLBI, but must be visible to the walker
 * before the next access: DSB ISHST, then ISB (ARM ARM D8.2, table update ordering). */
void aarch64_tables_written(void);

/* Data cache clean to the point of unification and instruction cache invalidate for
 * [va, va + size), before it is executed (ARM ARM, instruction cache coherency:
 * DC CVAU, DSB, IC IVAU, DSB, ISB). */
void aarch64_sync_code(void *va, uint64_t size);

/* Fills one 4 KiB page with zeros / copies one page (pointers from aarch64_phys). */
void aarch64_zero_page(void *page);
void aarch64_copy_page(void *dst, const void *src);

#endif
