/* SPDX-License-Identifier: BSD-2-Clause */
/* The simulated ARMv7 (see sim.h) and arch/armv7/cpu.h over it. */
#include <stdlib.h>
#include <string.h>

#include <mmukit/services.h>

#include "cpu.h"
#include "sim.h"

struct sim_armv7 simarm;

void *simarm_phys(mmk_paddr_t pa)
{
	MMK_ASSERT(pa >= SIMARM_RAM_BASE && pa < SIMARM_RAM_BASE + simarm.ram_size);
	return simarm.ram + (pa - SIMARM_RAM_BASE);
}

static bool usable(const struct simarm_tlb_entry *e)
{
	return e->valid && (e->global || e->asid == simarm.asid);
}

static struct simarm_tlb_entry *tlb_lookup(uint32_t va)
{
	for (unsigned i = 0; i < SIMARM_TLB_ENTRIES; i++) {
		struct simarm_tlb_entry *e = &simarm.tlb[i];
		if (usable(e) && (va & ~(e->size - 1)) == e->vpage)
			return e;
	}
	return NULL;
}

static uint32_t l1_in_memory(uint32_t va)
{
	return refarm_l1(simarm.ram, SIMARM_RAM_BASE, simarm.ram_size, simarm.ttbr0, simarm.ttbr1, va);
}

static bool walk(uint32_t va, struct refarm_translation *t)
{
	return refarm_walk(simarm.ram, SIMARM_RAM_BASE, simarm.ram_size, simarm.ttbr0,
			   simarm.ttbr1, va, t);
}

/* ------------------------------------------------------------ the walk cache */

static struct simarm_walk_entry *walk_lookup(uint32_t va)
{
	for (unsigned i = 0; i < SIMARM_WALK_ENTRIES; i++) {
		struct simarm_walk_entry *w = &simarm.walk[i];
		if (w->valid && w->asid == simarm.asid && w->section == va >> 20)
			return w;
	}
	return NULL;
}

/* va's first-level descriptor: cached, or read and cached when it points to a table. */
static uint32_t walk_l1(uint32_t va)
{
	struct simarm_walk_entry *w = walk_lookup(va);
	if (w)
		return w->l1;
	uint32_t l1 = l1_in_memory(va);
	if ((l1 & 3) == 1)
		simarm.walk[simarm.walk_victim++ % SIMARM_WALK_ENTRIES] =
			(struct simarm_walk_entry){true, simarm.asid, va >> 20, l1};
	return l1;
}

/* Drops a cached descriptor, noting when its table's frame was already freed. */
static void walk_drop(struct simarm_walk_entry *w)
{
	mmk_paddr_t frame = w->l1 & ~0xFFFu;
	if (simarm.pmm && mmk_pmm_owns(simarm.pmm, frame) && mmk_pmm_refcount(simarm.pmm, frame) == 0) {
		simarm.tables_freed_cached++;
		mmk_printf("    # walk cache: table 0x%llx of va 0x%08x (asid %u) freed before "
			   "it was invalidated\n", (unsigned long long)frame, w->section << 20, w->asid);
	}
	w->valid = false;
}

/* Drops the cached descriptors of va's section (any ASID when all_asids) or of asid. */
static void walk_invalidate(uint32_t va, bool by_va, unsigned asid, bool all_asids)
{
	for (unsigned i = 0; i < SIMARM_WALK_ENTRIES; i++) {
		struct simarm_walk_entry *w = &simarm.walk[i];
		if (w->valid && (!by_va || w->section == va >> 20) && (all_asids || w->asid == asid))
			walk_drop(w);
	}
}

/* ------------------------------------------------------------ translation */

bool simarm_translate(uint32_t va, bool write, uint64_t *pa)
{
	struct simarm_tlb_entry *e = tlb_lookup(va);
	if (e) {
		if (write && !e->priv_write)
			return false;
		*pa = e->pa + (va & (e->size - 1));
		return true;
	}
	struct refarm_translation t;
	bool ok = refarm_walk_from(simarm.ram, SIMARM_RAM_BASE, simarm.ram_size, walk_l1(va), va, &t);
	if (!ok || (write && !t.priv_write))
		return false;
	e = &simarm.tlb[simarm.victim++ % SIMARM_TLB_ENTRIES];
	*e = (struct simarm_tlb_entry){true, t.global, simarm.asid, va & ~(t.page_size - 1),
				       t.page_size, t.pa & ~(uint64_t)(t.page_size - 1), t.priv_write};
	*pa = t.pa;
	return true;
}

