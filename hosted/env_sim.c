/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The host's ktest environment over a simulated machine (hosted/hosted.h): its MMU and
 * kernel window, and kernel accesses made as its CPU makes them. Only the simulators'
 * binaries (hosted/<arch>/) use it; hosted/env.c has the PMM.
 */
#include <string.h>

#include <mmukit/errno.h>
#include <mmukit/fault.h>
#include <mmukit/ktest.h>
#include <mmukit/kvm.h>
#include <mmukit/services.h>

#include "hosted.h"

static struct mmk_kvm env_kvm;

/* The simulated machine, its kernel window set up at the first call. */
static const struct hosted_sim *machine(void)
{
	static bool kvm_ready;
	const struct hosted_sim *s = hosted_sim();
	MMK_ASSERT(s != NULL); /* only the simulators' binaries have an MMU */
	if (!kvm_ready) {
		mmk_kvm_init(&env_kvm, s->mmu, s->kvm_base, s->kvm_top);
		kvm_ready = true;
	}
	return s;
}

struct mmk_mmu *ktest_env_mmu(void)
{
	return machine()->mmu;
}

struct mmk_kvm *ktest_env_kvm(void)
{
	machine();
	return &env_kvm;
}

unsigned ktest_env_stale_tlb_entries(void)
{
	return machine()->stale_tlb_entries();
}

/* The CPU's side of a kernel access: translate, or take the fault as the machine's trap
 * code does - its own fix-up first, then the handler - and try again. */
int ktest_env_access(mmk_vaddr_t va, bool write, uint32_t *value)
{
	const struct hosted_sim *s = machine();
	unsigned access = write ? MMK_ACCESS_WRITE : MMK_ACCESS_READ;
	for (int attempt = 0; attempt < 3; attempt++) {
		void *word = s->translate(va, write);
		if (word) {
			if (write)
				memcpy(word, value, 4);
			else
				memcpy(value, word, 4);
			return 0;
		}
		struct mmk_fault f = {.addr = va, .access = access, .present = s->mapped(va)};
		if (f.present && s->fix_fault && s->fix_fault(va, access))
			continue;
		if (mmk_fault_dispatch(s->mmu->active, &f) != MMK_FAULT_RESOLVED)
			return -MMK_EFAULT;
	}
	return -MMK_EFAULT;
}

bool ktest_env_ref_translate(const struct mmk_mmu_space *space, mmk_vaddr_t va,
			     struct ktest_ref *out)
{
	return machine()->ref_translate(space, va, out);
}

unsigned ktest_env_freed_table_uses(void)
{
	return machine()->freed_table_uses();
}
