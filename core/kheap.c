/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The kernel heap (include/mmukit/kheap.h): size-class slabs of one page and whole-page
 * runs for large objects, in the kernel window. Every run starts with a struct block
 * whose VAS node places it in the window, so mmk_kfree can check any pointer.
 *
 * The heap reaches its own memory only through mmk_mmu_kernel_pointer (a cast in the
 * kernel, the simulator on the host), one page at a time.
 */
#include <mmukit/errno.h>
#include <mmukit/kheap.h>
#include <mmukit/pmm.h>
#include <mmukit/services.h>

#define MAGIC 0x4B484550u /* "KHEP" */
#define LARGE 0xFFFFu
#define MIN_CLASS 16u
#define MAX_SLOTS (MMK_PAGE_SIZE / MIN_CLASS)

struct block {
	struct mmk_vas_range range; /* [start, end) of this run in the window's VAS */
	uint32_t magic;
	uint16_t class_index;   /* LARGE for a large object */
	uint16_t free_count;    /* slab: free objects */
	uint32_t free_offset;   /* slab: offset of the first free object, 0 when none */
	mmk_vaddr_t next, prev;     /* slab: the class's partial list (page addresses) */
	size_t large_size;      /* large: bytes asked for */
	uint32_t allocated[MAX_SLOTS / 32]; /* slab: one bit per object */
};

#define HEADER_SIZE ((sizeof(struct block) + 63) & ~(size_t)63)
#define RW_KERNEL (MMK_PROT_READ | MMK_PROT_WRITE | MMK_PROT_GLOBAL)

static size_t class_size(unsigned index)
{
	return (size_t)MIN_CLASS << index;
}

static unsigned class_capacity(unsigned index)
{
	return (unsigned)((MMK_PAGE_SIZE - HEADER_SIZE) / class_size(index));
}

static void *kptr(struct mmk_kheap *heap, mmk_vaddr_t va)
{
	return mmk_mmu_kernel_pointer(heap->kvm->mmu, va);
}

static struct block *block_at(struct mmk_kheap *heap, mmk_vaddr_t page)
{
	return kptr(heap, page);
}

void mmk_kheap_init(struct mmk_kheap *heap, struct mmk_kvm *kvm)
{
	*heap = (struct mmk_kheap){.kvm = kvm};
}

/* ------------------------------------------------------------ page runs */

/* Unmaps [va, va+size) of the kernel space; its frames go back to the PMM. */
static void unmap_pages(struct mmk_kheap *heap, mmk_vaddr_t va, mmk_vsize_t size)
{
	struct mmk_mmu *mmu = heap->kvm->mmu;
	struct mmk_mmu_batch b;
	mmk_mmu_batch_begin(&b, &mmu->kernel, mmk_pmm_release_frames, mmu->pmm);
	MMK_ASSERT(mmk_mmu_unmap(&mmu->kernel, va, size, &b) == 0);
	mmk_mmu_batch_finish(&b);
}

static void unmap_partial_run(struct mmk_kheap *heap, mmk_vaddr_t va, mmk_vsize_t mapped)
{
	if (mapped)
		unmap_pages(heap, va, mapped * MMK_PAGE_SIZE);
}

