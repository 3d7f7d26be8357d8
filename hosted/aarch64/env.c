/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The simulated machine of the AArch64 host tests (hosted/hosted.h, used by
 * hosted/env.c): a simulated AArch64 (64 MiB at 0x40000000, hosted/aarch64/sim.c) with
 * its PMM and MMU, and the kernel's window: the heap up from 0xFFFF800000000000, MMIO
 * down from 0xFFFFFF8000000000. Kernel accesses are EL1's.
 */
#include <mmukit/services.h>

#include "hosted/hosted.h"
#include "sim.h"

static struct sima64_machine machine;

static void *translate(mmk_vaddr_t va, bool write)
{
	uint64_t pa;
	return sima64_translate(va, write, &pa) ? sima64_phys(pa) : NULL;
}

static bool mapped(mmk_vaddr_t va)
{
	struct refa64_translation t;
	return sima64_walk(va, &t) != REFA64_TRANSLATION;
}

static unsigned stale_tlb_entries(void)
{
	return sima64_stale_tlb_entries(true);
}

static bool ref_translate(const struct mmk_mmu_space *space, mmk_vaddr_t va, struct ktest_ref *out)
{
	struct refa64_translation t;
	uint64_t ttbr0 = space->is_kernel ? sima64.ttbr0 : space->root;
	if (sima64_walk_root(ttbr0, va, &t) != REFA64_OK)
		return false;
	*out = (struct ktest_ref){t.pa, t.page_size, t.user_read ? t.user_write : t.priv_write,
				  t.user_read};
	return true;
}

static unsigned freed_table_uses(void)
{
	return sima64.freed_table_uses;
}

const struct hosted_sim *hosted_sim(void)
{
	static struct hosted_sim s = {
		.kvm_base = 0xFFFF800000000000ull, .kvm_top = 0xFFFFFF8000000000ull,
		.translate = translate, .mapped = mapped, .stale_tlb_entries = stale_tlb_entries,
		.ref_translate = ref_translate, .freed_table_uses = freed_table_uses,
	};
	if (!s.mmu) {
		MMK_ASSERT(sima64_machine_boot(&machine, 64 * MMK_MIB) == 0);
		s.pmm = &machine.pmm;
		s.map = &machine.map;
		s.mmu = &machine.mmu;
	}
	return &s;
}
