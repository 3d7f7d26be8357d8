/* SPDX-License-Identifier: BSD-2-Clause */
/* The simulated RISC-V hart (see sim.h) and arch/riscv64/cpu.h over it. */
#include <stdlib.h>
#include <string.h>

#include <mmukit/services.h>

#include "cpu.h"
#include "sim.h"

struct sim_riscv64 simrv;

void *simrv_phys(mmk_paddr_t pa)
{
	MMK_ASSERT(pa >= SIMRV_RAM_BASE && pa < SIMRV_RAM_BASE + simrv.ram_size);
	return simrv.ram + (pa - SIMRV_RAM_BASE);
}

unsigned simrv_asid(void)
{
	return (unsigned)(simrv.satp >> 44) & 0xFFFFu;
}

bool simrv_walk(uint64_t va, struct rvref_translation *t)
{
	return rvref_walk(simrv.ram, SIMRV_RAM_BASE, simrv.ram_size, simrv.satp, va, t);
}

/* Usable now: filled under the current ASID, or global. */
static bool tlb_usable(const struct simrv_tlb_entry *e)
{
	return e->valid && (e->global || e->asid == simrv_asid());
}

static bool walk_usable(const struct simrv_walk_entry *e)
{
	return e->valid && (e->global || e->asid == simrv_asid());
}

static struct simrv_tlb_entry *tlb_lookup(uint64_t va)
{
	struct simrv_tlb_entry *set = &simrv.tlb[((va >> 12) % SIMRV_TLB_SETS) * SIMRV_TLB_WAYS];
	for (unsigned i = 0; i < SIMRV_TLB_WAYS; i++)
		if (tlb_usable(&set[i]) && (va & ~0xFFFull) == set[i].vpage)
			return &set[i];
	struct simrv_tlb_entry *large = &simrv.tlb[SIMRV_TLB_SETS * SIMRV_TLB_WAYS];
	for (unsigned i = 0; i < SIMRV_TLB_LARGE; i++)
		if (tlb_usable(&large[i]) && (va & ~(large[i].size - 1)) == large[i].vpage)
			return &large[i];
	return NULL;
}

static struct simrv_tlb_entry *tlb_victim(uint64_t va, uint64_t size)
{
	if (size == 4096) {
		unsigned set = (unsigned)((va >> 12) % SIMRV_TLB_SETS);
		return &simrv.tlb[set * SIMRV_TLB_WAYS + simrv.victim[set]++ % SIMRV_TLB_WAYS];
	}
	return &simrv.tlb[SIMRV_TLB_SETS * SIMRV_TLB_WAYS +
			  simrv.victim[SIMRV_TLB_SETS]++ % SIMRV_TLB_LARGE];
}

/* The bytes one level-L entry covers (4.4.1: 4 KiB at level 0, x512 per level). */
static uint64_t region_size(unsigned level)
{
	return 1ull << (12 + 9 * level);
}

/* Caches the table entries of walk t (levels - 1 down to t->level + 1), unless there. */
static void fill_walk_cache(uint64_t va, const struct rvref_translation *t)
{
	unsigned levels = ((simrv.satp >> 60) == 9) ? 4 : 3;
	for (unsigned k = 0; k < t->tables; k++) {
		unsigned level = levels - 1 - k; /* the level of this table entry */
		uint64_t base = va & ~(region_size(level) - 1);
		bool found = false;
		for (unsigned i = 0; i < SIMRV_WALK_ENTRIES && !found; i++) {
			const struct simrv_walk_entry *e = &simrv.walk[i];
			found = walk_usable(e) && e->level == level && e->base == base &&
				e->table == t->table_pa[k];
		}
		if (!found)
			simrv.walk[simrv.walk_victim++ % SIMRV_WALK_ENTRIES] =
				(struct simrv_walk_entry){true, t->table_global[k], simrv_asid(),
							  level, base, t->table_pa[k]};
	}
}

/* Step 7 of 4.3.2: the hart sets A (and D for a store) in the leaf, or faults. */
static bool update_ad(struct rvref_translation *t, unsigned access)
{
	if (!rvref_needs_ad(t, access))
		return true;
	if (!simrv.cpu.hw_ad) {
		simrv.ad_faults++;
		return false;
	}
	uint64_t pte = t->pte | 0x40u | (access == RVREF_WRITE ? 0x80u : 0);
	memcpy(simrv_phys(t->pte_pa), &pte, 8);
	t->a = true;
	t->d = t->d || access == RVREF_WRITE;
	return true;
}