/* Maps pages fresh frames at the lowest free place of the window; returns its address or 0. */
static mmk_vaddr_t map_run(struct mmk_kheap *heap, mmk_vsize_t pages)
{
	struct mmk_kvm *kvm = heap->kvm;
	mmk_vaddr_t va;
	if (pages > kvm->mmu->pmm->free_frames)
		return 0; /* cannot succeed: fail before a table is made for it */
	if (mmk_vas_find(&kvm->vas, (mmk_vsize_t)pages * MMK_PAGE_SIZE, MMK_PAGE_SIZE, 0, (mmk_vaddr_t)-1,
		     MMK_VAS_LOWEST, &va))
		return 0;
	for (mmk_vsize_t i = 0; i < pages; i++) {
		mmk_paddr_t pa;
		int err = mmk_pmm_alloc(kvm->mmu->pmm, &pa);
		if (!err) {
			err = mmk_mmu_map(&kvm->mmu->kernel, va + (mmk_vaddr_t)i * MMK_PAGE_SIZE, pa,
				      MMK_PAGE_SIZE, RW_KERNEL, 12);
			if (err)
				MMK_ASSERT(mmk_pmm_free(kvm->mmu->pmm, pa) == 0);
		}
		if (err) {
			unmap_partial_run(heap, va, i);
			return 0;
		}
	}
	struct block *b = block_at(heap, va);
	*b = (struct block){.magic = MAGIC};
	MMK_ASSERT(mmk_vas_reserve(&kvm->vas, &b->range, va, (mmk_vsize_t)pages * MMK_PAGE_SIZE) == 0);
	heap->stats.pages += pages;
	return va;
}

static void release_run(struct mmk_kheap *heap, mmk_vaddr_t va)
{
	struct block *b = block_at(heap, va);
	mmk_vsize_t size = b->range.end - b->range.start;
	b->magic = 0;
	/* Out of the tree while its node is still mapped, then unmapped. */
	MMK_ASSERT(mmk_vas_free(&heap->kvm->vas, &b->range) == 0);
	unmap_pages(heap, va, size);
	heap->stats.pages -= size / MMK_PAGE_SIZE;
}

/* ------------------------------------------------------------ slabs */

static void partial_push(struct mmk_kheap *heap, unsigned c, mmk_vaddr_t page)
{
	struct block *b = block_at(heap, page);
	b->prev = 0;
	b->next = heap->partial[c];
	if (b->next)
		block_at(heap, b->next)->prev = page;
	heap->partial[c] = page;
}

static void partial_remove(struct mmk_kheap *heap, unsigned c, mmk_vaddr_t page)
{
	struct block *b = block_at(heap, page);
	if (b->prev)
		block_at(heap, b->prev)->next = b->next;
	else
		heap->partial[c] = b->next;
	if (b->next)
		block_at(heap, b->next)->prev = b->prev;
	b->next = b->prev = 0;
}

/* Threads every object of a fresh slab on its free list. */
static void format_slab(struct mmk_kheap *heap, mmk_vaddr_t page, unsigned c)
{
	struct block *b = block_at(heap, page);
	unsigned cap = class_capacity(c);
	b->class_index = (uint16_t)c;
	b->free_count = (uint16_t)cap;
	b->free_offset = (uint32_t)HEADER_SIZE;
	for (unsigned i = 0; i < MAX_SLOTS / 32; i++)
		b->allocated[i] = 0;
	for (unsigned i = 0; i < cap; i++) {
		uint32_t off = (uint32_t)(HEADER_SIZE + i * class_size(c));
		uint32_t *slot = kptr(heap, page + off);
		*slot = i + 1 < cap ? off + (uint32_t)class_size(c) : 0;
	}
}

/* A slab page of class c with a free object: partial, the kept empty one, or new. */
static mmk_vaddr_t slab_with_room(struct mmk_kheap *heap, unsigned c)
{
	mmk_vaddr_t page = heap->partial[c];
	if (page)
		return page;
	page = heap->empty[c];
	if (page) {
		heap->empty[c] = 0;
	} else {
		page = map_run(heap, 1);
		if (!page)
			return 0;
		format_slab(heap, page, c);
	}
	partial_push(heap, c, page);
	return page;
}

static void *alloc_small(struct mmk_kheap *heap, unsigned c)
{
	mmk_vaddr_t page = slab_with_room(heap, c);
	if (!page)
		return NULL;
	struct block *b = block_at(heap, page);
	uint32_t off = b->free_offset;
	b->free_offset = *(uint32_t *)kptr(heap, page + off);
	unsigned slot = (unsigned)((off - HEADER_SIZE) / class_size(c));
	b->allocated[slot / 32] |= 1u << (slot % 32);
	if (--b->free_count == 0)
		partial_remove(heap, c, page);
	return (void *)(page + off);
}

