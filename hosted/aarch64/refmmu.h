/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A reference VMSAv8-64 MMU for the host tests - stage 1, EL1&0 regime, 4 KiB granule,
 * 48-bit virtual addresses (T0SZ = T1SZ = 16), four lookup levels - written from the
 * ARM ARM (DDI 0487: D8.2 translation process, D8.3 descriptors, D8.4 access
 * permissions, D8.5 memory attributes) separately from arch/aarch64/mmu.c: it shares no
 * code or header with the backend. Levels are numbered as the manual does: 0 is the root.
 */
#ifndef MMUKIT_HOSTED_AARCH64_REFMMU_H
#define MMUKIT_HOSTED_AARCH64_REFMMU_H

#include <stdbool.h>
#include <stdint.h>

/* Physical memory as the walker sees it: RAM [base, base + size) at ram. */
struct refa64_ram {
	uint8_t *ram;
	uint64_t base, size;
};

enum refa64_fault { REFA64_OK, REFA64_TRANSLATION, REFA64_ACCESS_FLAG };

struct refa64_translation {
	uint64_t pa;
	uint64_t page_size;     /* 4 KiB (level 3), 2 MiB (level 2 block), 1 GiB (level 1) */
	unsigned level;         /* the level of the leaf (on a fault: where it stopped) */
	uint64_t leaf_table;    /* physical address of the table holding it */
	uint64_t descriptor;    /* the leaf as read */
	unsigned attr_index;    /* AttrIndx[2:0] into MAIR_EL1 */
	bool priv_write;        /* AP[2] clear (D8.4.1) */
	bool user_read;         /* AP[1] set */
	bool user_write;        /* AP[2:1] = 01 */
	bool priv_exec;         /* PXN clear, and not writable at EL0 (D8.4.3) */
	bool user_exec;         /* UXN clear */
	bool global;            /* nG clear */
	bool dbm;               /* DBM (bit 51) */
	bool from_ttbr1;        /* va selected TTBR1 */
};

/* The register state a walk depends on. */
struct refa64_regs {
	uint64_t ttbr0, ttbr1; /* BADDR bits 47:1 (ASID bits ignored) */
	bool hardware_af;      /* TCR_EL1.HA: the walker sets AF instead of faulting */
};

/*
 * Translates va from the root: below 2^48 with TTBR0, at 0xFFFF000000000000 and above
 * with TTBR1, else a translation fault (so is a descriptor address outside RAM). With
 * hardware_af, sets AF in the leaf in RAM instead of reporting an access flag fault.
 */
enum refa64_fault refa64_walk(const struct refa64_ram *mem, const struct refa64_regs *regs,
			      uint64_t va, struct refa64_translation *out);

/* The same from the level-3 table at table_pa (a cached walk: the leaf lookup only). */
enum refa64_fault refa64_walk_last(const struct refa64_ram *mem, const struct refa64_regs *regs,
				   uint64_t table_pa, uint64_t va, struct refa64_translation *out);

#endif
