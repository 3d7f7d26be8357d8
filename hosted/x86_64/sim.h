/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A simulated x86_64 for the host tests: RAM, CR3/CR4, EFER.NXE and a TLB (filled on
 * every translation, dropped only by INVLPG, CR3 loads and global flushes, as the
 * hardware does). Implements arch/x86_64/cpu.h so the real backend runs on it.
 */
#ifndef MMUKIT_HOSTED_X86_64_SIM_H
#define MMUKIT_HOSTED_X86_64_SIM_H

#include <mmukit/mmu.h>
#include <mmukit/pmm.h>

#include "refmmu.h"

#define SIM64_TLB_SETS 256
#define SIM64_TLB_WAYS 4
#define SIM64_TLB_LARGE 32
#define SIM64_TLB_ENTRIES (SIM64_TLB_SETS * SIM64_TLB_WAYS + SIM64_TLB_LARGE)

struct sim64_tlb_entry {
	bool valid;
	uint64_t vpage, size, pa;
	bool writable, user, global;
	unsigned pcid; /* the PCID it was filled under (PCIDs are not part of the walk) */
	uint64_t table; /* the frame of the table its leaf entry was read from */
	bool dirty;     /* the leaf's D was set when it was cached (or by a write since) */
};

struct sim_x86_64 {
	uint8_t *ram;
	uint64_t ram_size;
	uint64_t cr3;
	bool has_1g, has_nx, has_pge, pge_enabled, has_pcid, pcide, has_invpcid;
	uint64_t invpcids;
	struct sim64_tlb_entry tlb[SIM64_TLB_ENTRIES];
	unsigned victim[SIM64_TLB_SETS + 1];
	uint64_t invlpgs, cr3_loads, global_flushes;
	const struct mmk_pmm *pmm; /* the machine's, to tell freed table frames */
	unsigned freed_table_uses; /* entries still cached when their table was freed */
};

extern struct sim_x86_64 sim64;

struct sim64_machine {
	struct mmk_memmap map;
	struct mmk_pmm pmm;
	void *meta;
	struct mmk_mmu mmu;
};

/*
 * Booting the machine, in two steps so a test can act between them (mmk_pmm_inject_failure):
 *   sim64_machine_prepare  fresh RAM of ram_bytes (first MiB firmware, the kernel image
 *                          [1 MiB, 2 MiB)), a CPU with those features (PGE always), the
 *                          memory map and the PMM over the rest. CR3 stays 0.
 *   sim64_machine_start    mmk_mmu_init with boot (NULL: all defaults), its unset fields
 *                          filled in: kernel_pa SIM64_KERNEL_PA, kernel_va
 *                          SIM64_KERNEL_BASE + kernel_pa, kernel_size 1 MiB, phys_to_virt
 *                          sim64_phys, memmap the machine's map (window_limit 0: all RAM).
 *                          Returns mmk_mmu_init's result; may be called again after a failure.
 *   sim64_machine_boot     both, with no fixed mappings (HHDM of the RAM, the image at
 *                          0xFFFFFFFF80100000).
 */
#define SIM64_KERNEL_PA MMK_MIB
#define SIM64_KERNEL_BASE 0xFFFFFFFF80000000ull

void sim64_machine_prepare(struct sim64_machine *m, uint64_t ram_bytes, bool has_1g,
			   bool has_nx, bool has_pcid);
int sim64_machine_start(struct sim64_machine *m, const struct mmk_mmu_boot *boot);
int sim64_machine_boot(struct sim64_machine *m, uint64_t ram_bytes, bool has_1g, bool has_nx,
		       bool has_pcid);

/* Whether the next sim64_machine_prepare's CPU reports INVPCID (default: no). */
void sim64_offer_invpcid(bool offer);

/* The PCID the simulated CPU runs under now (0 without CR4.PCIDE). */
unsigned sim64_pcid(void);
void sim64_machine_free(struct sim64_machine *m);

bool sim64_translate(uint64_t va, bool write, uint64_t *pa);
unsigned sim64_stale_tlb_entries(bool print);
void *sim64_phys(mmk_paddr_t pa);

#endif
