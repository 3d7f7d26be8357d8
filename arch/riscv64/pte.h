/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Sv39 / Sv48 page-table entries (RISC-V priv 4.4.1 figure 4.18, 4.5.1): one 64-bit
 * format at every level. The PPN sits at bits 53:10 (an entry holds pa >> 2); a leaf
 * has R, W or X set, a pointer to the next table has only V (R = W = X = 0, and D, A, U
 * clear: reserved in non-leaf entries). W without R is reserved.
 */
#ifndef MMUKIT_ARCH_RISCV64_PTE_H
#define MMUKIT_ARCH_RISCV64_PTE_H

#include <mmukit/mmu.h>

#define PTE_V (1ull << 0)
#define PTE_R (1ull << 1)
#define PTE_W (1ull << 2)
#define PTE_X (1ull << 3)
#define PTE_U (1ull << 4)
#define PTE_G (1ull << 5)
#define PTE_A (1ull << 6)
#define PTE_D (1ull << 7)
#define PTE_RWX (PTE_R | PTE_W | PTE_X)
#define PTE_PPN 0x003FFFFFFFFFFC00ull /* bits 53:10 */

/* satp (4.1.11) */
#define SATP_MODE_SHIFT 60
#define SATP_MODE_SV39 8ull
#define SATP_MODE_SV48 9ull
#define SATP_ASID_SHIFT 44
#define SATP_ASID_MASK 0xFFFFull
#define SATP_PPN_MASK 0x00000FFFFFFFFFFFull

/*
 * The software half of the A/D rules (4.3.1): on a hart that raises a page fault
 * instead of setting A (any access) or D (a store), sets them in the leaf mapping va
 * (in the kernel space for kernel addresses, else in the active space) when the leaf
 * allows the access (one MMK_ACCESS_*, from U-mode when user, with sstatus.SUM as sum),
 * fences va, and returns true: retry. The same fence ends a fault on a leaf that had
 * everything already (an invalid entry the hart kept from before the map). False: the
 * leaf does not allow the access, or there is none.
 */
bool riscv64_mmu_fix_accessed(struct mmk_mmu *mmu, mmk_vaddr_t va, unsigned access, bool user,
			      bool sum);

/* Makes mmk_mmu_init keep Sv39 even where satp takes Sv48 (a boot option). */
void riscv64_mmu_sv39_only(void);

#endif
