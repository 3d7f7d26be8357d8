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
};

struct sim_i386 {
	uint8_t *ram;
	uint64_t ram_size;
	uint32_t cr3;
	bool pse, pge, pge_enabled;
	struct sim_tlb_entry tlb[SIM_TLB_ENTRIES]; /* sets first, then the large entries */
	unsigned victim[SIM_TLB_SETS + 1];         /* round-robin replacement per set */
	uint64_t invlpgs, cr3_loads, global_flushes;
};

extern struct sim_i386 sim;

/* A simulated machine booted like the real i386 kernel, with mmu_init done. */
struct sim_machine {
	struct mmk_memmap map;
	struct pmm pmm;
	void *meta;
	struct mmu mmu;
};

/*
 * Boots: RAM of ram_bytes, first MiB firmware, kernel image [1 MiB, 2 MiB) holding a
 * boot directory like arch/i386/boot.S's, the PMM over the rest, then mmu_init.
 * Returns mmu_init's result.
 */
int sim_machine_boot(struct sim_machine *m, uint64_t ram_bytes, bool pse, bool pge);
void sim_machine_free(struct sim_machine *m);

/* Translates va as the CPU would (TLB first, then a walk that sets A/D); false on fault. */
bool sim_translate(uint32_t va, bool write, uint64_t *pa);

/* TLB entries that allow more than the tables do now (stale); prints them when asked. */
unsigned sim_stale_tlb_entries(bool print);

/* Host pointer to physical address pa of the simulated RAM. */
void *sim_phys(paddr_t pa);

#endif
