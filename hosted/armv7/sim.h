/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A simulated ARMv7 (QEMU virt's layout: RAM at 0x40000000) for the host tests: RAM,
 * TTBR0/TTBR1 with TTBCR.N = 1, CONTEXTIDR.ASID, a TLB whose entries are tagged with
 * the ASID unless global, and a walk cache of first-level table descriptors tagged with
 * the ASID they were walked under (Cortex-A15 TRM 5.6: the same TLB operations by MVA,
 * ASID or all drop them). Implements arch/armv7/cpu.h; the linear map is RAM at
 * 0x80000000.
 *
 * Use after free is watched: when an operation drops a cached descriptor whose
 * second-level table's frame the PMM already has back, it is counted (tables_freed_cached)
 * and reported by simarm_stale_tlb_entries - a table was freed before the TLB let go.
 */
#ifndef MMUKIT_HOSTED_ARMV7_SIM_H
#define MMUKIT_HOSTED_ARMV7_SIM_H

#include <mmukit/mmu.h>
#include <mmukit/pmm.h>

#include "refmmu.h"

#define SIMARM_RAM_BASE 0x40000000ull
#define SIMARM_TLB_ENTRIES 512
#define SIMARM_WALK_ENTRIES 64

struct simarm_tlb_entry {
	bool valid, global;
	unsigned asid;
	uint32_t vpage, size;
	uint64_t pa;
	bool priv_write;
};

/* A first-level table descriptor as walked for section (va >> 20) under asid. */
struct simarm_walk_entry {
	bool valid;
	unsigned asid;
	uint32_t section;
	uint32_t l1;
};

struct sim_armv7 {
	uint8_t *ram;
	uint64_t ram_size;
	uint32_t ttbr0, ttbr1;
	unsigned asid;
	struct simarm_tlb_entry tlb[SIMARM_TLB_ENTRIES];
	unsigned victim;
	struct simarm_walk_entry walk[SIMARM_WALK_ENTRIES];
	unsigned walk_victim;
	const struct mmk_pmm *pmm; /* the machine's, to tell freed table frames */
	uint64_t tables_freed_cached;
	uint64_t tlbi_mva, tlbi_asid, tlbi_all;
	uint64_t code_pages_synced, code_syncs_done; /* armv7_sync_code / _done calls */
};

extern struct sim_armv7 simarm;

struct simarm_machine {
	struct mmk_memmap map;
	struct mmk_pmm pmm;
	void *meta;
	struct mmk_mmu mmu;
};

/*
 * Booting the machine, in two steps so a test can act between them (mmk_pmm_inject_failure):
 *   simarm_machine_prepare  fresh RAM of ram_bytes at 0x40000000 (its first MiB the boot's,
 *                           its second the kernel image's, both kept from the PMM), the
 *                           memory map and the PMM over it.
 *   simarm_machine_start    mmk_mmu_init with boot (NULL: all defaults), its unset fields
 *                           filled in: kernel_pa SIMARM_KERNEL_PA, kernel_va its linear
 *                           address, phys_to_virt simarm_phys, memmap the machine's map.
 *                           Returns mmk_mmu_init's result; may be called again after a failure.
 *   simarm_machine_boot_with  both; simarm_machine_boot: both, with no sections, no
 *                           kernel_size and no fixed mappings.
 */
#define SIMARM_KERNEL_PA (SIMARM_RAM_BASE + MMK_MIB)
#define SIMARM_LINEAR_BASE 0x80000000ull

void simarm_machine_prepare(struct simarm_machine *m, uint64_t ram_bytes);
int simarm_machine_start(struct simarm_machine *m, const struct mmk_mmu_boot *boot);
int simarm_machine_boot_with(struct simarm_machine *m, uint64_t ram_bytes,
			     const struct mmk_mmu_boot *boot);
int simarm_machine_boot(struct simarm_machine *m, uint64_t ram_bytes);
void simarm_machine_free(struct simarm_machine *m);

/* A privileged access at va through the TLB, the walk cache, then the tables. */
bool simarm_translate(uint32_t va, bool write, uint64_t *pa);
/* TLB entries and usable walk-cache descriptors that disagree with the tables now, plus
 * the tables freed while cached (see above). */
unsigned simarm_stale_tlb_entries(bool print);
/* Valid TLB entries of any ASID whose frames overlap [pa, pa+size). */
unsigned simarm_tlb_entries_for(uint64_t pa, uint64_t size);
void *simarm_phys(mmk_paddr_t pa);

#endif
