/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The VM-layer test environment on the host for riscv64: a simulated hart (64 MiB of
 * RAM, Sv48, 16-bit ASIDs, and no hardware A/D update, so the software half of the A/D
 * rules runs too; hosted/riscv64/sim.c) with its PMM and MMU, and the kernel's window.
 */
#include <string.h>

#include <mmukit/errno.h>
#include <mmukit/fault.h>
#include <mmukit/ktest.h>
#include <mmukit/kvm.h>
#include <mmukit/pt.h>
#include <mmukit/services.h>

#include "layout.h"
#include "pte.h"
#include "sim.h"

static struct simrv_machine machine;
static struct mmk_kvm kvm;
static bool booted;

static void boot(void)
{
	if (booted)
		return;
	struct simrv_cpu cpu = {.has_sv48 = true, .asid_bits = 16, .hw_ad = false};
	MMK_ASSERT(simrv_machine_boot(&machine, 64 * MMK_MIB, cpu) == 0);
	mmk_kvm_init(&kvm, &machine.mmu, KVM_BASE, KVM_TOP);
	booted = true;
}

struct mmk_pmm *ktest_env_pmm(void)
{
	boot();
	return &machine.pmm;
}

const struct mmk_memmap *ktest_env_memmap(void)
{
	boot();
	return &machine.map;
}

struct mmk_mmu *ktest_env_mmu(void)
{
	boot();
	return &machine.mmu;
}

struct mmk_kvm *ktest_env_kvm(void)
{
	boot();
	return &kvm;
}

unsigned ktest_env_stale_tlb_entries(void)
{
	return simrv_stale_tlb_entries(true);
}

/*
 * The hart's side of a kernel access (S-mode, SUM set as in the kernel's probes):
 * translate, or take the fault as arch/riscv64/trap.c does - A/D fix-up first, then the
 * handler - and try again.
 */
int ktest_env_access(mmk_vaddr_t va, bool write, uint32_t *value)
{
	boot();
	unsigned access = write ? MMK_ACCESS_WRITE : MMK_ACCESS_READ;
	for (int attempt = 0; attempt < 3; attempt++) {
		uint64_t pa;
		if (simrv_translate(va, write ? RVREF_WRITE : RVREF_READ, &pa)) {
			if (write)
				memcpy(simrv_phys(pa), value, 4);
			else
				memcpy(value, simrv_phys(pa), 4);
			return 0;
		}
		struct rvref_translation t;
		struct mmk_fault f = {.addr = va, .access = access, .present = simrv_walk(va, &t)};
		if (f.present && riscv64_mmu_fix_accessed(&machine.mmu, va, access, false, true))
			continue;
		if (mmk_fault_dispatch(machine.mmu.active, &f) != MMK_FAULT_RESOLVED)
			return -MMK_EFAULT;
	}
	return -MMK_EFAULT;
}

/* The reference walk of space's tables (one root holds both halves on RISC-V). */
bool ktest_env_ref_translate(const struct mmk_mmu_space *space, mmk_vaddr_t va,
			     struct ktest_ref *out)
{
	uint64_t mode = machine.mmu.fmt->levels == 4 ? SATP_MODE_SV48 : SATP_MODE_SV39;
	struct rvref_translation t;
	if (!rvref_walk(simrv.ram, SIMRV_RAM_BASE, simrv.ram_size,
			mode << SATP_MODE_SHIFT | space->root >> 12, va, &t))
		return false;
	*out = (struct ktest_ref){t.pa, t.page_size, t.w, t.u};
	return true;
}

unsigned ktest_env_freed_table_uses(void)
{
	return simrv.freed_table_uses;
}
