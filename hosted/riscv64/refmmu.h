/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A reference RISC-V MMU for the host tests, written from the RISC-V privileged spec
 * (4.3.2 "Virtual Address Translation Process", 4.4 Sv39, 4.5 Sv48, PTE layout 4.4.1,
 * SUM / MXR 4.1.1.2) separately from arch/riscv64/mmu.c: it shares no code or header
 * with the backend.
 */
#ifndef MMUKIT_HOSTED_RISCV64_REFMMU_H
#define MMUKIT_HOSTED_RISCV64_REFMMU_H

#include <stdbool.h>
#include <stdint.h>

#define RVREF_READ 1u
#define RVREF_WRITE 2u
#define RVREF_EXEC 4u

struct rvref_translation {
	uint64_t pa;        /* the byte va translates to */
	uint64_t page_size; /* 4 KiB, 2 MiB, 1 GiB or 512 GiB */
	unsigned level;     /* the leaf's level: 0 for 4 KiB pages */
	uint64_t pte;       /* the leaf as stored */
	uint64_t pte_pa;    /* where it is */
	bool r, w, x, u, a, d;
	bool global;        /* G in the leaf or in any table entry above it */
	unsigned tables;    /* table entries crossed on the way (levels - 1 - level) */
	uint64_t table_pa[4];  /* the table each of them points to, root side first */
	uint64_t table_pte_pa[4]; /* where each of them is */
	bool table_global[4];  /* G set in it or above */
};

/*
 * Translates va with satp (MODE 8 Sv39 or 9 Sv48; anything else fails) over RAM
 * [ram_base, ram_base + ram_size). False: a page fault in steps 1-6 of 4.3.2 (va not
 * sign-extended, V clear, W without R, reserved bits, no leaf at level 0, a misaligned
 * superpage, D/A/U set in a table entry). A table outside RAM is a backend bug: panics.
 * Access rights and A/D are not checked here (rvref_allows, rvref_needs_ad). Even
 * when it fails, out->tables and table_pa say which table entries were crossed.
 */
bool rvref_walk(const uint8_t *ram, uint64_t ram_base, uint64_t ram_size, uint64_t satp,
		uint64_t va, struct rvref_translation *out);

/* Whether the leaf allows access (one RVREF_*) from S-mode (user false) or U-mode. */
bool rvref_allows(const struct rvref_translation *t, unsigned access, bool user, bool sum,
		  bool mxr);

/* Whether the access must first set A, or D for a store (4.3.2 step 7). */
bool rvref_needs_ad(const struct rvref_translation *t, unsigned access);

#endif
