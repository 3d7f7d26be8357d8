/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A reference VMSAv7 MMU (short descriptors, TTBCR.N = 1) for the host tests, written
 * from the ARM ARM (B3.5 translation tables, B3.7 access permissions) separately from
 * arch/armv7/mmu.c: it shares no code or header with the backend.
 */
#ifndef MMUKIT_HOSTED_ARMV7_REFMMU_H
#define MMUKIT_HOSTED_ARMV7_REFMMU_H

#include <stdbool.h>
#include <stdint.h>

struct refarm_translation {
	uint64_t pa;
	uint32_t page_size;   /* 4 KiB, 64 KiB or 1 MiB */
	bool priv_write;      /* the kernel may write */
	bool user_read, user_write;
	bool executable;
	bool global;          /* nG clear */
};

/*
 * Translates va: below 2 GiB with the TTBR0 table at ttbr0, above with the TTBR1 table
 * at ttbr1. ram points at physical ram_base. False on a translation fault.
 */
bool refarm_walk(const uint8_t *ram, uint64_t ram_base, uint64_t ram_size, uint32_t ttbr0,
		 uint32_t ttbr1, uint32_t va, struct refarm_translation *out);

/* The walk in two steps: va's first-level descriptor, then the translation from it (a
 * CPU may take the descriptor from its walk cache instead of memory). */
uint32_t refarm_l1(const uint8_t *ram, uint64_t ram_base, uint64_t ram_size, uint32_t ttbr0,
		   uint32_t ttbr1, uint32_t va);
bool refarm_walk_from(const uint8_t *ram, uint64_t ram_base, uint64_t ram_size, uint32_t l1,
		      uint32_t va, struct refarm_translation *out);

#endif
