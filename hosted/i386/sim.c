/* SPDX-License-Identifier: BSD-2-Clause */
/* The simulated i386 (see sim.h) and the machine access of arch/i386/cpu.h over it. */
#include <stdlib.h>
#include <string.h>

#include <mmukit/services.h>

#include "cpu.h"
#include "sim.h"

struct sim_i386 sim;

/* The simulated RAM at pa, bytes long: an access outside RAM fails the run (as a bus
 * error would), never reads host memory beyond the buffer. */
static uint8_t *ram_at(uint64_t pa, uint64_t bytes)
{
	MMK_ASSERT(pa < sim.ram_size && bytes <= sim.ram_size - pa);
	return sim.ram + pa;
}

void *sim_phys(mmk_paddr_t pa)
{
	return ram_at(pa, 1);
}

static struct sim_tlb_entry *tlb_set(uint32_t va)
{
	return &sim.tlb[((va >> 12) % SIM_TLB_SETS) * SIM_TLB_WAYS];
}

static struct sim_tlb_entry *tlb_lookup(uint32_t va)
{
	struct sim_tlb_entry *set = tlb_set(va);
	for (unsigned i = 0; i < SIM_TLB_WAYS; i++)
		if (set[i].valid && (va & ~0xFFFu) == set[i].vpage)
			return &set[i];
	struct sim_tlb_entry *large = &sim.tlb[SIM_TLB_SETS * SIM_TLB_WAYS];
	for (unsigned i = 0; i < SIM_TLB_LARGE; i++)
		if (large[i].valid && (va & ~(large[i].size - 1)) == large[i].vpage)
			return &large[i];
	return NULL;
}

/* The entry a new translation of va replaces. */
static struct sim_tlb_entry *tlb_victim(uint32_t va, uint32_t size)
{
	if (size == 4096) {
		unsigned set = (va >> 12) % SIM_TLB_SETS;
		unsigned way = sim.victim[set]++ % SIM_TLB_WAYS;
		return &sim.tlb[set * SIM_TLB_WAYS + way];
	}
	unsigned i = sim.victim[SIM_TLB_SETS]++ % SIM_TLB_LARGE;
	return &sim.tlb[SIM_TLB_SETS * SIM_TLB_WAYS + i];
}

/* Sets the accessed bits (and dirty on a write) as the CPU does (SDM Vol 3A 4.8). */
static void set_accessed(uint32_t va, bool write, const struct ref_translation *t)
{
	uint8_t *pde = ram_at((sim.cr3 & 0xFFFFF000u) + ((va >> 22) << 2), 4);
	pde[0] |= 0x20;
	if (t->page_size == 4096) {
		uint32_t pde_value = pde[0] | pde[1] << 8 | pde[2] << 16 | (uint32_t)pde[3] << 24;
		uint8_t *pte = ram_at((pde_value & 0xFFFFF000u) + (((va >> 12) & 0x3FF) << 2), 4);
		pte[0] |= 0x20 | (write ? 0x40 : 0);
	} else if (write) {
		pde[0] |= 0x40;
	}
}

/* The frame of the table holding va's leaf entry: the directory for a 4 MiB page. */
static uint32_t leaf_table(uint32_t va, uint32_t page_size)
{
	uint32_t pd = sim.cr3 & 0xFFFFF000u, pde;
	if (page_size != 4096)
		return pd;
	memcpy(&pde, ram_at(pd + ((va >> 22) << 2), 4), 4);
	return pde & 0xFFFFF000u;
}

bool sim_translate(uint32_t va, bool write, uint64_t *pa)
{
	struct sim_tlb_entry *e = tlb_lookup(va);
	if (e && write && e->writable && !e->dirty)
		e->valid = false; /* the first write walks again to set D (SDM Vol 3A 4.8) */
	else if (e) {
		if (write && !e->writable)
			return false;
		*pa = e->pa + (va & (e->size - 1));
		return true;
	}
	struct ref_translation t;
	if (!ref_walk(sim.ram, sim.ram_size, sim.cr3, sim.pse, va, &t))
		return false;
	if (write && !t.writable)
		return false;
	set_accessed(va, write, &t);
	e = tlb_victim(va, t.page_size);
	*e = (struct sim_tlb_entry){true, va & ~(t.page_size - 1), t.page_size,
				    t.pa & ~(uint64_t)(t.page_size - 1), t.writable, t.user,
				    t.global && sim.pge_enabled, write || (t.leaf & 0x40),
				    leaf_table(va, t.page_size)};
	*pa = t.pa;
	return true;
}

/* True when the entry allows something the tables no longer give, for any byte it covers. */
static bool entry_stale(const struct sim_tlb_entry *e)
{
	for (uint32_t off = 0; off < e->size; off += 4096) {
		struct ref_translation t;
		if (!ref_walk(sim.ram, sim.ram_size, sim.cr3, sim.pse, e->vpage + off, &t))
			return true;
		if ((t.pa & ~0xFFFull) != e->pa + off)
			return true;
		if ((e->writable && !t.writable) || (e->user && !t.user))
			return true;
	}
	return false;
}

unsigned sim_stale_tlb_entries(bool print)
{
	unsigned stale = 0;
	for (unsigned i = 0; i < SIM_TLB_ENTRIES; i++) {
		const struct sim_tlb_entry *e = &sim.tlb[i];
		if (e->valid && entry_stale(e)) {
			stale++;
			if (print)
				mmk_printf("    # stale TLB entry: va 0x%08x -> pa 0x%llx (%s%s)\n",
					   e->vpage, (unsigned long long)e->pa,
					   e->writable ? "w" : "r", e->user ? "u" : "");
		}
	}
	return stale;
}

