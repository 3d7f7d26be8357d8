/* SPDX-License-Identifier: BSD-2-Clause */
/* The simulated x86_64 (see sim.h) and arch/x86_64/cpu.h over it. */
#include <stdlib.h>
#include <string.h>

#include <mmukit/services.h>

#include "cpu.h"
#include "sim.h"

struct sim_x86_64 sim64;

void *sim64_phys(mmk_paddr_t pa)
{
	MMK_ASSERT(pa < sim64.ram_size);
	return sim64.ram + pa;
}

uintptr_t x86_64_direct_base(void)
{
	return 0; /* every table access goes through x86_64_phys, which checks it */
}

unsigned sim64_pcid(void)
{
	return sim64.pcide ? (unsigned)(sim64.cr3 & 0xFFF) : 0;
}

/* Usable now: filled under the current PCID, or global. */
static bool usable(const struct sim64_tlb_entry *e)
{
	return e->valid && (e->global || e->pcid == sim64_pcid());
}

static struct sim64_tlb_entry *tlb_lookup(uint64_t va)
{
	struct sim64_tlb_entry *set = &sim64.tlb[((va >> 12) % SIM64_TLB_SETS) * SIM64_TLB_WAYS];
	for (unsigned i = 0; i < SIM64_TLB_WAYS; i++)
		if (usable(&set[i]) && (va & ~0xFFFull) == set[i].vpage)
			return &set[i];
	struct sim64_tlb_entry *large = &sim64.tlb[SIM64_TLB_SETS * SIM64_TLB_WAYS];
	for (unsigned i = 0; i < SIM64_TLB_LARGE; i++)
		if (usable(&large[i]) && (va & ~(large[i].size - 1)) == large[i].vpage)
			return &large[i];
	return NULL;
}

static struct sim64_tlb_entry *tlb_victim(uint64_t va, uint64_t size)
{
	if (size == 4096) {
		unsigned set = (unsigned)((va >> 12) % SIM64_TLB_SETS);
		return &sim64.tlb[set * SIM64_TLB_WAYS + sim64.victim[set]++ % SIM64_TLB_WAYS];
	}
	return &sim64.tlb[SIM64_TLB_SETS * SIM64_TLB_WAYS +
			  sim64.victim[SIM64_TLB_SETS]++ % SIM64_TLB_LARGE];
}

/* The frame of the table holding va's leaf entry under cr3 (a walk that succeeded). */
static uint64_t leaf_table(uint64_t va, uint64_t page_size)
{
	uint64_t table = sim64.cr3 & 0x000FFFFFFFFFF000ull;
	unsigned levels = page_size == (1ull << 30) ? 1 : page_size == (1ull << 21) ? 2 : 3;
	for (unsigned l = 0; l < levels; l++) {
		unsigned shift = 39 - 9 * l;
		uint64_t e;
		memcpy(&e, sim64_phys(table + ((va >> shift) & 511) * 8), 8);
		table = e & 0x000FFFFFFFFFF000ull;
	}
	return table;
}

/* SDM Vol 3A 4.8: the CPU sets A in the leaf it uses, and D on the first write. */
static void set_accessed(uint64_t va, uint64_t page_size, bool write)
{
	uint64_t table = leaf_table(va, page_size);
	unsigned shift = page_size == (1ull << 30) ? 30 : page_size == (1ull << 21) ? 21 : 12;
	uint64_t e;
	void *p = sim64_phys(table + ((va >> shift) & 511) * 8);
	memcpy(&e, p, 8);
	e |= 0x20 | (write ? 0x40 : 0);
	memcpy(p, &e, 8);
}

