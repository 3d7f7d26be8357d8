/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A reference x86_64 MMU for the host tests, written from the Intel SDM (Vol 3A 4.5,
 * "4-level paging", tables 4-14 to 4-20) separately from arch/x86_64/mmu.c: it shares
 * no code or header with the backend.
 */
#ifndef MMUKIT_HOSTED_X86_64_REFMMU_H
#define MMUKIT_HOSTED_X86_64_REFMMU_H

#include <stdbool.h>
#include <stdint.h>

struct ref64_translation {
	uint64_t pa;        /* the byte va translates to */
	uint64_t page_size; /* 4 KiB, 2 MiB or 1 GiB */
	bool writable;      /* R/W set at every level */
	bool user;          /* U/S set at every level */
	bool executable;    /* XD clear at every level (with EFER.NXE) */
	bool global;        /* the leaf's G */
};

/* Translates va with the PML4 at cr3; false when not present (or not canonical). */
bool ref64_walk(const uint8_t *ram, uint64_t ram_size, uint64_t cr3, bool nxe, uint64_t va,
		struct ref64_translation *out);

#endif