static unsigned stale_walks(bool print)
{
	unsigned stale = 0;
	for (unsigned i = 0; i < SIMARM_WALK_ENTRIES; i++) {
		const struct simarm_walk_entry *w = &simarm.walk[i];
		if (!w->valid || w->asid != simarm.asid || l1_in_memory(w->section << 20) == w->l1)
			continue;
		stale++;
		if (print)
			mmk_printf("    # stale walk-cache entry: va 0x%08x asid %u -> L1 0x%08x\n",
				   w->section << 20, w->asid, (unsigned)w->l1);
	}
	return stale;
}

unsigned simarm_stale_tlb_entries(bool print)
{
	unsigned stale = 0;
	for (unsigned i = 0; i < SIMARM_TLB_ENTRIES; i++) {
		const struct simarm_tlb_entry *e = &simarm.tlb[i];
		if (!usable(e))
			continue;
		bool bad = false;
		for (uint32_t off = 0; off < e->size && !bad; off += e->size > 4096 ? e->size / 16 : 4096) {
			struct refarm_translation t;
			bad = !walk(e->vpage + off, &t) || (t.pa & ~0xFFFull) != e->pa + off ||
			      (e->priv_write && !t.priv_write);
		}
		if (bad) {
			stale++;
			if (print)
				mmk_printf("    # stale TLB entry: va 0x%08x asid %u -> pa 0x%llx\n",
					   e->vpage, e->asid, (unsigned long long)e->pa);
		}
	}
	return stale + stale_walks(print) + (unsigned)simarm.tables_freed_cached;
}

unsigned simarm_tlb_entries_for(uint64_t pa, uint64_t size)
{
	unsigned n = 0;
	for (unsigned i = 0; i < SIMARM_TLB_ENTRIES; i++) {
		const struct simarm_tlb_entry *e = &simarm.tlb[i];
		if (e->valid && e->pa < pa + size && pa < e->pa + e->size)
			n++;
	}
	return n;
}

/* ------------------------------------------------------------ arch/armv7/cpu.h */

void *armv7_phys(uint64_t pa)
{
	return simarm_phys(pa);
}

uintptr_t armv7_direct_base(void)
{
	return 0; /* every table access goes through armv7_phys, which checks it */
}

void *armv7_kernel_pointer(uint32_t va)
{
	uint64_t pa;
	if (!simarm_translate(va, true, &pa))
		mmk_panic("sim: kernel pointer for 0x%08x, which does not translate", va);
	return simarm_phys(pa);
}

void armv7_set_kernel_table(uint32_t ttbr1)
{
	simarm.ttbr1 = ttbr1;
}

void armv7_switch_user_table(uint32_t ttbr0, unsigned asid)
{
	simarm.ttbr0 = ttbr0;
	simarm.asid = asid;
}

void armv7_tlbi_va_asid(uint32_t va, unsigned asid)
{
	simarm.tlbi_mva++;
	for (unsigned i = 0; i < SIMARM_TLB_ENTRIES; i++) {
		struct simarm_tlb_entry *e = &simarm.tlb[i];
		/* TLBIMVA: non-global entries of that ASID, and global ones (ARM ARM B4.2.2) */
		if (e->valid && (e->global || e->asid == asid) && (va & ~(e->size - 1)) == e->vpage)
			e->valid = false;
	}
	walk_invalidate(va, true, asid, false);
}

void armv7_tlbi_va_all_asids(uint32_t va)
{
	simarm.tlbi_mva++;
	for (unsigned i = 0; i < SIMARM_TLB_ENTRIES; i++) {
		struct simarm_tlb_entry *e = &simarm.tlb[i];
		if (e->valid && (va & ~(e->size - 1)) == e->vpage)
			e->valid = false;
	}
	walk_invalidate(va, true, 0, true);
}

