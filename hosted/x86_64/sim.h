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
};

extern struct sim_x86_64 sim64;

struct sim64_machine {
	struct mmk_memmap map;
	struct pmm pmm;
	void *meta;
	struct mmu mmu;
};

/*
 * RAM of ram_bytes (first MiB firmware, the kernel image [1 MiB, 2 MiB)), the PMM over
 * the rest, then mmu_init (HHDM of the RAM, the image at 0xFFFFFFFF80100000).
 */
int sim64_machine_boot(struct sim64_machine *m, uint64_t ram_bytes, bool has_1g, bool has_nx,
		       bool has_pcid);

/* Whether the next sim64_machine_boot's CPU reports INVPCID (default: no). */
void sim64_offer_invpcid(bool offer);

/* The PCID the simulated CPU runs under now (0 without CR4.PCIDE). */
unsigned sim64_pcid(void);
void sim64_machine_free(struct sim64_machine *m);

bool sim64_translate(uint64_t va, bool write, uint64_t *pa);
unsigned sim64_stale_tlb_entries(bool print);
void *sim64_phys(paddr_t pa);

#endif
