/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The simulated machine of the riscv64 host tests (hosted/hosted.h, used by
 * hosted/env.c): a simulated hart (64 MiB of RAM, Sv48, 16-bit ASIDs, and no hardware
 * A/D update, so the software half of the A/D rules runs too; hosted/riscv64/sim.c) with
 * its PMM and MMU, and the kernel's window. Kernel accesses are S-mode's with SUM set,
 * as in the kernel's probes; a fault first gets the A/D fix-up of arch/riscv64/trap.c.
 */
#include <mmukit/pt.h>
#include <mmukit/services.h>

#include "hosted/hosted.h"
#include "layout.h"
#include "pte.h"
#include "sim.h"

static struct simrv_machine machine;

static void *translate(mmk_vaddr_t va, bool write)
{
	uint64_t pa;
	return simrv_translate(va, write ? RVREF_WRITE : RVREF_READ, &pa) ? simrv_phys(pa) : NULL;
}

static bool mapped(mmk_vaddr_t va)
{
	struct rvref_translation t;
	return simrv_walk(va, &t);
}

static bool fix_fault(mmk_vaddr_t va, unsigned access)
{
	return riscv64_mmu_fix_accessed(&machine.mmu, va, access, false, true);
}

static unsigned stale_tlb_entries(void)
{
	return simrv_stale_tlb_entries(true);
}

/* The reference walk of space's tables (one root holds both halves on RISC-V). */
static bool ref_translate(const struct mmk_mmu_space *space, mmk_vaddr_t va, struct ktest_ref *out)
{
	uint64_t mode = machine.mmu.fmt->levels == 4 ? SATP_MODE_SV48 : SATP_MODE_SV39;
	struct rvref_translation t;
	if (!rvref_walk(simrv.ram, SIMRV_RAM_BASE, simrv.ram_size,
			mode << SATP_MODE_SHIFT | space->root >> 12, va, &t))
		return false;
	*out = (struct ktest_ref){t.pa, t.page_size, t.w, t.u};
	return true;
}

static unsigned freed_table_uses(void)
{
	return simrv.freed_table_uses;
}

const struct hosted_sim *hosted_sim(void)
{
	static struct hosted_sim s = {
		.kvm_base = KVM_BASE, .kvm_top = KVM_TOP,
		.translate = translate, .mapped = mapped, .fix_fault = fix_fault,
		.stale_tlb_entries = stale_tlb_entries, .ref_translate = ref_translate,
		.freed_table_uses = freed_table_uses,
	};
	if (!s.mmu) {
		struct simrv_cpu cpu = {.has_sv48 = true, .asid_bits = 16, .hw_ad = false};
		MMK_ASSERT(simrv_machine_boot(&machine, 64 * MMK_MIB, cpu) == 0);
		s.pmm = &machine.pmm;
		s.map = &machine.map;
		s.mmu = &machine.mmu;
	}
	return &s;
}