static unsigned class_for(size_t size)
{
	unsigned c = 0;
	while (class_size(c) < size)
		c++;
	return c;
}

/* ------------------------------------------------------------ the API */

/*
 * The one size check every entry point goes through: n objects of size bytes, as the
 * pages of a run (header included). False when the product, or the run, would not fit
 * the window - so no count, size or rounding can wrap into a small allocation.
 */
static bool checked_size(const struct mmk_kheap *heap, size_t n, size_t size, size_t *bytes,
			 mmk_vsize_t *pages)
{
	if (size && n > (size_t)-1 / size)
		return false;
	size_t total = n * size;
	mmk_vsize_t window = heap->kvm->vas.end - heap->kvm->vas.base;
	if (total > window || window - total < HEADER_SIZE + MMK_PAGE_SIZE)
		return false;
	*bytes = total;
	*pages = (mmk_vsize_t)((HEADER_SIZE + total + MMK_PAGE_SIZE - 1) / MMK_PAGE_SIZE);
	return true;
}

void *mmk_kheap_alloc(struct mmk_kheap *heap, size_t size)
{
	mmk_vsize_t pages;
	if (size == 0 || !checked_size(heap, 1, size, &size, &pages))
		return NULL;
	void *p;
	if (size <= MMK_KHEAP_SMALL_MAX) {
		unsigned c = class_for(size);
		p = alloc_small(heap, c);
		size = class_size(c); /* counted at its class size, as mmk_kheap_free does */
	} else {
		mmk_vaddr_t va = map_run(heap, pages);
		if (!va)
			return NULL;
		struct block *b = block_at(heap, va);
		b->class_index = LARGE;
		b->large_size = size;
		p = (void *)(va + HEADER_SIZE);
	}
	if (p) {
		heap->stats.objects++;
		heap->stats.bytes += size;
	}
	return p;
}

/* The block an allocation pointer belongs to, or NULL when it is not one. */
/*
 * The block an allocation pointer belongs to, or NULL when it is not one: the heap's
 * one ownership check. The window also holds stacks (their first page an unmapped
 * guard), reserved but unmapped pages and device mappings, whose VAS nodes live in
 * their callers' handles; a heap run's node is the first bytes of its own first page.
 * So nothing is read at va's page before the page tables say it is mapped and the
 * node found there is that page's own (its frame one of the PMM's: no device is read).
 */
static struct block *find_block(struct mmk_kheap *heap, mmk_vaddr_t va, mmk_vaddr_t *page)
{
	*page = mmk_align_down(va, MMK_PAGE_SIZE);
	struct mmk_vas_range *r = mmk_vas_lookup(&heap->kvm->vas, *page);
	if (!r || r->start != *page)
		return NULL;
	struct mmk_mmu_mapping m;
	if (mmk_mmu_query(&heap->kvm->mmu->kernel, *page, &m) != 0 ||
	    !mmk_pmm_owns(heap->kvm->mmu->pmm, m.pa + (*page - m.va)))
		return NULL; /* unmapped, or a device: heap pages are the PMM's frames */
	struct block *b = block_at(heap, *page);
	if (&b->range != r || b->magic != MAGIC)
		return NULL;
	return b;
}

/* The slot of va in slab b, or -1 when va is not an object's start. */
static int slot_of(const struct block *b, mmk_vaddr_t page, mmk_vaddr_t va)
{
	mmk_vaddr_t off = va - page;
	size_t size = class_size(b->class_index);
	if (off < HEADER_SIZE || (off - HEADER_SIZE) % size)
		return -1;
	unsigned slot = (unsigned)((off - HEADER_SIZE) / size);
	return slot < class_capacity(b->class_index) ? (int)slot : -1;
}

