/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The simulated machine of the ARMv7 host tests (hosted/hosted.h, used by hosted/env.c):
 * a simulated ARMv7 (64 MiB at 0x40000000, hosted/armv7/sim.c) with its PMM and MMU, and
 * the kernel's window: the heap up from 0xC0000000, MMIO down from 0xFFF00000.
 */
#include <mmukit/services.h>

#include "hosted/hosted.h"
#include "sim.h"

static struct simarm_machine machine;

static void *translate(mmk_vaddr_t va, bool write)
{
	uint64_t pa;
	return va <= 0xFFFFFFFCu && simarm_translate((uint32_t)va, write, &pa) ? simarm_phys(pa)
										 : NULL;
}

static bool mapped(mmk_vaddr_t va)
{
	struct refarm_translation t;
	return va <= 0xFFFFFFFFu && refarm_walk(simarm.ram, SIMARM_RAM_BASE, simarm.ram_size,
						simarm.ttbr0, simarm.ttbr1, (uint32_t)va, &t);
}

static unsigned stale_tlb_entries(void)
{
	return simarm_stale_tlb_entries(true);
}

/* The reference walk with space's table in TTBR0 (the empty one for the kernel space)
 * and the kernel's in TTBR1, as the CPU would translate with space active. */
static bool ref_translate(const struct mmk_mmu_space *space, mmk_vaddr_t va, struct ktest_ref *out)
{
	const struct mmk_mmu *mmu = space->mmu;
	uint32_t ttbr0 = (uint32_t)(space->is_kernel ? mmu->md.idle_root : space->root);
	struct refarm_translation t;
	if (va > 0xFFFFFFFFu || !refarm_walk(simarm.ram, SIMARM_RAM_BASE, simarm.ram_size, ttbr0,
					     (uint32_t)mmu->kernel.root, (uint32_t)va, &t))
		return false;
	*out = (struct ktest_ref){t.pa, t.page_size, t.priv_write, t.user_read};
	return true;
}

static unsigned freed_table_uses(void)
{
	return (unsigned)simarm.tables_freed_cached;
}

const struct hosted_sim *hosted_sim(void)
{
	static struct hosted_sim s = {
		.kvm_base = 0xC0000000u, .kvm_top = 0xFFF00000u,
		.translate = translate, .mapped = mapped, .stale_tlb_entries = stale_tlb_entries,
		.ref_translate = ref_translate, .freed_table_uses = freed_table_uses,
	};
	if (!s.mmu) {
		MMK_ASSERT(simarm_machine_boot(&machine, 64 * MMK_MIB) == 0);
		s.pmm = &machine.pmm;
		s.map = &machine.map;
		s.mmu = &machine.mmu;
	}
	return &s;
}
