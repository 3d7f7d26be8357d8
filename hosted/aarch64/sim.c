/* SPDX-License-Identifier: BSD-2-Clause */
/* The simulated AArch64 (see sim.h) and arch/aarch64/cpu.h over it. */
#include <stdlib.h>
#include <string.h>

#include <mmukit/services.h>

#include "cpu.h"
#include "sim.h"

#define TCR_AS (1ull << 36) /* 16-bit ASIDs */
#define TCR_HA (1ull << 39) /* hardware Access flag */
#define ADDR_MASK 0x0000FFFFFFFFF000ull

struct sim_aarch64 sima64;
static unsigned offered_asid_bits = 16, offered_hafdbs;

void sima64_offer(unsigned asid_bits, unsigned hafdbs)
{
	offered_asid_bits = asid_bits;
	offered_hafdbs = hafdbs;
}

void *sima64_phys(mmk_paddr_t pa)
{
	MMK_ASSERT(pa >= SIMA64_RAM_BASE && pa < SIMA64_RAM_BASE + sima64.ram_size);
	return sima64.ram + (pa - SIMA64_RAM_BASE);
}

unsigned sima64_asid(void)
{
	unsigned asid = (unsigned)(sima64.ttbr0 >> 48);
	return (sima64.tcr & TCR_AS) ? asid : asid & 0xFF;
}

static enum refa64_fault walk_with(uint64_t ttbr0, uint64_t va, bool set_af,
				   struct refa64_translation *t)
{
	struct refa64_ram mem = {sima64.ram, SIMA64_RAM_BASE, sima64.ram_size};
	struct refa64_regs regs = {ttbr0, sima64.ttbr1,
				   set_af && (sima64.tcr & TCR_HA) && (sima64.mmfr1 & 0xF) >= 1};
	return refa64_walk(&mem, &regs, va, t);
}

enum refa64_fault sima64_walk(uint64_t va, struct refa64_translation *t)
{
	return walk_with(sima64.ttbr0, va, false, t);
}

enum refa64_fault sima64_walk_root(uint64_t ttbr0, uint64_t va, struct refa64_translation *t)
{
	return walk_with(ttbr0, va, false, t);
}

/* Drops walk-cache entry w; notes when its table is already free (freed too early). */
static void drop_walk(struct sima64_walk_entry *w)
{
	if (w->valid && sima64.pmm && mmk_pmm_owns(sima64.pmm, w->table) &&
	    mmk_pmm_refcount(sima64.pmm, w->table) == 0)
		sima64.freed_table_uses++;
	w->valid = false;
}

/* Usable now: global, or tagged with the running ASID. */
static bool usable(bool valid, bool global, unsigned asid)
{
	return valid && (global || asid == sima64_asid());
}

static struct sima64_tlb_entry *tlb_lookup(uint64_t va)
{
	struct sima64_tlb_entry *set = &sima64.tlb[((va >> 12) % SIMA64_TLB_SETS) * SIMA64_TLB_WAYS];
	for (unsigned i = 0; i < SIMA64_TLB_WAYS; i++)
		if (usable(set[i].valid, set[i].global, set[i].asid) && (va & ~0xFFFull) == set[i].vpage)
			return &set[i];
	struct sima64_tlb_entry *blocks = &sima64.tlb[SIMA64_TLB_SETS * SIMA64_TLB_WAYS];
	for (unsigned i = 0; i < SIMA64_TLB_BLOCKS; i++)
		if (usable(blocks[i].valid, blocks[i].global, blocks[i].asid) &&
		    (va & ~(blocks[i].size - 1)) == blocks[i].vpage)
			return &blocks[i];
	return NULL;
}