static void free_small(struct mmk_kheap *heap, struct block *b, mmk_vaddr_t page, unsigned slot)
{
	unsigned c = b->class_index;
	uint32_t off = (uint32_t)(HEADER_SIZE + slot * class_size(c));
	b->allocated[slot / 32] &= ~(1u << (slot % 32));
	*(uint32_t *)kptr(heap, page + off) = b->free_offset;
	b->free_offset = off;
	if (++b->free_count == 1)
		partial_push(heap, c, page);
	if (b->free_count < class_capacity(c))
		return;
	partial_remove(heap, c, page);
	if (!heap->empty[c])
		heap->empty[c] = page; /* keep one, against alloc/free thrashing */
	else
		release_run(heap, page);
}

int mmk_kheap_free(struct mmk_kheap *heap, void *ptr)
{
	if (!ptr)
		return 0;
	mmk_vaddr_t va = (mmk_vaddr_t)ptr, page;
	struct block *b = find_block(heap, va, &page);
	if (!b)
		return -MMK_EINVAL;
	if (b->class_index == LARGE) {
		if (va != page + HEADER_SIZE)
			return -MMK_EINVAL;
		heap->stats.objects--;
		heap->stats.bytes -= b->large_size;
		release_run(heap, page);
		return 0;
	}
	int slot = slot_of(b, page, va);
	if (slot < 0)
		return -MMK_EINVAL;
	if (!(b->allocated[slot / 32] & (1u << (slot % 32))))
		return -MMK_ESTATE;
	heap->stats.objects--;
	heap->stats.bytes -= class_size(b->class_index); /* small: counted by class */
	free_small(heap, b, page, (unsigned)slot);
	return 0;
}

size_t mmk_kheap_usable_size(struct mmk_kheap *heap, const void *ptr)
{
	mmk_vaddr_t va = (mmk_vaddr_t)ptr, page;
	struct block *b = find_block(heap, va, &page);
	if (!b)
		return 0;
	if (b->class_index == LARGE)
		return va == page + HEADER_SIZE ? b->range.end - b->range.start - HEADER_SIZE : 0;
	int slot = slot_of(b, page, va);
	if (slot < 0 || !(b->allocated[slot / 32] & (1u << (slot % 32))))
		return 0;
	return class_size(b->class_index);
}

/* Copies n bytes between kernel addresses, a page piece at a time (zero when src is 0). */
static void copy_or_zero(struct mmk_kheap *heap, mmk_vaddr_t dst, mmk_vaddr_t src, size_t n)
{
	while (n > 0) {
		size_t piece = MMK_PAGE_SIZE - (dst & (MMK_PAGE_SIZE - 1));
		if (src && MMK_PAGE_SIZE - (src & (MMK_PAGE_SIZE - 1)) < piece)
			piece = MMK_PAGE_SIZE - (src & (MMK_PAGE_SIZE - 1));
		if (piece > n)
			piece = n;
		uint8_t *d = kptr(heap, dst);
		const uint8_t *s = src ? kptr(heap, src) : NULL;
		for (size_t i = 0; i < piece; i++)
			d[i] = s ? s[i] : 0;
		dst += piece;
		if (src)
			src += piece;
		n -= piece;
	}
}

void *mmk_kheap_calloc(struct mmk_kheap *heap, size_t n, size_t size)
{
	size_t bytes;
	mmk_vsize_t pages;
	if (!checked_size(heap, n, size, &bytes, &pages))
		return NULL;
	void *p = mmk_kheap_alloc(heap, bytes);
	if (p)
		copy_or_zero(heap, (mmk_vaddr_t)p, 0, bytes);
	return p;
}

