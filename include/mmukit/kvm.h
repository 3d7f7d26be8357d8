/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The kernel's virtual memory window: one range of kernel addresses shared by the
 * kernel heap, which grows up from its base, and device (MMIO) mappings, which grow
 * down from its top; the heap is full when they meet. Ranges are tracked in a VAS;
 * pages are mapped in the kernel space of the MMU, so every address space sees them.
 *
 * struct mmk_kvm_pages is an "allocated pages" handle: a contiguous, aligned range
 * of virtual pages, into which frames are mapped one page at a time (an address
 * outside the range is an error), released - unmapped and given back - all at once.
 */
#ifndef MMUKIT_KVM_H
#define MMUKIT_KVM_H

#include <mmukit/mmu.h>
#include <mmukit/vas.h>

struct mmk_kvm {
	struct mmk_mmu *mmu;
	struct mmk_vas vas; /* used ranges of [base, top) */
};

struct mmk_kvm_pages {
	struct mmk_vas_range range; /* its place in kvm->vas: [start, end) */
	struct mmk_kvm *kvm;
	mmk_vsize_t mapped;         /* pages mapped in it now */
};

/* The window [base, top) of the kernel space, page aligned, initially empty. */
void mmk_kvm_init(struct mmk_kvm *kvm, struct mmk_mmu *mmu, mmk_vaddr_t base, mmk_vaddr_t top);

/*
 * Reserves pages virtual pages aligned to align bytes (a power of two, at least a
 * page): MMK_VAS_LOWEST for the heap side, MMK_VAS_HIGHEST for the MMIO side. Nothing is mapped.
 * Errors: MMK_EINVAL (0 pages, bad alignment or direction), MMK_ENOMEM (no room: heap
 * and MMIO met).
 */
int mmk_kvm_pages_alloc(struct mmk_kvm *kvm, struct mmk_kvm_pages *p, mmk_vsize_t pages, mmk_vsize_t align,
		    int direction);

/*
 * Maps frame pa at page va of the handle with flags (kernel flags: no MMK_PROT_USER).
 * Errors: MMK_ERANGE (va outside the handle), MMK_EALIGN, MMK_EEXIST (already mapped),
 * MMK_EPERM, MMK_EINVAL, MMK_ENOMEM (a page table) - as mmk_mmu_map; nothing changes.
 */
int mmk_kvm_pages_map(struct mmk_kvm_pages *p, mmk_vaddr_t va, mmk_paddr_t pa, unsigned flags);

/*
 * Unmaps every mapped page of the handle (their frames lose a reference with
 * free_frames) and gives its virtual range back. Cannot fail on a live handle;
 * MMK_ENOENT for one that is not in its window (released already).
 */
int mmk_kvm_pages_release(struct mmk_kvm_pages *p, bool free_frames);

/*
 * A kernel stack: pages fresh frames mapped read/write on the heap side, above one
 * unmapped guard page that is part of the handle's range (so nothing else is placed
 * there and an overflow faults). *top gets the address just above the stack.
 * Errors: MMK_EINVAL (0 pages), MMK_ENOMEM (no room or no frames; nothing kept).
 * Release with mmk_kvm_pages_release(p, true).
 */
int mmk_kvm_stack_alloc(struct mmk_kvm *kvm, struct mmk_kvm_pages *p, mmk_vsize_t pages, mmk_vaddr_t *top);

/*
 * Maps device memory [pa, pa+size) (any alignment) at the top of the window, growing
 * down, readable and writable, not executable, with the memory type cache
 * (MMK_CACHE_UC or MMK_CACHE_WC). *va gets the address of pa itself.
 * Errors: MMK_EINVAL (size 0, another memory type), MMK_ENOMEM (no room, or a table),
 * MMK_ERANGE (pa beyond what the machine maps).
 */
int mmk_kvm_map_mmio(struct mmk_kvm *kvm, struct mmk_kvm_pages *p, mmk_paddr_t pa, mmk_vsize_t size,
		 unsigned cache, mmk_vaddr_t *va);

#endif
