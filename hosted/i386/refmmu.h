/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A reference i386 MMU for the host tests, written from the Intel SDM (Vol 3A 4.3,
 * "32-bit paging") independently of arch/i386/mmu.c: it shares no code or header with
 * the backend. It walks tables in simulated RAM the way the CPU does, so recursive
 * window addresses (0xFFC00000+, 0xFFFFF000) resolve as they would on hardware.
 */
#ifndef MMUKIT_HOSTED_I386_REFMMU_H
#define MMUKIT_HOSTED_I386_REFMMU_H

#include <stdbool.h>
#include <stdint.h>

struct ref_translation {
	uint64_t pa;       /* the byte va translates to */
	uint32_t page_size; /* 4 KiB or 4 MiB */
	bool writable;     /* for a supervisor with CR0.WP = 1: both levels' R/W */
	bool user;         /* both levels' U/S */
	bool global;       /* the leaf's G bit */
	uint32_t leaf;     /* the leaf entry */
};

/* Translates va with the directory at cr3 in ram; false when not present. */
bool ref_walk(const uint8_t *ram, uint64_t ram_size, uint32_t cr3, bool pse, uint32_t va,
	      struct ref_translation *out);

#endif