void armv7_tlbi_asid(unsigned asid)
{
	simarm.tlbi_asid++;
	for (unsigned i = 0; i < SIMARM_TLB_ENTRIES; i++)
		if (simarm.tlb[i].valid && !simarm.tlb[i].global && simarm.tlb[i].asid == asid)
			simarm.tlb[i].valid = false;
	walk_invalidate(0, false, asid, false);
}

/* A Cortex-A15 (LPAE): PXN in short descriptors; the walk ignores it (the simulated
 * CPU runs no code). */
bool armv7_has_pxn(void)
{
	return true;
}

/* The simulated CPU has no caches: code syncs are only counted, for the tests. */
void armv7_sync_code(uint64_t pa)
{
	(void)pa;
	simarm.code_pages_synced++;
}

void armv7_sync_code_done(void)
{
	simarm.code_syncs_done++;
}

void armv7_zero_page(void *page)
{
	memset(page, 0, MMK_PAGE_SIZE);
}

void armv7_copy_page(void *dst, const void *src)
{
	memcpy(dst, src, MMK_PAGE_SIZE);
}

void armv7_tables_written(void)
{
	/* the simulated walker reads RAM directly: nothing to wait for */
}

void armv7_tlbi_all(void)
{
	simarm.tlbi_all++;
	for (unsigned i = 0; i < SIMARM_TLB_ENTRIES; i++)
		simarm.tlb[i].valid = false;
	walk_invalidate(0, false, 0, true);
}

/* ------------------------------------------------------------ the machine */

void simarm_machine_prepare(struct simarm_machine *m, uint64_t ram_bytes)
{
	free(simarm.ram);
	memset(&simarm, 0, sizeof(simarm));
	simarm.ram = calloc(1, ram_bytes);
	MMK_ASSERT(simarm.ram != NULL);
	simarm.ram_size = ram_bytes;
	mmk_memmap_init(&m->map);
	MMK_ASSERT(mmk_memmap_add(&m->map, SIMARM_RAM_BASE, ram_bytes, MMK_MEM_USABLE) == 0);
	MMK_ASSERT(mmk_memmap_set(&m->map, SIMARM_RAM_BASE, MMK_MIB, MMK_MEM_BOOT) == 0); /* the DTB */
	MMK_ASSERT(mmk_memmap_set(&m->map, SIMARM_KERNEL_PA, MMK_MIB, MMK_MEM_KERNEL) == 0);
	size_t meta = mmk_pmm_metadata_size(&m->map);
	m->meta = malloc(meta);
	MMK_ASSERT(m->meta != NULL);
	MMK_ASSERT(mmk_pmm_init(&m->pmm, &m->map, m->meta, meta) == 0);
	simarm.pmm = &m->pmm;
}

int simarm_machine_start(struct simarm_machine *m, const struct mmk_mmu_boot *boot)
{
	struct mmk_mmu_boot b = boot ? *boot : (struct mmk_mmu_boot){0};
	if (!b.kernel_pa)
		b.kernel_pa = SIMARM_KERNEL_PA;
	if (!b.kernel_va)
		b.kernel_va = (mmk_vaddr_t)(SIMARM_LINEAR_BASE + (b.kernel_pa - SIMARM_RAM_BASE));
	if (!b.phys_to_virt)
		b.phys_to_virt = simarm_phys;
	if (!b.memmap)
		b.memmap = &m->map;
	return mmk_mmu_init(&m->mmu, &m->pmm, &b);
}

int simarm_machine_boot_with(struct simarm_machine *m, uint64_t ram_bytes,
			     const struct mmk_mmu_boot *boot)
{
	simarm_machine_prepare(m, ram_bytes);
	return simarm_machine_start(m, boot);
}

int simarm_machine_boot(struct simarm_machine *m, uint64_t ram_bytes)
{
	return simarm_machine_boot_with(m, ram_bytes, NULL);
}

void simarm_machine_free(struct simarm_machine *m)
{
	free(m->meta);
	m->meta = NULL;
	free(simarm.ram);
	memset(&simarm, 0, sizeof(simarm));
}