bool simrv_translate(uint64_t va, unsigned access, uint64_t *pa)
{
	struct simrv_tlb_entry *e = tlb_lookup(va);
	/* A store through an entry filled clean walks again to set D. */
	if (e && !(access == RVREF_WRITE && e->w && !e->d)) {
		struct rvref_translation c = {.r = e->r, .w = e->w, .x = e->x, .u = e->u};
		if (!rvref_allows(&c, access, false, true, false))
			return false;
		*pa = e->pa + (va & (e->size - 1));
		return true;
	}
	struct rvref_translation t;
	if (!simrv_walk(va, &t) || !rvref_allows(&t, access, false, true, false) ||
	    !update_ad(&t, access))
		return false;
	fill_walk_cache(va, &t);
	if (e)
		e->valid = false;
	e = tlb_victim(va, t.page_size);
	uint64_t leaf_table = t.tables ? t.table_pa[t.tables - 1]
				       : (simrv.satp & 0xFFFFFFFFFFFull) << 12;
	*e = (struct simrv_tlb_entry){true, t.global, simrv_asid(), va & ~(t.page_size - 1),
				      t.page_size, t.pa & ~(t.page_size - 1), t.r, t.w, t.x, t.u,
				      t.d, leaf_table};
	*pa = t.pa;
	return true;
}

static bool tlb_entry_stale(const struct simrv_tlb_entry *e)
{
	/* Each 4 KiB of it (up to 16 samples for a large entry, its edges included). */
	uint64_t step = e->size > 4096 ? e->size / 16 : 4096;
	for (uint64_t off = 0; off < e->size; off += step) {
		struct rvref_translation t;
		if (!simrv_walk(e->vpage + off, &t))
			return true;
		if ((t.pa & ~0xFFFull) != e->pa + off || (e->r && !t.r) || (e->w && !t.w) ||
		    (e->x && !t.x) || e->u != t.u || !t.a || (e->d && !t.d) ||
		    (e->global && !t.global))
			return true;
	}
	return false;
}

/* A cached table entry is stale when the tables no longer lead through it. */
static bool walk_entry_stale(const struct simrv_walk_entry *e)
{
	struct rvref_translation t;
	unsigned levels = ((simrv.satp >> 60) == 9) ? 4 : 3;
	unsigned k = levels - 1 - e->level;
	simrv_walk(e->base, &t); /* the leaf may be gone: only the tables above it matter */
	if (t.tables <= k)
		return true;
	return t.table_pa[k] != e->table;
}

unsigned simrv_stale_tlb_entries(bool print)
{
	unsigned stale = 0;
	for (unsigned i = 0; i < SIMRV_TLB_ENTRIES; i++) {
		const struct simrv_tlb_entry *e = &simrv.tlb[i];
		if (tlb_usable(e) && tlb_entry_stale(e)) {
			stale++;
			if (print)
				mmk_printf("    # stale TLB entry: va 0x%llx asid %u -> pa 0x%llx\n",
					   (unsigned long long)e->vpage, e->asid,
					   (unsigned long long)e->pa);
		}
	}
	for (unsigned i = 0; i < SIMRV_WALK_ENTRIES; i++) {
		const struct simrv_walk_entry *e = &simrv.walk[i];
		if (walk_usable(e) && walk_entry_stale(e)) {
			stale++;
			if (print)
				mmk_printf("    # stale cached table entry: level %u va 0x%llx asid %u "
					   "-> table 0x%llx\n", e->level, (unsigned long long)e->base,
					   e->asid, (unsigned long long)e->table);
		}
	}
	return stale;
}

/* Whether table frame pa went back to the PMM (a table freed while still cached). */
static bool freed(uint64_t pa)
{
	return simrv.pmm && mmk_pmm_owns(simrv.pmm, pa) && mmk_pmm_refcount(simrv.pmm, pa) == 0;
}

static void drop_leaf(struct simrv_tlb_entry *e)
{
	if (e->valid && freed(e->table))
		simrv.freed_table_uses++;
	e->valid = false;
}

static void drop_table_entry(struct simrv_walk_entry *e)
{
	if (e->valid && freed(e->table))
		simrv.freed_table_uses++;
	e->valid = false;
}

/* ------------------------------------------------------------ arch/riscv64/cpu.h */

uintptr_t riscv64_direct_base(void)
{
	return 0; /* every table access goes through riscv64_phys, which checks it */
}

void *riscv64_phys(uint64_t pa)
{
	return simrv_phys(pa);
}

void *riscv64_kernel_pointer(uint64_t va)
{
	uint64_t pa;
	if (!simrv_translate(va, RVREF_WRITE, &pa))
		mmk_panic("sim: kernel pointer for 0x%llx, which does not translate",
			  (unsigned long long)va);
	return simrv_phys(pa);
}

uint64_t riscv64_read_satp(void)
{
	return simrv.satp;
}

