/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The VM-layer test environment on the host for AArch64: a simulated AArch64 (64 MiB at
 * 0x40000000, hosted/aarch64/sim.c) with its PMM and MMU, and the kernel's window: the
 * heap up from 0xFFFF800000000000, MMIO down from 0xFFFFFF8000000000.
 */
#include <string.h>

#include <mmukit/errno.h>
#include <mmukit/fault.h>
#include <mmukit/ktest.h>
#include <mmukit/kvm.h>
#include <mmukit/services.h>

#include "sim.h"

static struct sima64_machine machine;
static struct mmk_kvm kvm;
static bool booted;

static void boot(void)
{
	if (booted)
		return;
	MMK_ASSERT(sima64_machine_boot(&machine, 64 * MMK_MIB) == 0);
	mmk_kvm_init(&kvm, &machine.mmu, 0xFFFF800000000000ull, 0xFFFFFF8000000000ull);
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
	return sima64_stale_tlb_entries(true);
}

/* A kernel (EL1) access; a fault goes to the portable fault path, as trap.c sends it. */
int ktest_env_access(mmk_vaddr_t va, bool write, uint32_t *value)
{
	boot();
	for (int attempt = 0; attempt < 3; attempt++) {
		uint64_t pa;
		if (sima64_translate(va, write, &pa)) {
			if (write)
				memcpy(sima64_phys(pa), value, 4);
			else
				memcpy(value, sima64_phys(pa), 4);
			return 0;
		}
		struct refa64_translation t;
		struct mmk_fault f = {
			.addr = va,
			.access = write ? MMK_ACCESS_WRITE : MMK_ACCESS_READ,
			.present = sima64_walk(va, &t) != REFA64_TRANSLATION,
		};
		if (mmk_fault_dispatch(machine.mmu.active, &f) != MMK_FAULT_RESOLVED)
			return -MMK_EFAULT;
	}
	return -MMK_EFAULT;
}

bool ktest_env_ref_translate(const struct mmk_mmu_space *space, mmk_vaddr_t va,
			     struct ktest_ref *out)
{
	struct refa64_translation t;
	uint64_t ttbr0 = space->is_kernel ? sima64.ttbr0 : space->root;
	if (sima64_walk_root(ttbr0, va, &t) != REFA64_OK)
		return false;
	*out = (struct ktest_ref){t.pa, t.page_size, t.user_read ? t.user_write : t.priv_write,
				  t.user_read};
	return true;
}

unsigned ktest_env_freed_table_uses(void)
{
	return sima64.freed_table_uses;
}
