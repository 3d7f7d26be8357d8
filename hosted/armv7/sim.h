/*
 * A simulated ARMv7 (QEMU virt's layout: RAM at 0x40000000) for the host tests: RAM,
 * TTBR0/TTBR1 with TTBCR.N = 1, CONTEXTIDR.ASID and a TLB whose entries are tagged with
 * the ASID unless global. Implements arch/armv7/cpu.h; the linear map is RAM at
 * 0x80000000.
 */
#ifndef MMUKIT_HOSTED_ARMV7_SIM_H
#define MMUKIT_HOSTED_ARMV7_SIM_H

#include <mmukit/mmu.h>
#include <mmukit/pmm.h>

#include "refmmu.h"

#define SIMARM_RAM_BASE 0x40000000ull
#define SIMARM_TLB_ENTRIES 512

struct simarm_tlb_entry {
	bool valid, global;
	unsigned asid;
	uint32_t vpage, size;
	uint64_t pa;
	bool priv_write;
};

struct sim_armv7 {
	uint8_t *ram;
	uint64_t ram_size;
	uint32_t ttbr0, ttbr1;
	unsigned asid;
	struct simarm_tlb_entry tlb[SIMARM_TLB_ENTRIES];
	unsigned victim;
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

bool simarm_translate(uint32_t va, bool write, uint64_t *pa);
unsigned simarm_stale_tlb_entries(bool print);
void *simarm_phys(mmk_paddr_t pa);

#endif