static struct sima64_tlb_entry *tlb_victim(uint64_t va, uint64_t size)
{
	if (size == 4096) {
		unsigned set = (unsigned)((va >> 12) % SIMA64_TLB_SETS);
		return &sima64.tlb[set * SIMA64_TLB_WAYS + sima64.victim[set]++ % SIMA64_TLB_WAYS];
	}
	return &sima64.tlb[SIMA64_TLB_SETS * SIMA64_TLB_WAYS +
			   sima64.victim[SIMA64_TLB_SETS]++ % SIMA64_TLB_BLOCKS];
}

static struct sima64_walk_entry *walk_lookup(uint64_t va)
{
	for (unsigned i = 0; i < SIMA64_WALK_ENTRIES; i++) {
		struct sima64_walk_entry *w = &sima64.walk[i];
		if (usable(w->valid, w->global, w->asid) && w->region == va >> 21)
			return w;
	}
	return NULL;
}

/* The walk of a TLB miss: from a cached level-3 table when the walk cache has one. */
static enum refa64_fault miss_walk(uint64_t va, struct refa64_translation *t)
{
	struct sima64_walk_entry *w = walk_lookup(va);
	if (!w) {
		enum refa64_fault f = walk_with(sima64.ttbr0, va, true, t);
		if (t->level == 3) { /* reached a level-3 table: remember it */
			w = &sima64.walk[sima64.victim[SIMA64_TLB_SETS + 1]++ % SIMA64_WALK_ENTRIES];
			*w = (struct sima64_walk_entry){true, t->from_ttbr1, sima64_asid(), va >> 21,
							t->leaf_table};
		}
		return f;
	}
	struct refa64_ram mem = {sima64.ram, SIMA64_RAM_BASE, sima64.ram_size};
	struct refa64_regs regs = {sima64.ttbr0, sima64.ttbr1,
				   (sima64.tcr & TCR_HA) && (sima64.mmfr1 & 0xF) >= 1};
	return refa64_walk_last(&mem, &regs, w->table, va, t);
}

bool sima64_translate(uint64_t va, bool write, uint64_t *pa)
{
	struct sima64_tlb_entry *e = tlb_lookup(va);
	if (e) {
		if (write && !e->priv_write)
			return false;
		*pa = e->pa + (va & (e->size - 1));
		return true;
	}
	struct refa64_translation t;
	if (miss_walk(va, &t) != REFA64_OK || (write && !t.priv_write))
		return false;
	e = tlb_victim(va, t.page_size);
	*e = (struct sima64_tlb_entry){true, t.global, sima64_asid(), va & ~(t.page_size - 1),
				       t.page_size, t.pa & ~(t.page_size - 1), t.priv_write};
	*pa = t.pa;
	return true;
}

/* ------------------------------------------------------------ the stale check */

/* Whether the tables under ttbr0 (and TTBR1) no longer back entry e. */
static bool leaf_stale(const struct sima64_tlb_entry *e, uint64_t ttbr0)
{
	uint64_t step = e->size > 4096 ? e->size / 16 : 4096;
	for (uint64_t off = 0; off < e->size; off += step) {
		struct refa64_translation t;
		if (walk_with(ttbr0, e->vpage + off, false, &t) != REFA64_OK ||
		    (t.pa & ~0xFFFull) != e->pa + off || (e->priv_write && !t.priv_write))
			return true;
	}
	return false;
}

static bool walk_entry_stale(const struct sima64_walk_entry *w, uint64_t ttbr0)
{
	struct refa64_translation t;
	walk_with(ttbr0, w->region << 21, false, &t);
	return t.level != 3 || t.leaf_table != w->table;
}

/*
 * Entries of the running ASID and global ones, checked against the tables now. (Entries
 * of a space that is not running are checked when it runs again: a test activates it.)
 */
