/*
 * The VM-layer test environment on the host for i386: a simulated i386 booted like the
 * kernel (64 MiB, hosted/i386/sim.c), its PMM and MMU, and the kernel window laid out
 * as arch/i386/platform.c does. Replaces hosted/env.c's PMM in these binaries.
 */
#include <mmukit/ktest.h>
#include <mmukit/kvm.h>
#include <mmukit/services.h>

#include "sim.h"

static struct sim_machine machine;
static struct kvm kvm;
static bool booted;

static void boot(void)
{
	if (booted)
		return;
	MMK_ASSERT(sim_machine_boot(&machine, 64 * MMK_MIB, true, true) == 0);
	kvm_init(&kvm, &machine.mmu, 0xC0400000u, 0xFF400000u);
	booted = true;
}

struct pmm *ktest_env_pmm(void)
{
	boot();
	return &machine.pmm;
}

const struct mmk_memmap *ktest_env_memmap(void)
{
	boot();
	return &machine.map;
}

struct mmu *ktest_env_mmu(void)
{
	boot();
	return &machine.mmu;
}

struct kvm *ktest_env_kvm(void)
{
	boot();
	return &kvm;
}
