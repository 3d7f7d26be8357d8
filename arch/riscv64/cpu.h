/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The riscv64 MMU backend's access to the machine: CSR and fence instructions in the
 * kernel (arch/riscv64/cpu.c), a simulated hart in the host tests (hosted/riscv64/sim.c).
 * Tables are reached through the direct map of physical memory (layout.h).
 */
#ifndef MMUKIT_ARCH_RISCV64_CPU_H
#define MMUKIT_ARCH_RISCV64_CPU_H

#include <stdbool.h>
#include <stdint.h>

/* A pointer to physical address pa (the direct map in a kernel), valid to its page end. */
void *riscv64_phys(uint64_t pa);
/* Where the direct map puts physical address 0 for the engine (0 on the host, where
 * every table access goes through riscv64_phys, which checks it). */
uintptr_t riscv64_direct_base(void);
/* A pointer for kernel address va as the hart translates it now (in a kernel: va). */
void *riscv64_kernel_pointer(uint64_t va);

/*
 * satp (RISC-V priv 4.1.11): MODE bits 63:60, ASID 59:44, PPN 43:0. A write with a MODE
 * the hart lacks has no effect at all; ASID bits past ASIDLEN read back as zero (WARL),
 * which is how MODE 9 (Sv48) and the ASID width are probed. A write fences nothing.
 */
uint64_t riscv64_read_satp(void);
void riscv64_write_satp(uint64_t satp);

/*
 * SFENCE.VMA (priv 4.2.1), each also ordering earlier page-table stores before the
 * translations that follow:
 *   all        rs1 = x0, rs2 = x0: every entry, every level, every ASID, global ones too
 *   asid       rs1 = x0, rs2 = asid: every level of that ASID, not global mappings
 *   page       rs1 = va, rs2 = x0: leaf entries for va in every ASID, global ones too
 *   page_asid  rs1 = va, rs2 = asid: leaf entries for va in that ASID, not global ones
 * Only rs1 = x0 forms drop cached non-leaf entries: freeing a table needs one of them.
 */
void riscv64_sfence_all(void);
void riscv64_sfence_asid(unsigned asid);
void riscv64_sfence_page(uint64_t va);
void riscv64_sfence_page_asid(uint64_t va, unsigned asid);

/* FENCE.I (unpriv "Zifencei"): this hart's instruction fetches see its earlier stores. */
void riscv64_fence_i(void);

/* Fills one 4 KiB page with zeros / copies one page (pointers from riscv64_phys). */
void riscv64_zero_page(void *page);
void riscv64_copy_page(void *dst, const void *src);

#endif