unsigned sima64_stale_tlb_entries(bool print)
{
	unsigned stale = 0;
	for (unsigned i = 0; i < SIMA64_TLB_ENTRIES; i++) {
		const struct sima64_tlb_entry *e = &sima64.tlb[i];
		if (!usable(e->valid, e->global, e->asid) || !leaf_stale(e, sima64.ttbr0))
			continue;
		stale++;
		if (print)
			mmk_printf("    # stale TLB entry: va 0x%llx asid %u -> pa 0x%llx\n",
				   (unsigned long long)e->vpage, e->asid, (unsigned long long)e->pa);
	}
	for (unsigned i = 0; i < SIMA64_WALK_ENTRIES; i++) {
		const struct sima64_walk_entry *w = &sima64.walk[i];
		if (!usable(w->valid, w->global, w->asid) || !walk_entry_stale(w, sima64.ttbr0))
			continue;
		stale++;
		if (print)
			mmk_printf("    # stale walk-cache entry: va 0x%llx asid %u -> table 0x%llx\n",
				   (unsigned long long)(w->region << 21), w->asid,
				   (unsigned long long)w->table);
	}
	return stale;
}

/* ------------------------------------------------------------ arch/aarch64/cpu.h */

uintptr_t aarch64_direct_base(void)
{
	return 0; /* every table access goes through aarch64_phys, which checks it */
}

void *aarch64_phys(uint64_t pa)
{
	return sima64_phys(pa);
}

void *aarch64_kernel_pointer(uint64_t va)
{
	uint64_t pa;
	if (!sima64_translate(va, true, &pa))
		mmk_panic("sim: kernel pointer for 0x%llx, which does not translate",
			  (unsigned long long)va);
	return sima64_phys(pa);
}

uint64_t aarch64_read_mmfr0(void)
{
	return sima64.mmfr0;
}

uint64_t aarch64_read_mmfr1(void)
{
	return sima64.mmfr1;
}

uint64_t aarch64_read_tcr(void)
{
	return sima64.tcr;
}

void aarch64_write_tcr(uint64_t tcr)
{
	sima64.tcr = tcr;
}

void aarch64_replace_ttbr1(uint64_t ttbr1, uint64_t empty)
{
	sima64.ttbr1 = empty;
	aarch64_tlbi_begin();
	aarch64_tlbi_all();
	aarch64_tlbi_end();
	sima64.ttbr1 = ttbr1;
}

void aarch64_write_ttbr0(uint64_t ttbr0)
{
	sima64.ttbr0 = ttbr0;
	sima64.ttbr0_writes++;
}

void aarch64_tlbi_begin(void)
{
	sima64.tlbi_open++;
}

void aarch64_tlbi_end(void)
{
	MMK_ASSERT(sima64.tlbi_open > 0);
	sima64.tlbi_open--;
}

static void tlbi_done(void)
{
	if (!sima64.tlbi_open)
		sima64.tlbi_outside++;
}

/* Drops leaf entries holding va (and walk-cache entries of its region unless last_level)
 * that are global or, when any_asid is false, tagged with asid. */
static void drop_va(uint64_t va, bool any_asid, unsigned asid, bool last_level)
{
	for (unsigned i = 0; i < SIMA64_TLB_ENTRIES; i++) {
		struct sima64_tlb_entry *e = &sima64.tlb[i];
		if (e->valid && (any_asid || e->global || e->asid == asid) &&
		    (va & ~(e->size - 1)) == e->vpage)
			e->valid = false;
	}
	for (unsigned i = 0; i < SIMA64_WALK_ENTRIES && !last_level; i++) {
		struct sima64_walk_entry *w = &sima64.walk[i];
		if (w->valid && (any_asid || w->global || w->asid == asid) && w->region == va >> 21)
			drop_walk(w);
	}
	tlbi_done();
}

void aarch64_tlbi_va(uint64_t va, unsigned asid, bool last_level)
{
	if (last_level)
		sima64.tlbi_vale++;
	else
		sima64.tlbi_va++;
	drop_va(va, false, asid, last_level);
}

void aarch64_tlbi_va_all_asids(uint64_t va, bool last_level)
{
	sima64.tlbi_vaa++;
	drop_va(va, true, 0, last_level);
}