/* ------------------------------------------------------------ arch/i386/cpu.h */

static bool freed(uint64_t frame)
{
	return sim.pmm && mmk_pmm_owns(sim.pmm, frame) && mmk_pmm_refcount(sim.pmm, frame) == 0;
}

/* Drops e; notes when a table it depends on is already free (freed too early). */
static void drop(struct sim_tlb_entry *e)
{
	bool window = e->vpage >= 0xFF800000u; /* alternate and recursive windows: tables */
	if (e->valid && (freed(e->table) || (window && freed(e->pa))))
		sim.freed_table_uses++;
	e->valid = false;
}

void *i386_window(uint32_t va)
{
	uint64_t pa;
	if (!sim_translate(va, true, &pa))
		mmk_panic("sim: backend touched 0x%08x, which does not translate", va);
	return ram_at(mmk_align_down(pa, 4096), 4096) + (pa & 0xFFF); /* valid to the page end */
}

uint32_t i386_read_cr3(void)
{
	return sim.cr3;
}

void i386_write_cr3(uint32_t pa)
{
	sim.cr3 = pa;
	sim.cr3_loads++;
	for (unsigned i = 0; i < SIM_TLB_ENTRIES; i++)
		if (!sim.tlb[i].global)
			drop(&sim.tlb[i]);
}

void i386_invlpg(uint32_t va)
{
	struct sim_tlb_entry *e;
	sim.invlpgs++;
	while ((e = tlb_lookup(va)) != NULL) /* SDM 4.10.4.1: whatever page size covers va */
		drop(e);
}

void i386_flush_tlb_global(void)
{
	sim.global_flushes++;
	for (unsigned i = 0; i < SIM_TLB_ENTRIES; i++)
		drop(&sim.tlb[i]);
}

bool i386_has_pse(void)
{
	return sim.pse;
}

bool i386_has_pge(void)
{
	return sim.pge;
}

void i386_enable_pge(void)
{
	sim.pge_enabled = true;
}

/* ------------------------------------------------------------ the machine */

#define BOOT_PT 0x102000u

static void put32(uint64_t pa, uint32_t v)
{
	memcpy(ram_at(pa, 4), &v, 4);
}

/* Boot tables like arch/i386/boot.S: identity [0, 4 MiB) and [0, 4 MiB) at 0xC0000000. */
static void build_boot_tables(void)
{
	if (sim.pse) {
		put32(SIM_BOOT_PD, 0x83);
		put32(SIM_BOOT_PD + 768 * 4, 0x83);
	} else {
		for (uint32_t i = 0; i < 1024; i++)
			put32(BOOT_PT + i * 4, (i << 12) | 3);
		put32(SIM_BOOT_PD, BOOT_PT | 3);
		put32(SIM_BOOT_PD + 768 * 4, BOOT_PT | 3);
	}
	sim.cr3 = SIM_BOOT_PD;
}

/* Fresh RAM with the boot tables in use, the memory map and the PMM: all but mmk_mmu_init. */
void sim_machine_prepare(struct sim_machine *m, uint64_t ram_bytes, bool pse, bool pge)
{
	free(sim.ram);
	memset(&sim, 0, sizeof(sim));
	sim.ram = calloc(1, ram_bytes);
	MMK_ASSERT(sim.ram != NULL);
	sim.ram_size = ram_bytes;
	sim.pse = pse;
	sim.pge = pge;
	build_boot_tables();

	mmk_memmap_init(&m->map);
	MMK_ASSERT(mmk_memmap_add(&m->map, 0, ram_bytes, MMK_MEM_USABLE) == 0);
	MMK_ASSERT(mmk_memmap_set(&m->map, 0, MMK_MIB, MMK_MEM_FIRMWARE) == 0);
	MMK_ASSERT(mmk_memmap_set(&m->map, SIM_KERNEL_PA, MMK_MIB, MMK_MEM_KERNEL) == 0);
	size_t meta = mmk_pmm_metadata_size(&m->map);
	m->meta = malloc(meta);
	MMK_ASSERT(m->meta != NULL);
	MMK_ASSERT(mmk_pmm_init(&m->pmm, &m->map, m->meta, meta) == 0);
	sim.pmm = &m->pmm;
}

/* mmk_mmu_init with boot, its unset fields the defaults (sim.h). */
int sim_machine_start(struct sim_machine *m, const struct mmk_mmu_boot *boot)
{
	struct mmk_mmu_boot b = boot ? *boot : (struct mmk_mmu_boot){0};
	if (!b.kernel_pa)
		b.kernel_pa = SIM_KERNEL_PA;
	if (!b.kernel_va)
		b.kernel_va = 0xC0000000u + (mmk_vaddr_t)b.kernel_pa;
	if (!b.kernel_size)
		b.kernel_size = MMK_MIB;
	if (!b.window_limit)
		b.window_limit = 2 * MMK_MIB;
	if (!b.phys_to_virt)
		b.phys_to_virt = sim_phys;
	if (!b.memmap)
		b.memmap = &m->map;
	return mmk_mmu_init(&m->mmu, &m->pmm, &b);
}

/* Both, with the defaults. */
int sim_machine_boot(struct sim_machine *m, uint64_t ram_bytes, bool pse, bool pge)
{
	sim_machine_prepare(m, ram_bytes, pse, pge);
	return sim_machine_start(m, NULL);
}

void sim_machine_free(struct sim_machine *m)
{
	free(m->meta);
	m->meta = NULL;
	free(sim.ram);
	memset(&sim, 0, sizeof(sim));
}
