/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The simulated machine of the x86_64 host tests (hosted/hosted.h, used by hosted/env.c):
 * a simulated x86_64 (64 MiB, 1 GiB pages and NX, hosted/x86_64/sim.c) with its PMM and
 * MMU, and a kernel window between the direct map and the top 512 GiB.
 */
#include <mmukit/services.h>

#include "hosted/hosted.h"
#include "sim.h"

static struct sim64_machine machine;

static void *translate(mmk_vaddr_t va, bool write)
{
	uint64_t pa;
	return sim64_translate(va, write, &pa) ? sim64_phys(pa) : NULL;
}

static bool mapped(mmk_vaddr_t va)
{
	struct ref64_translation t;
	return ref64_walk(sim64.ram, sim64.ram_size, sim64.cr3, sim64.has_nx, va, &t);
}

static unsigned stale_tlb_entries(void)
{
	return sim64_stale_tlb_entries(true);
}

static bool ref_translate(const struct mmk_mmu_space *space, mmk_vaddr_t va, struct ktest_ref *out)
{
	struct ref64_translation t;
	if (!ref64_walk(sim64.ram, sim64.ram_size, space->root, sim64.has_nx, va, &t))
		return false;
	*out = (struct ktest_ref){t.pa, t.page_size, t.writable, t.user};
	return true;
}

static unsigned freed_table_uses(void)
{
	return sim64.freed_table_uses;
}

const struct hosted_sim *hosted_sim(void)
{
	static struct hosted_sim s = {
		.kvm_base = 0xFFFFC00000000000ull, .kvm_top = 0xFFFFFF8000000000ull,
		.translate = translate, .mapped = mapped, .stale_tlb_entries = stale_tlb_entries,
		.ref_translate = ref_translate, .freed_table_uses = freed_table_uses,
	};
	if (!s.mmu) {
		MMK_ASSERT(sim64_machine_boot(&machine, 64 * MMK_MIB, true, true, true) == 0);
		s.pmm = &machine.pmm;
		s.map = &machine.map;
		s.mmu = &machine.mmu;
	}
	return &s;
}
