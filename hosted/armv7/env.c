/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The VM-layer test environment on the host for ARMv7: a simulated ARMv7 (64 MiB at
 * 0x40000000, hosted/armv7/sim.c) with its PMM and MMU, and the kernel's window:
 * the heap up from 0xC0000000, MMIO down from 0xFFF00000.
 */
#include <string.h>

#include <mmukit/errno.h>
#include <mmukit/fault.h>
#include <mmukit/ktest.h>
#include <mmukit/kvm.h>
#include <mmukit/services.h>

#include "sim.h"

static struct simarm_machine machine;
static struct mmk_kvm kvm;
static bool booted;

static void boot(void)
{
	if (booted)
		return;
	MMK_ASSERT(simarm_machine_boot(&machine, 64 * MMK_MIB) == 0);
	mmk_kvm_init(&kvm, &machine.mmu, 0xC0000000u, 0xFFF00000u);
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
	return simarm_stale_tlb_entries(true);
}

int ktest_env_access(mmk_vaddr_t va, bool write, uint32_t *value)
{
	boot();
	for (int attempt = 0; attempt < 3; attempt++) {
		uint64_t pa;
		if (va <= 0xFFFFFFFCu && simarm_translate((uint32_t)va, write, &pa)) {
			if (write)
				memcpy(simarm_phys(pa), value, 4);
			else
				memcpy(value, simarm_phys(pa), 4);
			return 0;
		}
		struct refarm_translation t;
		struct mmk_fault f = {
			.addr = va,
			.access = write ? MMK_ACCESS_WRITE : MMK_ACCESS_READ,
			.present = va <= 0xFFFFFFFFu &&
				   refarm_walk(simarm.ram, SIMARM_RAM_BASE, simarm.ram_size, simarm.ttbr0,
					       simarm.ttbr1, (uint32_t)va, &t),
		};
		if (mmk_fault_dispatch(machine.mmu.active, &f) != MMK_FAULT_RESOLVED)
			return -MMK_EFAULT;
	}
	return -MMK_EFAULT;
}

/* The reference walk with space's table in TTBR0 (the empty one for the kernel space)
 * and the kernel's in TTBR1, as the CPU would translate with space active. */
bool ktest_env_ref_translate(const struct mmk_mmu_space *space, mmk_vaddr_t va,
			     struct ktest_ref *out)
{
	boot();
	const struct mmk_mmu *mmu = space->mmu;
	uint32_t ttbr0 = (uint32_t)(space->is_kernel ? mmu->md.idle_root : space->root);
	struct refarm_translation t;
	if (va > 0xFFFFFFFFu || !refarm_walk(simarm.ram, SIMARM_RAM_BASE, simarm.ram_size, ttbr0,
					     (uint32_t)mmu->kernel.root, (uint32_t)va, &t))
		return false;
	*out = (struct ktest_ref){t.pa, t.page_size, t.priv_write, t.user_read};
	return true;
}

unsigned ktest_env_freed_table_uses(void)
{
	return (unsigned)simarm.tables_freed_cached;
}
