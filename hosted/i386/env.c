/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The VM-layer test environment on the host for i386: a simulated i386 booted like the
 * kernel (64 MiB, hosted/i386/sim.c), its PMM and MMU, and the kernel window laid out
 * as arch/i386/platform.c does. Replaces hosted/env.c's PMM in these binaries.
 */
#include <stdlib.h>
#include <string.h>

#include <mmukit/errno.h>
#include <mmukit/fault.h>
#include <mmukit/ktest.h>
#include <mmukit/kvm.h>
#include <mmukit/services.h>

#include "sim.h"

static struct sim_machine machine;
static struct mmk_kvm kvm;
static bool booted;

static void boot(void)
{
	if (booted)
		return;
	MMK_ASSERT(sim_machine_boot(&machine, 64 * MMK_MIB, true, true) == 0);
	mmk_kvm_init(&kvm, &machine.mmu, 0xC0400000u, 0xFF400000u);
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
	return sim_stale_tlb_entries(true);
}

/* The CPU's side of an access: translate, or fault to the handler and try again. */
int ktest_env_access(mmk_vaddr_t va, bool write, uint32_t *value)
{
	boot();
	for (int attempt = 0; attempt < 3; attempt++) {
		uint64_t pa;
		if (va + 4 <= 0x100000000ull && sim_translate((uint32_t)va, write, &pa)) {
			if (write)
				memcpy(sim_phys(pa), value, 4);
			else
				memcpy(value, sim_phys(pa), 4);
			return 0;
		}
		struct ref_translation t;
		struct mmk_fault f = {
			.addr = va,
			.access = write ? MMK_ACCESS_WRITE : MMK_ACCESS_READ,
			.present = ref_walk(sim.ram, sim.ram_size, sim.cr3, sim.pse, (uint32_t)va, &t),
			.arch_code = 0,
		};
		if (mmk_fault_dispatch(machine.mmu.active, &f) != MMK_FAULT_RESOLVED)
			return -MMK_EFAULT;
	}
	return -MMK_EFAULT;
}

bool ktest_env_ref_translate(const struct mmk_mmu_space *space, mmk_vaddr_t va,
			     struct ktest_ref *out)
{
	struct ref_translation t;
	if (va >= 0x100000000ull || !ref_walk(sim.ram, sim.ram_size, (uint32_t)space->root, sim.pse,
					      (uint32_t)va, &t))
		return false;
	*out = (struct ktest_ref){t.pa, t.page_size, t.writable, t.user};
	return true;
}

unsigned ktest_env_freed_table_uses(void)
{
	return sim.freed_table_uses;
}
