/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The VM: user address spaces made of regions, and the decisions a page fault needs.
 *
 * A struct mmk_vm_space is an MMU space (kernel half shared) plus a VAS of its regions in
 * the user half. Regions:
 *   MMK_VM_ANON   anonymous memory, zero-filled on first touch (demand paging)
 *   MMK_VM_PHYS   a fixed physical range (device memory, a frame buffer), mapped at once,
 *             with the region's memory type (MMK_CACHE_UC / WC)
 *   MMK_VM_STACK  anonymous memory with an unmapped guard below it: a touch of the guard
 *             is fatal, not silent growth into whatever lies below
 * Writable and executable together is refused unless MMK_VM_ALLOW_WX is given.
 *
 * Fork shares every anonymous frame between parent and child, read-only, with a PMM
 * reference per mapping; the first write copies the frame, or just makes it writable
 * again when the writer holds the only reference. Destroy drops one reference per
 * mapped frame, so a frame goes back to the PMM with its last mapping.
 *
 * mmk_vm_fault decides a fault in one place: demand-zero, copy-on-write, or fatal (outside
 * every region, in a guard page, or against the region's protection); mmk_vm_fault_report
 * prints the fatal ones with the region. Region structures come from the allocator
 * given to mmk_vm_init (the kernel passes mmk_kmalloc and mmk_kfree).
 */
#ifndef MMUKIT_VM_H
#define MMUKIT_VM_H

#include <mmukit/fault.h>
#include <mmukit/mmu.h>
#include <mmukit/vas.h>

enum mmk_vm_kind { MMK_VM_ANON = 1, MMK_VM_PHYS, MMK_VM_STACK };

#define MMK_VM_ALLOW_WX 0x10000u /* with MMK_PROT_WRITE | MMK_PROT_EXEC: allowed on purpose */

struct mmk_vm_region {
	struct mmk_vas_range range; /* [start, end) in the space's VAS, guard included */
	unsigned kind;          /* enum mmk_vm_kind */
	unsigned prot;          /* MMK_PROT_* | MMK_CACHE_* (user regions: MMK_PROT_USER) */
	mmk_paddr_t phys;           /* MMK_VM_PHYS: the physical address of start */
	mmk_vsize_t guard;          /* MMK_VM_STACK: bytes of guard at the bottom of the range */
};

struct mmk_vm_stats {
	uint64_t zero_fills;  /* demand-zero faults resolved */
	uint64_t cow_copies;  /* copy-on-write faults that copied */
	uint64_t cow_reuses;  /* copy-on-write faults on a frame with one owner */
	uint64_t bad_faults;  /* faults found fatal */
};

struct mmk_vm {
	struct mmk_mmu *mmu;
	void *(*alloc)(size_t size); /* region structures: mmk_kmalloc in a kernel */
	int (*release)(void *ptr);   /* and mmk_kfree */
	struct mmk_vm_stats stats;
};

struct mmk_vm_space {
	struct mmk_mmu_space mmu; /* its faults come to the VM: the VM owns it (fault.h) */
	struct mmk_vas regions;
	struct mmk_vm *vm;
};

void mmk_vm_init(struct mmk_vm *vm, struct mmk_mmu *mmu, void *(*alloc)(size_t size),
	     int (*release)(void *ptr));

/*
 * An empty user space, whose faults the VM resolves (mmk_fault_dispatch sends them to
 * mmk_vm_fault). Errors: MMK_ENOMEM, MMK_ENOSPC (the machine's space limit: i386).
 */
int mmk_vm_space_create(struct mmk_vm *vm, struct mmk_vm_space *space);

/*
 * Removes every region and the space; every frame it alone held goes back to the PMM.
 * Errors: MMK_EBUSY (the space is active).
 */
int mmk_vm_space_destroy(struct mmk_vm_space *space);

void mmk_vm_space_activate(struct mmk_vm_space *space);

/*
 * Adds a region of size bytes (page multiple). *va: where (page aligned), or 0 to let
 * the VM choose the lowest free place; the start is returned in *va. prot: MMK_PROT_*
 * with MMK_PROT_USER for user access, and for MMK_VM_PHYS a memory type.
 * Errors: MMK_EINVAL (size 0, bad flags), MMK_EALIGN, MMK_ERANGE (outside the user
 * half), MMK_EEXIST (overlaps a region), MMK_EPERM (write+execute without MMK_VM_ALLOW_WX),
 * MMK_ENOMEM; nothing changes on error.
 */
int mmk_vm_map_anon(struct mmk_vm_space *space, mmk_vaddr_t *va, mmk_vsize_t size, unsigned prot);
int mmk_vm_map_phys(struct mmk_vm_space *space, mmk_vaddr_t *va, mmk_paddr_t pa, mmk_vsize_t size, unsigned prot);

/*
 * A stack of size bytes above a guard of guard bytes; *va: where the stack starts (its
 * guard just below), or 0 to let the VM choose; *va gets the stack's lowest byte.
 * Errors as mmk_vm_map_anon, and: MMK_EINVAL (size 0, guard 0 or not a page multiple),
 * MMK_ERANGE (the guard would start at address 0 or below, or size + guard wraps).
 * The guard is never placed at address 0.
 */
int mmk_vm_map_stack(struct mmk_vm_space *space, mmk_vaddr_t *va, mmk_vsize_t size, mmk_vsize_t guard,
		 unsigned prot);

/* Removes the region containing va. Errors: MMK_ENOENT. */
int mmk_vm_unmap(struct mmk_vm_space *space, mmk_vaddr_t va);

/* The region containing va, or NULL. */
struct mmk_vm_region *mmk_vm_region_at(struct mmk_vm_space *space, mmk_vaddr_t va);

/*
 * Makes child a copy of parent: the same regions; anonymous pages shared read-only
 * until written (copy-on-write), physical regions mapped again. Errors: MMK_ENOMEM
 * (child is then empty and destroyed; the parent is unchanged but for pages made
 * read-only, which its next write makes writable again).
 */
int mmk_vm_fork(struct mmk_vm_space *parent, struct mmk_vm_space *child);

/*
 * Decides a fault in space: MMK_FAULT_RESOLVED (demand-zero or copy-on-write done),
 * MMK_FAULT_OOM, or MMK_FAULT_BAD_ACCESS (no region, guard page, or forbidden access).
 */
enum mmk_fault_result mmk_vm_fault(struct mmk_vm_space *space, const struct mmk_fault *fault);

/* Prints why a fault was fatal: the fault, the region (or none), and the walk. */
void mmk_vm_fault_report(struct mmk_vm_space *space, const struct mmk_fault *fault,
		     enum mmk_fault_result result);

#endif