/* 4.1.11: a write with an unsupported MODE has no effect; ASID bits past ASIDLEN are 0. */
void riscv64_write_satp(uint64_t satp)
{
	uint64_t mode = satp >> 60;
	if (mode != 0 && mode != 8 && !(mode == 9 && simrv.cpu.has_sv48))
		return;
	uint64_t asid_mask = ((1ull << simrv.cpu.asid_bits) - 1) << 44;
	simrv.satp = (satp & ~(0xFFFFull << 44)) | (satp & asid_mask);
	simrv.satp_writes++;
}

void riscv64_sfence_all(void)
{
	simrv.fence_all++;
	for (unsigned i = 0; i < SIMRV_TLB_ENTRIES; i++)
		drop_leaf(&simrv.tlb[i]);
	for (unsigned i = 0; i < SIMRV_WALK_ENTRIES; i++)
		drop_table_entry(&simrv.walk[i]);
}

void riscv64_sfence_asid(unsigned asid)
{
	simrv.fence_asid++;
	for (unsigned i = 0; i < SIMRV_TLB_ENTRIES; i++)
		if (!simrv.tlb[i].global && simrv.tlb[i].asid == asid)
			drop_leaf(&simrv.tlb[i]);
	for (unsigned i = 0; i < SIMRV_WALK_ENTRIES; i++)
		if (!simrv.walk[i].global && simrv.walk[i].asid == asid)
			drop_table_entry(&simrv.walk[i]);
}

static bool covers(const struct simrv_tlb_entry *e, uint64_t va)
{
	return e->valid && (va & ~(e->size - 1)) == e->vpage;
}

void riscv64_sfence_page(uint64_t va)
{
	simrv.fence_page++;
	for (unsigned i = 0; i < SIMRV_TLB_ENTRIES; i++)
		if (covers(&simrv.tlb[i], va))
			drop_leaf(&simrv.tlb[i]);
}

void riscv64_sfence_page_asid(uint64_t va, unsigned asid)
{
	simrv.fence_page_asid++;
	for (unsigned i = 0; i < SIMRV_TLB_ENTRIES; i++)
		if (covers(&simrv.tlb[i], va) && !simrv.tlb[i].global && simrv.tlb[i].asid == asid)
			drop_leaf(&simrv.tlb[i]);
}

void riscv64_fence_i(void)
{
	simrv.fence_i++;
}

void riscv64_zero_page(void *page)
{
	memset(page, 0, 4096);
}

void riscv64_copy_page(void *dst, const void *src)
{
	memcpy(dst, src, 4096);
}

/* ------------------------------------------------------------ the machine */

void simrv_machine_prepare(struct simrv_machine *m, uint64_t ram_bytes, struct simrv_cpu cpu)
{
	free(simrv.ram);
	memset(&simrv, 0, sizeof(simrv));
	simrv.ram = calloc(1, ram_bytes);
	MMK_ASSERT(simrv.ram != NULL);
	simrv.ram_size = ram_bytes;
	simrv.cpu = cpu;
	mmk_memmap_init(&m->map);
	MMK_ASSERT(mmk_memmap_add(&m->map, SIMRV_RAM_BASE, ram_bytes, MMK_MEM_USABLE) == 0);
	MMK_ASSERT(mmk_memmap_set(&m->map, SIMRV_RAM_BASE, 2 * MMK_MIB, MMK_MEM_FIRMWARE) == 0);
	MMK_ASSERT(mmk_memmap_set(&m->map, SIMRV_KERNEL_PA, MMK_MIB, MMK_MEM_KERNEL) == 0);
	size_t meta = mmk_pmm_metadata_size(&m->map);
	m->meta = malloc(meta);
	MMK_ASSERT(m->meta != NULL);
	MMK_ASSERT(mmk_pmm_init(&m->pmm, &m->map, m->meta, meta) == 0);
	simrv.pmm = &m->pmm;
}

int simrv_machine_start(struct simrv_machine *m, const struct mmk_mmu_boot *boot)
{
	struct mmk_mmu_boot b = boot ? *boot : (struct mmk_mmu_boot){0};
	if (!b.kernel_pa)
		b.kernel_pa = SIMRV_KERNEL_PA;
	if (!b.kernel_va)
		b.kernel_va = SIMRV_KERNEL_OFFSET + b.kernel_pa;
	if (!b.kernel_size)
		b.kernel_size = MMK_MIB;
	if (!b.phys_to_virt)
		b.phys_to_virt = simrv_phys;
	if (!b.memmap)
		b.memmap = &m->map;
	return mmk_mmu_init(&m->mmu, &m->pmm, &b);
}

int simrv_machine_boot(struct simrv_machine *m, uint64_t ram_bytes, struct simrv_cpu cpu)
{
	simrv_machine_prepare(m, ram_bytes, cpu);
	return simrv_machine_start(m, NULL);
}

void simrv_machine_free(struct simrv_machine *m)
{
	free(m->meta);
	m->meta = NULL;
	free(simrv.ram);
	memset(&simrv, 0, sizeof(simrv));
}