void *mmk_kheap_realloc(struct mmk_kheap *heap, void *ptr, size_t size)
{
	if (!ptr)
		return mmk_kheap_alloc(heap, size);
	size_t have = mmk_kheap_usable_size(heap, ptr);
	if (have == 0)
		return NULL;
	if (size == 0) {
		mmk_kheap_free(heap, ptr);
		return NULL;
	}
	if (size <= have)
		return ptr;
	void *p = mmk_kheap_alloc(heap, size);
	if (!p)
		return NULL;
	copy_or_zero(heap, (mmk_vaddr_t)p, (mmk_vaddr_t)ptr, have);
	MMK_ASSERT(mmk_kheap_free(heap, ptr) == 0);
	return p;
}

void mmk_kheap_trim(struct mmk_kheap *heap)
{
	for (unsigned c = 0; c < MMK_KHEAP_CLASSES; c++)
		if (heap->empty[c]) {
			release_run(heap, heap->empty[c]);
			heap->empty[c] = 0;
		}
}

/* ------------------------------------------------------------ checking */

static int broken(const char *what, mmk_vaddr_t page)
{
	mmk_printf("mmk_kheap_check: %s (page 0x%llx)\n", what, (unsigned long long)page);
	return -MMK_ESTATE;
}

static unsigned count_bits(const struct block *b)
{
	unsigned n = 0;
	for (unsigned i = 0; i < MAX_SLOTS / 32; i++)
		for (uint32_t w = b->allocated[i]; w; w &= w - 1)
			n++;
	return n;
}

static int check_slab(struct mmk_kheap *heap, mmk_vaddr_t page, unsigned c, bool want_empty)
{
	struct block *b = block_at(heap, page);
	unsigned cap = class_capacity(c);
	if (b->magic != MAGIC || b->class_index != c)
		return broken("bad slab header", page);
	if (want_empty ? b->free_count != cap : (b->free_count == 0 || b->free_count >= cap))
		return broken("slab in the wrong list for its free count", page);
	if (count_bits(b) != cap - b->free_count)
		return broken("allocation bitmap disagrees with the free count", page);
	unsigned n = 0;
	for (uint32_t off = b->free_offset; off; off = *(uint32_t *)kptr(heap, page + off)) {
		int slot = slot_of(b, page, page + off);
		if (slot < 0 || (b->allocated[slot / 32] & (1u << (slot % 32))) || ++n > cap)
			return broken("bad free list", page);
	}
	return n == b->free_count ? 0 : broken("free list length differs", page);
}

int mmk_kheap_check(struct mmk_kheap *heap)
{
	for (unsigned c = 0; c < MMK_KHEAP_CLASSES; c++) {
		mmk_vaddr_t prev = 0;
		for (mmk_vaddr_t page = heap->partial[c]; page; page = block_at(heap, page)->next) {
			int err = check_slab(heap, page, c, false);
			if (err)
				return err;
			if (block_at(heap, page)->prev != prev)
				return broken("partial list back link", page);
			prev = page;
		}
		if (heap->empty[c]) {
			int err = check_slab(heap, heap->empty[c], c, true);
			if (err)
				return err;
		}
	}
	return 0;
}

/* ------------------------------------------------------------ mmk_kmalloc */

static struct mmk_kheap *default_heap;

struct mmk_kheap *mmk_kheap_set_default(struct mmk_kheap *heap)
{
	struct mmk_kheap *old = default_heap;
	default_heap = heap;
	return old;
}

void *mmk_kmalloc(size_t size)
{
	return default_heap ? mmk_kheap_alloc(default_heap, size) : NULL;
}

int mmk_kfree(void *ptr)
{
	return default_heap ? mmk_kheap_free(default_heap, ptr) : -MMK_EINVAL;
}

void *mmk_kcalloc(size_t n, size_t size)
{
	return default_heap ? mmk_kheap_calloc(default_heap, n, size) : NULL;
}

void *mmk_krealloc(void *ptr, size_t size)
{
	return default_heap ? mmk_kheap_realloc(default_heap, ptr, size) : NULL;
}