void aarch64_tlbi_asid(unsigned asid)
{
	sima64.tlbi_asid++;
	for (unsigned i = 0; i < SIMA64_TLB_ENTRIES; i++)
		if (!sima64.tlb[i].global && sima64.tlb[i].asid == asid)
			sima64.tlb[i].valid = false;
	for (unsigned i = 0; i < SIMA64_WALK_ENTRIES; i++)
		if (!sima64.walk[i].global && sima64.walk[i].asid == asid)
			drop_walk(&sima64.walk[i]);
	tlbi_done();
}

void aarch64_tlbi_all(void)
{
	sima64.tlbi_all++;
	memset(sima64.tlb, 0, sizeof(sima64.tlb));
	memset(sima64.walk, 0, sizeof(sima64.walk));
	tlbi_done();
}

void aarch64_tables_written(void)
{
	/* the simulated walker reads RAM directly: nothing to wait for */
}

void aarch64_sync_code(void *va, uint64_t size)
{
	(void)va;
	(void)size;
	sima64.code_syncs++; /* no caches to maintain: only counted, for the tests */
}

void aarch64_zero_page(void *page)
{
	memset(page, 0, MMK_PAGE_SIZE);
}

void aarch64_copy_page(void *dst, const void *src)
{
	memcpy(dst, src, MMK_PAGE_SIZE);
}

/* ------------------------------------------------------------ the machine */

void sima64_machine_prepare(struct sima64_machine *m, uint64_t ram_bytes)
{
	free(sima64.ram);
	memset(&sima64, 0, sizeof(sima64));
	sima64.ram = calloc(1, ram_bytes);
	MMK_ASSERT(sima64.ram != NULL);
	sima64.ram_size = ram_bytes;
	/* PARange 0b0101 (48 bits), ASIDBits 0b0010 (16) or 0 (8); HAFDBS */
	sima64.mmfr0 = 0x5 | (offered_asid_bits == 16 ? 0x20u : 0);
	sima64.mmfr1 = offered_hafdbs;
	mmk_memmap_init(&m->map);
	MMK_ASSERT(mmk_memmap_add(&m->map, SIMA64_RAM_BASE, ram_bytes, MMK_MEM_USABLE) == 0);
	MMK_ASSERT(mmk_memmap_set(&m->map, SIMA64_RAM_BASE, 2 * MMK_MIB, MMK_MEM_BOOT) == 0);
	MMK_ASSERT(mmk_memmap_set(&m->map, SIMA64_KERNEL_PA, MMK_MIB, MMK_MEM_KERNEL) == 0);
	size_t meta = mmk_pmm_metadata_size(&m->map);
	m->meta = malloc(meta);
	MMK_ASSERT(m->meta != NULL);
	MMK_ASSERT(mmk_pmm_init(&m->pmm, &m->map, m->meta, meta) == 0);
	sima64.pmm = &m->pmm;
}

int sima64_machine_start(struct sima64_machine *m, const struct mmk_mmu_boot *boot)
{
	struct mmk_mmu_boot b = boot ? *boot : (struct mmk_mmu_boot){0};
	if (!b.kernel_pa)
		b.kernel_pa = SIMA64_KERNEL_PA;
	if (!b.kernel_va)
		b.kernel_va = SIMA64_KERNEL_VA + (b.kernel_pa - SIMA64_RAM_BASE);
	if (!b.kernel_size)
		b.kernel_size = MMK_MIB;
	if (!b.phys_to_virt)
		b.phys_to_virt = sima64_phys;
	if (!b.memmap)
		b.memmap = &m->map;
	return mmk_mmu_init(&m->mmu, &m->pmm, &b);
}

int sima64_machine_boot(struct sima64_machine *m, uint64_t ram_bytes)
{
	sima64_machine_prepare(m, ram_bytes);
	return sima64_machine_start(m, NULL);
}

void sima64_machine_free(struct sima64_machine *m)
{
	free(m->meta);
	m->meta = NULL;
	free(sima64.ram);
	memset(&sima64, 0, sizeof(sima64));
}
