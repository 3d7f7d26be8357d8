/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A simulated AArch64 (QEMU virt's layout: RAM at 0x40000000) for the host tests: RAM,
 * TTBR0_EL1 (with the ASID in bits 63:48), TTBR1_EL1, TCR_EL1, the ID registers the
 * backend reads, and a TLB that is filled on every translation and dropped only by the
 * TLBI operations the backend issues:
 *   - leaf entries: 4 KiB pages in a set-associative array, blocks in a small fully
 *     associative one, tagged by the ASID unless global (nG clear);
 *   - a walk cache: the address of the level-3 table found for a 2 MiB region (tagged
 *     by ASID for TTBR0 walks), used instead of the upper levels on a later miss.
 *     TLBI VALE1 (last level) leaves it; VAE1, ASIDE1 and VMALLE1 drop it - so a table
 *     freed with only a last-level invalidation is still walked through, and caught.
 * Implements arch/aarch64/cpu.h; the direct map is RAM at DIRECT_MAP + pa.
 */
#ifndef MMUKIT_HOSTED_AARCH64_SIM_H
#define MMUKIT_HOSTED_AARCH64_SIM_H

#include <mmukit/mmu.h>
#include <mmukit/pmm.h>

#include "refmmu.h"

#define SIMA64_RAM_BASE 0x40000000ull
#define SIMA64_DIRECT_MAP 0xFFFF000000000000ull
#define SIMA64_KERNEL_VA 0xFFFFFFFF80000000ull /* the RAM GiB holding the image */
#define SIMA64_KERNEL_PA (SIMA64_RAM_BASE + 2 * MMK_MIB)
#define SIMA64_TLB_SETS 64
#define SIMA64_TLB_WAYS 4
#define SIMA64_TLB_BLOCKS 16
#define SIMA64_TLB_ENTRIES (SIMA64_TLB_SETS * SIMA64_TLB_WAYS + SIMA64_TLB_BLOCKS)
#define SIMA64_WALK_ENTRIES 16

struct sima64_tlb_entry {
	bool valid, global;
	unsigned asid;
	uint64_t vpage, size, pa;
	bool priv_write;
};

struct sima64_walk_entry {
	bool valid, global;
	unsigned asid;
	uint64_t region; /* va >> 21 */
	uint64_t table;  /* the level-3 table's physical address */
};

struct sim_aarch64 {
	uint8_t *ram;
	uint64_t ram_size;
	uint64_t ttbr0, ttbr1, tcr;
	uint64_t mmfr0, mmfr1; /* what the CPU reports */
	struct sima64_tlb_entry tlb[SIMA64_TLB_ENTRIES];
	struct sima64_walk_entry walk[SIMA64_WALK_ENTRIES];
	unsigned victim[SIMA64_TLB_SETS + 2];
	unsigned tlbi_open;     /* between aarch64_tlbi_begin and _end */
	uint64_t tlbi_va, tlbi_vale, tlbi_vaa, tlbi_asid, tlbi_all, ttbr0_writes;
	uint64_t tlbi_outside;  /* TLBIs issued outside begin/end: missing barriers */
	uint64_t code_syncs;
	const struct mmk_pmm *pmm;  /* the machine's, to tell freed table frames */
	unsigned freed_table_uses;  /* walk-cache entries dropped after their table was freed */
};

extern struct sim_aarch64 sima64;

struct sima64_machine {
	struct mmk_memmap map;
	struct mmk_pmm pmm;
	void *meta;
	struct mmk_mmu mmu;
};

/* The CPU the next sima64_machine_prepare makes: ASIDBits (8 or 16), HAFDBS (0, 1, 2). */
void sima64_offer(unsigned asid_bits, unsigned hafdbs);

/*
 * Booting the machine, in two steps so a test can act between them (mmk_pmm_inject_failure):
 *   sima64_machine_prepare  fresh RAM of ram_bytes at 0x40000000 (its first 2 MiB the
 *                           boot's (DTB), the next MiB the kernel image's), the memory map
 *                           and the PMM over it.
 *   sima64_machine_start    mmk_mmu_init with boot (NULL: all defaults), its unset fields
 *                           filled in: kernel_pa SIMA64_KERNEL_PA, kernel_va at
 *                           SIMA64_KERNEL_VA + (pa - RAM base), kernel_size 1 MiB,
 *                           phys_to_virt sima64_phys, memmap the machine's map.
 *   sima64_machine_boot     both.
 */
void sima64_machine_prepare(struct sima64_machine *m, uint64_t ram_bytes);
int sima64_machine_start(struct sima64_machine *m, const struct mmk_mmu_boot *boot);
int sima64_machine_boot(struct sima64_machine *m, uint64_t ram_bytes);
void sima64_machine_free(struct sima64_machine *m);

/* The ASID the CPU runs under now (TTBR0_EL1 bits 63:48, 55:48 with 8-bit ASIDs). */
unsigned sima64_asid(void);
/* A privileged (EL1) access, through the TLB; false on a fault. */
bool sima64_translate(uint64_t va, bool write, uint64_t *pa);
/* The reference walk with the current registers (no TLB). */
enum refa64_fault sima64_walk(uint64_t va, struct refa64_translation *t);
/* The same with ttbr0 as the user root (TTBR1 as it is). */
enum refa64_fault sima64_walk_root(uint64_t ttbr0, uint64_t va, struct refa64_translation *t);
/* Cached entries (leaf and walk) that the tables no longer back; print: say which. */
unsigned sima64_stale_tlb_entries(bool print);
void *sima64_phys(mmk_paddr_t pa);

#endif
