/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The kernel heap: mmk_kmalloc / mmk_kfree / mmk_kcalloc / mmk_krealloc, in the kernel
 * window of include/mmukit/kvm.h, growing up from its base.
 *
 * Small objects (up to 1024 bytes) come from size classes 16, 32, 64, ..., 1024, each
 * class carving one-page slabs; larger ones get whole pages of their own. Every heap
 * page run starts with a header holding its place in the window's VAS, so mmk_kfree finds
 * any allocation by address (O(log n)) and refuses a pointer it did not hand out.
 *   Why: classes keep small objects dense with O(1) alloc/free from per-page free
 *   lists; a page whose objects are all free goes back to the PMM (one empty page per
 *   class is kept, so a loop that allocates and frees one object does not map and
 *   unmap a page every time).
 * Alignment: every pointer is aligned to 16 bytes, and a small object of a class of
 * 64 bytes or more to 64. Large objects start 64-aligned within their first page.
 * Not thread-safe: the caller serialises.
 */
#ifndef MMUKIT_KHEAP_H
#define MMUKIT_KHEAP_H

#include <mmukit/kvm.h>

#define MMK_KHEAP_CLASSES 7        /* 16 << 0 .. 16 << 6 = 1024 bytes */
#define MMK_KHEAP_SMALL_MAX 1024u

struct mmk_kheap_stats {
	uint64_t pages;        /* pages mapped for the heap now */
	uint64_t objects;      /* live allocations */
	uint64_t bytes;        /* bytes held by live allocations (small: their class size) */
};

struct mmk_kheap {
	struct mmk_kvm *kvm;
	mmk_vaddr_t partial[MMK_KHEAP_CLASSES]; /* first slab page with a free object, or 0 */
	mmk_vaddr_t empty[MMK_KHEAP_CLASSES];   /* one fully free slab page kept per class, or 0 */
	struct mmk_kheap_stats stats;
};

void mmk_kheap_init(struct mmk_kheap *heap, struct mmk_kvm *kvm);

/* size bytes, or NULL (size 0, larger than the window, or out of memory / window full);
 * nothing changes when NULL. */
void *mmk_kheap_alloc(struct mmk_kheap *heap, size_t size);

/*
 * Frees ptr (NULL is fine). Errors: MMK_EINVAL (not an allocation of this heap: an
 * interior pointer, a large object freed already, anything else in the window - a
 * stack or its guard, reserved or device pages, which are never read - or outside it),
 * MMK_ESTATE (a small object freed already); nothing changes then.
 */
int mmk_kheap_free(struct mmk_kheap *heap, void *ptr);

/* n * size zeroed bytes; NULL (nothing changed) when n * size overflows, is 0 or larger
 * than the window, or on out of memory. */
void *mmk_kheap_calloc(struct mmk_kheap *heap, size_t n, size_t size);

/*
 * Resizes: ptr NULL is mmk_kheap_alloc; size 0 frees and returns NULL; otherwise the old
 * contents up to the smaller size are kept, in place when they fit. NULL when out of
 * memory, size larger than the window, or ptr not an allocation (checked as by
 * mmk_kheap_free), and ptr is then untouched.
 */
void *mmk_kheap_realloc(struct mmk_kheap *heap, void *ptr, size_t size);

/* Bytes usable at ptr (its class, or its pages less the header); 0 if not an allocation. */
size_t mmk_kheap_usable_size(struct mmk_kheap *heap, const void *ptr);

/* Gives back the empty slab pages the heap keeps (one per class): with no live object,
 * the heap then holds no page. */
void mmk_kheap_trim(struct mmk_kheap *heap);

/* Validates every slab list and header; 0 or -MMK_ESTATE after printing what broke. */
int mmk_kheap_check(struct mmk_kheap *heap);

/* Sets the heap mmk_kmalloc and friends use (the kernel's, once the VM is up); returns the old one. */
struct mmk_kheap *mmk_kheap_set_default(struct mmk_kheap *heap);
void *mmk_kmalloc(size_t size);
int mmk_kfree(void *ptr);
void *mmk_kcalloc(size_t n, size_t size);
void *mmk_krealloc(void *ptr, size_t size);

#endif
