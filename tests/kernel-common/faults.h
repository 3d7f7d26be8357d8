/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Scaffolding the machines' in-kernel MMU suites (tests/kernel-<arch>/test_vm_*.c) share:
 * catching the kernel space's faults with a handler that records each and resolves it,
 * and the kernel space's unmap-and-free and query. Header-only (static inline): each
 * suite is one file, built into its machine's kernel only.
 */
#ifndef MMUKIT_TESTS_KERNEL_FAULTS_H
#define MMUKIT_TESTS_KERNEL_FAULTS_H

#include <mmukit/fault.h>
#include <mmukit/ktest.h>
#include <mmukit/mmu.h>
#include <mmukit/pmm.h>

#include "platform.h"

#define KFAULT_RW (MMK_PROT_READ | MMK_PROT_WRITE)

struct seen_fault {
	unsigned count;
	struct mmk_fault last;
	unsigned grant;     /* what a fault on a present page is resolved with */
	mmk_paddr_t frame;  /* the frame a fault on a missing page got */
	const struct mmk_fault_ops *old_ops; /* the kernel space's owner, given back */
	void *old_owner;
};

/* Records the fault and resolves it: maps a zeroed frame read-write where nothing was,
 * or changes the page's protection to seen->grant. */
static inline enum mmk_fault_result record_and_fix(void *ctx, struct mmk_mmu_space *space,
						   const struct mmk_fault *f)
{
	struct seen_fault *seen = ctx;
	seen->count++;
	seen->last = *f;
	mmk_vaddr_t page = mmk_align_down(f->addr, MMK_PAGE_SIZE);
	if (!f->present) {
		if (mmk_pmm_alloc(ktest_env_pmm(), &seen->frame))
			return MMK_FAULT_OOM;
		mmk_mmu_zero_frame(space->mmu, seen->frame);
		return mmk_mmu_map(&space->mmu->kernel, page, seen->frame, MMK_PAGE_SIZE, KFAULT_RW, 0)
			       ? MMK_FAULT_BAD_ACCESS : MMK_FAULT_RESOLVED;
	}
	return mmk_mmu_protect(&space->mmu->kernel, page, MMK_PAGE_SIZE, seen->grant, NULL)
		       ? MMK_FAULT_BAD_ACCESS : MMK_FAULT_RESOLVED;
}

/* From here the kernel space's faults go to record_and_fix with seen (counts cleared). */
static inline void catch_kernel_faults(struct seen_fault *seen, unsigned grant)
{
	static const struct mmk_fault_ops ops = {record_and_fix, NULL};
	struct mmk_mmu_space *k = &kernel_mmu()->kernel;
	*seen = (struct seen_fault){.grant = grant, .old_ops = k->fault_ops, .old_owner = k->owner};
	mmk_fault_set_owner(k, &ops, seen);
}

/* The kernel space's faults go back to their owner. */
static inline void stop_catching_kernel_faults(const struct seen_fault *seen)
{
	mmk_fault_set_owner(&kernel_mmu()->kernel, seen->old_ops, seen->old_owner);
}

/* Unmaps [va, va+size) of the kernel space; its frames (single PMM frames) go back. */
static inline int kernel_unmap_and_free(mmk_vaddr_t va, mmk_vsize_t size)
{
	struct mmk_mmu_space *k = &kernel_mmu()->kernel;
	struct mmk_mmu_batch b;
	mmk_mmu_batch_begin(&b, k, mmk_pmm_release_frames, ktest_env_pmm());
	int err = mmk_mmu_unmap(k, va, size, &b);
	mmk_mmu_batch_finish(&b);
	return err;
}

/* The portable flags of the kernel space's mapping at va, 0 when none. */
static inline unsigned kernel_flags_at(mmk_vaddr_t va)
{
	struct mmk_mmu_mapping m;
	return mmk_mmu_query(&kernel_mmu()->kernel, va, &m) ? 0 : m.flags;
}

#endif
