/*
 * The kernel heap: kmalloc / kfree / kcalloc / krealloc (seed 002), in the kernel
 * window of include/mmukit/kvm.h, growing up from its base.
 *
 * Small objects (up to 1024 bytes) come from size classes 16, 32, 64, ..., 1024, each
 * class carving one-page slabs; larger ones get whole pages of their own. Every heap
 * page run starts with a header holding its place in the window's VAS, so kfree finds
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

#define KHEAP_CLASSES 7        /* 16 << 0 .. 16 << 6 = 1024 bytes */
#define KHEAP_SMALL_MAX 1024u

struct kheap_stats {
	uint64_t pages;        /* pages mapped for the heap now */
	uint64_t objects;      /* live allocations */
	uint64_t bytes;        /* bytes held by live allocations (small: their class size) */
};

struct kheap {
	struct kvm *kvm;
	vaddr_t partial[KHEAP_CLASSES]; /* first slab page with a free object, or 0 */
	vaddr_t empty[KHEAP_CLASSES];   /* one fully free slab page kept per class, or 0 */
	struct kheap_stats stats;
};

void kheap_init(struct kheap *heap, struct kvm *kvm);

/* size bytes, or NULL (size 0, or out of memory / window full). */
void *kheap_alloc(struct kheap *heap, size_t size);

/*
 * Frees ptr (NULL is fine). Errors: MMK_EINVAL (not an allocation of this heap),
 * MMK_ESTATE (freed already); nothing changes then.
 */
int kheap_free(struct kheap *heap, void *ptr);

/* n * size zeroed bytes; NULL on overflow or out of memory. */
void *kheap_calloc(struct kheap *heap, size_t n, size_t size);

/*
 * Resizes: ptr NULL is kheap_alloc; size 0 frees and returns NULL; otherwise the old
 * contents up to the smaller size are kept, in place when they fit. NULL when out of
 * memory or ptr is not an allocation, and ptr is then untouched.
 */
void *kheap_realloc(struct kheap *heap, void *ptr, size_t size);

/* Bytes usable at ptr (its class, or its pages less the header); 0 if not an allocation. */
size_t kheap_usable_size(struct kheap *heap, const void *ptr);

/* Validates every slab list and header; 0 or -MMK_ESTATE after printing what broke. */
int kheap_check(struct kheap *heap);

/* Sets the heap kmalloc and friends use (the kernel's, once the VM is up); returns the old one. */
struct kheap *kheap_set_default(struct kheap *heap);
void *kmalloc(size_t size);
int kfree(void *ptr);
void *kcalloc(size_t n, size_t size);
void *krealloc(void *ptr, size_t size);

#endif
