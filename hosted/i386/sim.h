/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A simulated i386 for the host tests: RAM, CR3/CR4 and a TLB. It implements the
 * machine access of arch/i386/cpu.h, so the real backend runs on it. The TLB caches a
 * translation whenever one is used (the backend's own window accesses included) and
 * drops entries only as the hardware would: INVLPG, a CR3 load (non-global entries),
 * a CR4.PGE toggle (all). An invalidation the backend forgets leaves a stale entry,
 * which sim_stale_tlb_entries finds.
 */
#ifndef MMUKIT_HOSTED_I386_SIM_H
#define MMUKIT_HOSTED_I386_SIM_H

#include <mmukit/mmu.h>
#include <mmukit/pmm.h>

#include "refmmu.h"

/* 256 sets x 4 ways for 4 KiB pages, indexed by page number; 32 entries for 4 MiB pages. */
#define SIM_TLB_SETS 256
#define SIM_TLB_WAYS 4
#define SIM_TLB_LARGE 32
#define SIM_TLB_ENTRIES (SIM_TLB_SETS * SIM_TLB_WAYS + SIM_TLB_LARGE)

struct sim_tlb_entry {
	bool valid;
	uint32_t vpage;   /* start of the page */
	uint32_t size;    /* 4 KiB or 4 MiB */
	uint64_t pa;      /* start of the frame */
	bool writable, user, global;
	bool dirty;       /* the leaf's D bit was set when cached (SDM Vol 3A 4.8) */
	uint32_t table;   /* the frame of the table its leaf entry was read from */
};

struct sim_i386 {
	uint8_t *ram;
	uint64_t ram_size;
	uint32_t cr3;
	bool pse, pge, pge_enabled;
	struct sim_tlb_entry tlb[SIM_TLB_ENTRIES]; /* sets first, then the large entries */
	unsigned victim[SIM_TLB_SETS + 1];         /* round-robin replacement per set */
	uint64_t invlpgs, cr3_loads, global_flushes;
	const struct mmk_pmm *pmm;   /* the machine's, to tell freed table frames */
	unsigned freed_table_uses;   /* entries still cached when a table they came
				      * through, or a table a window page showed, was freed */
};

extern struct sim_i386 sim;

/* A simulated machine booted like the real i386 kernel, with mmk_mmu_init done. */
struct sim_machine {
	struct mmk_memmap map;
	struct mmk_pmm pmm;
	void *meta;
	struct mmk_mmu mmu;
};

/*
 * Booting the machine, in two steps so a test can act between them (mmk_pmm_inject_failure):
 *   sim_machine_prepare  fresh RAM of ram_bytes (first MiB firmware, kernel image
 *                        [1 MiB, 2 MiB) holding a boot directory like arch/i386/boot.S's
 *                        at SIM_BOOT_PD, CR3 on it), the memory map and the PMM over it.
 *   sim_machine_start    mmk_mmu_init with boot (NULL: all defaults), its unset fields filled
 *                        in: kernel_pa SIM_KERNEL_PA, kernel_va 0xC0000000 + kernel_pa,
 *                        kernel_size 1 MiB, window_limit 2 MiB (so 0, "all", cannot be
 *                        asked for), phys_to_virt sim_phys, memmap the machine's map.
 *                        Returns mmk_mmu_init's result; may be called again after a failure.
 *   sim_machine_boot     both, with no fixed mappings.
 */
#define SIM_KERNEL_PA MMK_MIB
#define SIM_BOOT_PD 0x101000u

void sim_machine_prepare(struct sim_machine *m, uint64_t ram_bytes, bool pse, bool pge);
int sim_machine_start(struct sim_machine *m, const struct mmk_mmu_boot *boot);
int sim_machine_boot(struct sim_machine *m, uint64_t ram_bytes, bool pse, bool pge);
void sim_machine_free(struct sim_machine *m);

/* Translates va as the CPU would (TLB first, then a walk that sets A/D); false on fault. */
bool sim_translate(uint32_t va, bool write, uint64_t *pa);

/*
 * TLB entries that allow more than the tables do now (stale); prints them when asked.
 * Entries dropped (INVLPG, CR3 load, global flush) after the table they came through,
 * or the table a recursive or alternate window page showed, was back in the PMM are
 * counted in sim.freed_table_uses: a table freed before its invalidation.
 */
unsigned sim_stale_tlb_entries(bool print);

/* Host pointer to physical address pa of the simulated RAM. */
void *sim_phys(mmk_paddr_t pa);

#endif
