/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A simulated RISC-V hart (QEMU virt's layout: RAM at 0x80000000) for the host tests:
 * RAM, satp (MODE Sv39, and Sv48 when the hart has it; ASIDLEN of the test's choosing),
 * a TLB of leaves and a cache of table entries (priv 4.3.2 allows both), each tagged
 * with the ASID it was filled under unless global, filled on every translation and
 * dropped only by the SFENCE.VMA forms the backend issues (4.2.1): an address fence
 * drops leaves only, so a freed table stays cached until a fence without an address.
 * A and D are set by the hart (Svadu, like QEMU) or raise a page fault (Svade).
 * Implements arch/riscv64/cpu.h; the direct map is riscv64_phys.
 */
#ifndef MMUKIT_HOSTED_RISCV64_SIM_H
#define MMUKIT_HOSTED_RISCV64_SIM_H

#include <mmukit/mmu.h>
#include <mmukit/pmm.h>

#include "refmmu.h"

#define SIMRV_RAM_BASE 0x80000000ull
#define SIMRV_TLB_SETS 128
#define SIMRV_TLB_WAYS 4
#define SIMRV_TLB_LARGE 32
#define SIMRV_TLB_ENTRIES (SIMRV_TLB_SETS * SIMRV_TLB_WAYS + SIMRV_TLB_LARGE)
#define SIMRV_WALK_ENTRIES 32

struct simrv_tlb_entry {
	bool valid, global;
	unsigned asid;
	uint64_t vpage, size, pa;
	bool r, w, x, u, d;
	uint64_t table; /* the table its leaf entry was read from */
};

/* A cached table entry: the level-(level) entry for va region base points to table. */
struct simrv_walk_entry {
	bool valid, global;
	unsigned asid;
	unsigned level;
	uint64_t base, table;
};

struct simrv_cpu {
	bool has_sv48;
	unsigned asid_bits; /* ASIDLEN: 0 (no ASIDs) to 16 */
	bool hw_ad;         /* the hart sets A/D itself (else: page fault) */
};

struct sim_riscv64 {
	uint8_t *ram;
	uint64_t ram_size;
	struct simrv_cpu cpu;
	uint64_t satp;
	struct simrv_tlb_entry tlb[SIMRV_TLB_ENTRIES];
	unsigned victim[SIMRV_TLB_SETS + 1];
	struct simrv_walk_entry walk[SIMRV_WALK_ENTRIES];
	unsigned walk_victim;
	uint64_t satp_writes, fence_all, fence_asid, fence_page, fence_page_asid;
	uint64_t fence_i;   /* riscv64_fence_i calls */
	uint64_t ad_faults; /* translations refused for a clear A/D bit (Svade) */
	const struct mmk_pmm *pmm; /* the machine's, to tell freed table frames */
	unsigned freed_table_uses; /* entries still cached when their table was freed */
};

extern struct sim_riscv64 simrv;

struct simrv_machine {
	struct mmk_memmap map;
	struct mmk_pmm pmm;
	void *meta;
	struct mmk_mmu mmu;
};

/*
 * Booting the machine, in two steps so a test can act between them (mmk_pmm_inject_failure):
 *   simrv_machine_prepare  fresh RAM of ram_bytes at 0x80000000 (its first 2 MiB the
 *                          firmware's, the next MiB the kernel image's, both kept from
 *                          the PMM), a hart as cpu says, the memory map and the PMM.
 *   simrv_machine_start    mmk_mmu_init with boot (NULL: all defaults), its unset fields
 *                          filled in: kernel_pa SIMRV_KERNEL_PA, kernel_va
 *                          SIMRV_KERNEL_OFFSET + kernel_pa, kernel_size 1 MiB,
 *                          phys_to_virt simrv_phys, memmap the machine's map.
 *   simrv_machine_boot     both.
 */
#define SIMRV_KERNEL_PA (SIMRV_RAM_BASE + 2 * MMK_MIB)
#define SIMRV_KERNEL_OFFSET 0xFFFFFFFF00000000ull

void simrv_machine_prepare(struct simrv_machine *m, uint64_t ram_bytes, struct simrv_cpu cpu);
int simrv_machine_start(struct simrv_machine *m, const struct mmk_mmu_boot *boot);
int simrv_machine_boot(struct simrv_machine *m, uint64_t ram_bytes, struct simrv_cpu cpu);
void simrv_machine_free(struct simrv_machine *m);

/* The ASID the hart runs under now (satp.ASID). */
unsigned simrv_asid(void);
/* A translation of one access (RVREF_*) in S-mode with SUM set (a kernel access through
 * the probes), through the TLB; false: a page fault. */
bool simrv_translate(uint64_t va, unsigned access, uint64_t *pa);
/* Usable TLB leaves and cached table entries the tables no longer justify. Entries
 * dropped by a fence after the table they came through went back to the PMM (freed
 * before its invalidation) are counted in simrv.freed_table_uses. */
unsigned simrv_stale_tlb_entries(bool print);
void *simrv_phys(mmk_paddr_t pa);
/* A walk of the current tables, no TLB (refmmu.h). */
bool simrv_walk(uint64_t va, struct rvref_translation *t);

#endif
