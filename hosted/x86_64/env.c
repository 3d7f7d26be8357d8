/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The VM-layer test environment on the host for x86_64: a simulated x86_64 (64 MiB,
 * 1 GiB pages and NX, hosted/x86_64/sim.c) with its PMM and MMU, and a kernel window
 * between the direct map and the top 512 GiB.
 */
#include <stdlib.h>
#include <string.h>

#include <mmukit/errno.h>
#include <mmukit/fault.h>
#include <mmukit/ktest.h>
#include <mmukit/kvm.h>
#include <mmukit/services.h>

#include "sim.h"

#define KVM_BASE 0xFFFFC00000000000ull
#define KVM_TOP 0xFFFFFF8000000000ull

static struct sim64_machine machine;
static struct mmk_kvm kvm;
static bool booted;

static void boot(void)
{
	if (booted)
		return;
	MMK_ASSERT(sim64_machine_boot(&machine, 64 * MMK_MIB, true, true, true) == 0);
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
	return sim64_stale_tlb_entries(true);
}

/* The CPU's side of an access: translate, or fault to the handler and try again. */
int ktest_env_access(mmk_vaddr_t va, bool write, uint32_t *value)
{
	boot();
	for (int attempt = 0; attempt < 3; attempt++) {
		uint64_t pa;
		if (sim64_translate(va, write, &pa)) {
			if (write)
				memcpy(sim64_phys(pa), value, 4);
			else
				memcpy(value, sim64_phys(pa), 4);
			return 0;
		}
		struct ref64_translation t;
		struct mmk_fault f = {
			.addr = va,
			.access = write ? MMK_ACCESS_WRITE : MMK_ACCESS_READ,
			.present = ref64_walk(sim64.ram, sim64.ram_size, sim64.cr3, sim64.has_nx, va, &t),
		};
		if (mmk_fault_dispatch(machine.mmu.active, &f) != MMK_FAULT_RESOLVED)
			return -MMK_EFAULT;
	}
	return -MMK_EFAULT;
}

bool ktest_env_ref_translate(const struct mmk_mmu_space *space, mmk_vaddr_t va,
			     struct ktest_ref *out)
{
	struct ref64_translation t;
	if (!ref64_walk(sim64.ram, sim64.ram_size, space->root, sim64.has_nx, va, &t))
		return false;
	*out = (struct ktest_ref){t.pa, t.page_size, t.writable, t.user};
	return true;
}

unsigned ktest_env_freed_table_uses(void)
{
	return sim64.freed_table_uses;
}
