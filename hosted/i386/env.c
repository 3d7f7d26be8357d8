/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The simulated machine of the i386 host tests (hosted/hosted.h, used by hosted/env.c):
 * a simulated i386 booted like the kernel (64 MiB, hosted/i386/sim.c), its PMM and MMU,
 * and the kernel window laid out as arch/i386/platform.c does.
 */
#include <mmukit/services.h>

#include "hosted/hosted.h"
#include "sim.h"

#define LIMIT 0x100000000ull

static struct sim_machine machine;

static void *translate(mmk_vaddr_t va, bool write)
{
	uint64_t pa;
	return va + 4 <= LIMIT && sim_translate((uint32_t)va, write, &pa) ? sim_phys(pa) : NULL;
}

static bool mapped(mmk_vaddr_t va)
{
	struct ref_translation t;
	return va < LIMIT && ref_walk(sim.ram, sim.ram_size, sim.cr3, sim.pse, (uint32_t)va, &t);
}

static unsigned stale_tlb_entries(void)
{
	return sim_stale_tlb_entries(true);
}

static bool ref_translate(const struct mmk_mmu_space *space, mmk_vaddr_t va, struct ktest_ref *out)
{
	struct ref_translation t;
	if (va >= LIMIT ||
	    !ref_walk(sim.ram, sim.ram_size, (uint32_t)space->root, sim.pse, (uint32_t)va, &t))
		return false;
	*out = (struct ktest_ref){t.pa, t.page_size, t.writable, t.user};
	return true;
}

static unsigned freed_table_uses(void)
{
	return sim.freed_table_uses;
}

const struct hosted_sim *hosted_sim(void)
{
	static struct hosted_sim s = {
		.kvm_base = 0xC0400000u, .kvm_top = 0xFF400000u,
		.translate = translate, .mapped = mapped, .stale_tlb_entries = stale_tlb_entries,
		.ref_translate = ref_translate, .freed_table_uses = freed_table_uses,
	};
	if (!s.mmu) {
		MMK_ASSERT(sim_machine_boot(&machine, 64 * MMK_MIB, true, true) == 0);
		s.pmm = &machine.pmm;
		s.map = &machine.map;
		s.mmu = &machine.mmu;
	}
	return &s;
}