bool sim64_translate(uint64_t va, bool write, uint64_t *pa)
{
	struct sim64_tlb_entry *e = tlb_lookup(va);
	if (e && (!write || e->dirty || !e->writable)) {
		if (write && !e->writable)
			return false;
		*pa = e->pa + (va & (e->size - 1));
		return true;
	}
	/* A miss, or the first write through a clean entry: the walk sets A (and D). */
	struct ref64_translation t;
	if (!ref64_walk(sim64.ram, sim64.ram_size, sim64.cr3, sim64.has_nx, va, &t))
		return false;
	if (write && !t.writable)
		return false;
	set_accessed(va, t.page_size, write);
	if (!e)
		e = tlb_victim(va, t.page_size);
	*e = (struct sim64_tlb_entry){true, va & ~(t.page_size - 1), t.page_size,
				      t.pa & ~(t.page_size - 1), t.writable, t.user,
				      t.global && sim64.pge_enabled, sim64_pcid(),
				      leaf_table(va, t.page_size), write};
	*pa = t.pa;
	return true;
}

/* Drops e; notes when the table it came through is already free (freed too early). */
static void drop(struct sim64_tlb_entry *e)
{
	if (e->valid && sim64.pmm && mmk_pmm_owns(sim64.pmm, e->table) &&
	    mmk_pmm_refcount(sim64.pmm, e->table) == 0)
		sim64.freed_table_uses++;
	e->valid = false;
}

static bool entry_stale(const struct sim64_tlb_entry *e)
{
	/* Check each 4 KiB of it (up to 16 samples for a large entry, its edges included). */
	uint64_t step = e->size > 4096 ? e->size / 16 : 4096;
	for (uint64_t off = 0; off < e->size; off += step) {
		uint64_t at = e->vpage + off;
		struct ref64_translation t;
		if (!ref64_walk(sim64.ram, sim64.ram_size, sim64.cr3, sim64.has_nx, at, &t))
			return true;
		if ((t.pa & ~0xFFFull) != e->pa + off || (e->writable && !t.writable) ||
		    (e->user && !t.user))
			return true;
	}
	return false;
}

unsigned sim64_stale_tlb_entries(bool print)
{
	unsigned stale = 0;
	for (unsigned i = 0; i < SIM64_TLB_ENTRIES; i++) {
		const struct sim64_tlb_entry *e = &sim64.tlb[i];
		/* Entries of other PCIDs are checked when their space is loaded again. */
		if (usable(e) && entry_stale(e)) {
			stale++;
			if (print)
				mmk_printf("    # stale TLB entry: va 0x%llx -> pa 0x%llx\n",
					   (unsigned long long)e->vpage, (unsigned long long)e->pa);
		}
	}
	return stale;
}

/* ------------------------------------------------------------ arch/x86_64/cpu.h */

void *x86_64_phys(uint64_t pa)
{
	return sim64_phys(pa);
}

void *x86_64_kernel_pointer(uint64_t va)
{
	uint64_t pa;
	if (!sim64_translate(va, true, &pa))
		mmk_panic("sim: kernel pointer for 0x%llx, which does not translate",
			  (unsigned long long)va);
	return sim64_phys(pa);
}

uint64_t x86_64_read_cr3(void)
{
	return sim64.cr3;
}

/* SDM Vol 3A 4.10.4.1: without PCIDs a load drops every non-global entry; with them,
 * the new PCID's non-global entries, unless bit 63 says keep them. */
void x86_64_write_cr3(uint64_t cr3)
{
	bool keep = sim64.pcide && (cr3 & CR3_NOFLUSH);
	sim64.cr3 = cr3 & ~CR3_NOFLUSH;
	sim64.cr3_loads++;
	for (unsigned i = 0; i < SIM64_TLB_ENTRIES && !keep; i++) {
		struct sim64_tlb_entry *e = &sim64.tlb[i];
		if (!e->global && (!sim64.pcide || e->pcid == sim64_pcid()))
			drop(e);
	}
}

void x86_64_invlpg(uint64_t va)
{
	struct sim64_tlb_entry *e;
	sim64.invlpgs++;
	while ((e = tlb_lookup(va)) != NULL)
		drop(e);
}

void x86_64_flush_tlb_global(void)
{
	sim64.global_flushes++;
	for (unsigned i = 0; i < SIM64_TLB_ENTRIES; i++)
		drop(&sim64.tlb[i]);
}

bool x86_64_has_1g_pages(void)
{
	return sim64.has_1g;
}

bool x86_64_has_nx(void)
{
	return sim64.has_nx;
}

bool x86_64_has_pge(void)
{
	return sim64.has_pge;
}

void x86_64_enable_pge(void)
{
	sim64.pge_enabled = true;
}

bool x86_64_has_invpcid(void)
{
	return sim64.has_invpcid;
}

void x86_64_invpcid_context(unsigned pcid)
{
	MMK_ASSERT(sim64.has_invpcid);
	sim64.invpcids++;
	for (unsigned i = 0; i < SIM64_TLB_ENTRIES; i++)
		if (!sim64.tlb[i].global && sim64.tlb[i].pcid == pcid)
			drop(&sim64.tlb[i]);
}

bool x86_64_has_pcid(void)
{
	return sim64.has_pcid;
}

void x86_64_enable_pcid(void)
{
	MMK_ASSERT((sim64.cr3 & 0xFFF) == 0); /* SDM: CR4.PCIDE needs CR3[11:0] = 0 */
	sim64.pcide = true;
}

/* ------------------------------------------------------------ the machine */

static bool offer_invpcid;

void sim64_offer_invpcid(bool offer)
{
	offer_invpcid = offer;
}

/* Fresh RAM and CPU, the memory map and the PMM: all but mmk_mmu_init. */
void sim64_machine_prepare(struct sim64_machine *m, uint64_t ram_bytes, bool has_1g,
			   bool has_nx, bool has_pcid)
{
	free(sim64.ram);
	memset(&sim64, 0, sizeof(sim64));
	sim64.ram = calloc(1, ram_bytes);
	MMK_ASSERT(sim64.ram != NULL);
	sim64.ram_size = ram_bytes;
	sim64.has_1g = has_1g;
	sim64.has_nx = has_nx;
	sim64.has_pge = true;
	sim64.has_pcid = has_pcid;
	sim64.has_invpcid = offer_invpcid;
	mmk_memmap_init(&m->map);
	MMK_ASSERT(mmk_memmap_add(&m->map, 0, ram_bytes, MMK_MEM_USABLE) == 0);
	MMK_ASSERT(mmk_memmap_set(&m->map, 0, MMK_MIB, MMK_MEM_FIRMWARE) == 0);
	MMK_ASSERT(mmk_memmap_set(&m->map, SIM64_KERNEL_PA, MMK_MIB, MMK_MEM_KERNEL) == 0);
	size_t meta = mmk_pmm_metadata_size(&m->map);
	m->meta = malloc(meta);
	MMK_ASSERT(m->meta != NULL);
	MMK_ASSERT(mmk_pmm_init(&m->pmm, &m->map, m->meta, meta) == 0);
	sim64.pmm = &m->pmm;
}

/* mmk_mmu_init with boot, its unset fields the defaults (sim.h). */
int sim64_machine_start(struct sim64_machine *m, const struct mmk_mmu_boot *boot)
{
	struct mmk_mmu_boot b = boot ? *boot : (struct mmk_mmu_boot){0};
	if (!b.kernel_pa)
		b.kernel_pa = SIM64_KERNEL_PA;
	if (!b.kernel_va)
		b.kernel_va = SIM64_KERNEL_BASE + b.kernel_pa;
	if (!b.kernel_size)
		b.kernel_size = MMK_MIB;
	if (!b.phys_to_virt)
		b.phys_to_virt = sim64_phys;
	if (!b.memmap)
		b.memmap = &m->map;
	return mmk_mmu_init(&m->mmu, &m->pmm, &b);
}

/* Both, with the defaults. */
int sim64_machine_boot(struct sim64_machine *m, uint64_t ram_bytes, bool has_1g, bool has_nx,
		       bool has_pcid)
{
	sim64_machine_prepare(m, ram_bytes, has_1g, has_nx, has_pcid);
	return sim64_machine_start(m, NULL);
}

void sim64_machine_free(struct sim64_machine *m)
{
	free(m->meta);
	m->meta = NULL;
	free(sim64.ram);
	memset(&sim64, 0, sizeof(sim64));
}
