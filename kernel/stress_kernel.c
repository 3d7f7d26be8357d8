/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The stress run's kernel-level phase (kernel/stress.h): random operations on the
 * running kernel's own structures, each against a model.
 *   scratch   a range of the kernel window (two large pages' worth where the machine
 *             has large pages up to 4 MiB) mapped, unmapped and protected with
 *             mmk_mmu_map / unmap / protect in the kernel space - runs of small pages,
 *             whole large pages that later operations split - with fresh frames; every
 *             page holds a known pattern (a tag in its first word, its complement in the
 *             last), read through the real CPU and through the frame's direct pointer,
 *             so a stale TLB entry (an old frame, a write that should fault, a page that
 *             should be gone) shows as a wrong value or a missing fault; and
 *             mmk_mmu_remap puts another frame under a page, as copy-on-write does.
 *   heap      mmk_kmalloc / mmk_kfree / mmk_krealloc of sizes from 1 byte to 64 KiB, with
 *             contents checked, and frees of pointers that are not allocations.
 *   window    kernel stacks (their guard page must fault), page handles with every
 *             other page mapped, and device mappings (uncached or write-combining, at
 *             the window's top) of a frame with a pattern (mmk_kvm_*).
 *   blocks    PMM blocks of order 0 to 9, with references added and dropped.
 *   vas       a private VAS: reserve, allocate lowest / highest with alignment, free.
 *   failures  now and then the next operation's nth PMM allocation fails: it must fail
 *             whole (nothing changed) or work.
 * After every STRESS_BATCH operations: mmk_pmm_check, mmk_kheap_check, every VAS check,
 * the scratch range's walk against the model, every page's pattern, every object's.
 */
#include <mmukit/errno.h>
#include <mmukit/kheap.h>
#include <mmukit/ktest.h>
#include <mmukit/kvm.h>
#include <mmukit/mmu.h>
#include <mmukit/pmm.h>
#include <mmukit/services.h>
#include <mmukit/vas.h>

#include "lib/string.h"
#include "platform.h"
#include "stress.h"

#define P MMK_PAGE_SIZE
#define SCRATCH_MAX 2048 /* pages: two 4 MiB large pages */
#define SCRATCH_SMALL 512
#define OBJECTS 32
#define WINDOWS 4
#define BLOCKS 8
#define NODES 32
#define VAS_BASE 0x100000u
#define VAS_SIZE 0x400000u
#define KRW (MMK_PROT_READ | MMK_PROT_WRITE | MMK_PROT_GLOBAL)
#define KRO (MMK_PROT_READ | MMK_PROT_GLOBAL)

enum { PAGE_NONE, PAGE_RO, PAGE_RW };
enum { OP_MAP = 1, OP_UNMAP, OP_PROTECT, OP_TOUCH, OP_LARGE, OP_HEAP, OP_WINDOW, OP_BLOCK, OP_VAS,
       OP_REMAP };

struct kpage {
	mmk_paddr_t pa;
	uint32_t tag;
	uint8_t state;
};

struct object {
	uint8_t *p;
	size_t size;
	uint8_t tag;
};

struct window {
	struct mmk_kvm_pages pages;
	bool live, stack, mmio;
	uint32_t tag;
	mmk_paddr_t pa; /* mmio: the frame shown as a device */
};

struct block {
	mmk_paddr_t pa;
	unsigned order, refs;
	uint32_t tag;
};

struct node {
	struct mmk_vas_range r;
	bool live;
};

static struct {
	struct stress *s;
	struct mmk_mmu *mmu;
	struct mmk_pmm *pmm;
	struct mmk_kvm_pages scratch;
	mmk_vaddr_t base;
	unsigned pages;
	unsigned large_shift; /* a large page size the scratch range holds twice, or 0 */
	struct kpage page[SCRATCH_MAX];
	struct object obj[OBJECTS];
	struct window win[WINDOWS];
	struct block blk[BLOCKS];
	struct mmk_vas vas;
	struct node node[NODES];
	uint64_t large_maps, faults, heap_calls, injected; /* for the log */
} k;

#define CHECK(cond, a, b) STRESS_CHECK(k.s, cond, a, b)

/* ------------------------------------------------------------ patterns */

static void frame_fill(mmk_paddr_t pa, uint32_t tag)
{
	uint32_t *w = mmk_mmu_frame_pointer(k.mmu, pa);
	w[0] = tag;
	w[P / 4 - 1] = ~tag;
}

static bool frame_holds(mmk_paddr_t pa, uint32_t tag)
{
	const uint32_t *w = mmk_mmu_frame_pointer(k.mmu, pa);
	return w[0] == tag && w[P / 4 - 1] == ~tag;
}

static mmk_vaddr_t page_va(unsigned i)
{
	return k.base + (mmk_vaddr_t)i * P;
}

/* A real load / store by the CPU; -MMK_EFAULT when it faults. */
static int cpu_read(mmk_vaddr_t va, uint32_t *v)
{
	int r = ktest_env_access(va, false, v);
	k.faults += r != 0;
	return r;
}

static int cpu_write(mmk_vaddr_t va, uint32_t v)
{
	int r = ktest_env_access(va, true, &v);
	k.faults += r != 0;
	return r;
}

/* What the CPU sees through scratch page i is what the model says. */
static void check_page_by_cpu(unsigned i)
{
	const struct kpage *p = &k.page[i];
	uint32_t first = 0, last = 0;
	int r = cpu_read(page_va(i), &first);
	if (p->state == PAGE_NONE) {
		CHECK(r == -MMK_EFAULT, page_va(i), (unsigned)r); /* gone: no stale entry */
		return;
	}
	int r2 = cpu_read(page_va(i) + P - 4, &last);
	CHECK(r == 0 && r2 == 0 && first == p->tag && last == ~p->tag, page_va(i), first);
}

/* A store through page i: lands when the page is writable, faults (nothing changed)
 * when it is read-only or unmapped. */
static void write_page_by_cpu(unsigned i)
{
	struct kpage *p = &k.page[i];
	uint32_t tag = (uint32_t)stress_random(k.s);
	int r = cpu_write(page_va(i), tag);
	if (p->state != PAGE_RW) {
		CHECK(r == -MMK_EFAULT, page_va(i), (unsigned)r);
		if (p->state == PAGE_RO)
			CHECK(frame_holds(p->pa, p->tag), p->pa, p->tag);
		return;
	}
	int r2 = cpu_write(page_va(i) + P - 4, ~tag);
	CHECK(r == 0 && r2 == 0, page_va(i), (unsigned)r);
	p->tag = tag;
	CHECK(frame_holds(p->pa, tag), p->pa, tag);
}

/* ------------------------------------------------------------ scratch mappings */

static bool run_state(unsigned first, unsigned n, bool *all, bool *none)
{
	*all = *none = true;
	for (unsigned j = 0; j < n; j++) {
		bool mapped = k.page[first + j].state != PAGE_NONE;
		*all = *all && mapped;
		*none = *none && !mapped;
	}
	return *all;
}

/* Frames for n pages: a block of that order made single frames, each with a pattern. */
static bool take_frames(unsigned order, mmk_paddr_t *pa, uint32_t tag)
{
	if (mmk_pmm_alloc_block(k.pmm, order, pa) != 0)
		return false; /* out of memory: the operation does not happen */
	if (order)
		CHECK(mmk_pmm_split_block(k.pmm, *pa, order) == 0, *pa, order);
	for (unsigned j = 0; j < 1u << order; j++)
		frame_fill(*pa + (mmk_paddr_t)j * P, tag + j);
	return true;
}

static void give_frames(mmk_paddr_t pa, unsigned n)
{
	for (unsigned j = 0; j < n; j++)
		CHECK(mmk_pmm_free(k.pmm, pa + (mmk_paddr_t)j * P) == 0, pa, j);
}

/* Maps n fresh frames at pages [first, first + n) with one call. */
static void map_run(unsigned first, unsigned order, unsigned shift, bool rw)
{
	unsigned n = 1u << order;
	uint32_t tag = (uint32_t)stress_random(k.s);
	mmk_paddr_t pa;
	if (!take_frames(order, &pa, tag))
		return;
	bool all, none;
	run_state(first, n, &all, &none);
	int err = mmk_mmu_map(&k.mmu->kernel, page_va(first), pa, (mmk_vsize_t)n * P, rw ? KRW : KRO,
			      shift);
	if (!none || err == -MMK_ENOMEM) {
		CHECK(none || err == -MMK_EEXIST || err == -MMK_ENOMEM, page_va(first), (unsigned)err);
		give_frames(pa, n);
		return;
	}
	CHECK(err == 0, page_va(first), (unsigned)err);
	for (unsigned j = 0; j < n; j++)
		k.page[first + j] = (struct kpage){pa + (mmk_paddr_t)j * P, tag + j, rw ? PAGE_RW : PAGE_RO};
	check_page_by_cpu(first);
	check_page_by_cpu(first + n - 1);
}

static void op_map(void)
{
	unsigned order = stress_below(k.s, 4);
	unsigned first = stress_below(k.s, k.pages - (1u << order) + 1);
	unsigned shift = stress_below(k.s, 2) ? 12 : 0;
	bool rw = stress_below(k.s, 4) != 0;
	stress_trace(k.s, OP_MAP, page_va(first), order | shift << 8 | (unsigned)rw << 16);
	map_run(first, order, shift, rw);
}

/* Unmaps the mapped runs of pages [first, first + n), one call each. */
static void unmap_mapped_runs(unsigned first, unsigned n)
{
	for (unsigned i = first; i < first + n;) {
		if (k.page[i].state == PAGE_NONE) {
			i++;
			continue;
		}
		unsigned j = i;
		while (j < first + n && k.page[j].state != PAGE_NONE)
			k.page[j++].state = PAGE_NONE;
		struct mmk_mmu_batch b;
		mmk_mmu_batch_begin(&b, &k.mmu->kernel, mmk_pmm_release_frames, k.pmm);
		CHECK(mmk_mmu_unmap(&k.mmu->kernel, page_va(i), (mmk_vsize_t)(j - i) * P, &b) == 0, i, j);
		mmk_mmu_batch_finish(&b);
		check_page_by_cpu(i);
		i = j;
	}
}

/* A whole large page over a chunk emptied first (later unmaps and protects split it). */
static void op_large(void)
{
	if (!k.large_shift)
		return;
	unsigned order = k.large_shift - 12, per = 1u << order;
	unsigned first = stress_below(k.s, k.pages / per) * per;
	bool rw = stress_below(k.s, 2);
	stress_trace(k.s, OP_LARGE, page_va(first), k.large_shift);
	unmap_mapped_runs(first, per); /* each run with one call */
	map_run(first, order, k.large_shift, rw);
	struct mmk_mmu_mapping m;
	k.large_maps += k.page[first].state != PAGE_NONE;
	if (k.page[first].state != PAGE_NONE)
		CHECK(mmk_mmu_query(&k.mmu->kernel, page_va(first), &m) == 0 &&
			      m.page_shift == k.large_shift, page_va(first), m.page_shift);
}

static void run_pick(unsigned *first, unsigned *n)
{
	*n = 1 + stress_below(k.s, stress_below(k.s, 8) ? 16 : 600);
	if (*n > k.pages)
		*n = k.pages;
	*first = stress_below(k.s, k.pages - *n + 1);
}

static void op_unmap(void)
{
	unsigned first, n;
	run_pick(&first, &n);
	stress_trace(k.s, OP_UNMAP, page_va(first), n);
	bool all, none, batched = stress_below(k.s, 2);
	run_state(first, n, &all, &none);
	struct mmk_mmu_batch b;
	mmk_mmu_batch_begin(&b, &k.mmu->kernel, mmk_pmm_release_frames, k.pmm);
	int err = mmk_mmu_unmap(&k.mmu->kernel, page_va(first), (mmk_vsize_t)n * P,
				batched ? &b : NULL); /* NULL: a batch of its own, frames to nobody */
	mmk_mmu_batch_finish(&b);
	if (!batched && err == 0 && all)
		for (unsigned j = 0; j < n; j++) /* ours to give back */
			CHECK(mmk_pmm_free(k.pmm, k.page[first + j].pa) == 0, k.page[first + j].pa, j);
	if (!all || err == -MMK_ENOMEM) {
		CHECK(all || err == -MMK_ENOENT || err == -MMK_ENOMEM, page_va(first), (unsigned)err);
		return; /* nothing changed: the next check of the walk says so */
	}
	CHECK(err == 0, page_va(first), (unsigned)err);
	for (unsigned j = 0; j < n; j++) {
		struct kpage *p = &k.page[first + j];
		CHECK(mmk_pmm_refcount(k.pmm, p->pa) == 0, p->pa, j); /* back in the PMM */
		p->state = PAGE_NONE;
	}
	check_page_by_cpu(first);
	check_page_by_cpu(first + n - 1);
	check_page_by_cpu(first + stress_below(k.s, n));
}

static void op_protect(void)
{
	unsigned first, n;
	run_pick(&first, &n);
	bool rw = stress_below(k.s, 2);
	stress_trace(k.s, OP_PROTECT, page_va(first), n | (unsigned)rw << 16);
	bool all, none;
	run_state(first, n, &all, &none);
	int err = mmk_mmu_protect(&k.mmu->kernel, page_va(first), (mmk_vsize_t)n * P,
				  rw ? KRW : KRO, NULL);
	if (!all || err == -MMK_ENOMEM) {
		CHECK(all || err == -MMK_ENOENT || err == -MMK_ENOMEM, page_va(first), (unsigned)err);
		return;
	}
	CHECK(err == 0, page_va(first), (unsigned)err);
	for (unsigned j = 0; j < n; j++)
		k.page[first + j].state = rw ? PAGE_RW : PAGE_RO;
	write_page_by_cpu(first + stress_below(k.s, n)); /* a store lands or faults */
}

/* Another frame under a mapped small page (what copy-on-write does): the CPU must see
 * the new frame at once, and the old one goes back to the PMM with the batch. Inside a
 * large page the va is not aligned to its page: refused. */
static void op_remap(void)
{
	unsigned i = stress_below(k.s, k.pages);
	struct kpage *p = &k.page[i];
	bool rw = stress_below(k.s, 2);
	stress_trace(k.s, OP_REMAP, page_va(i), p->state | (unsigned)rw << 8);
	struct mmk_mmu_mapping m;
	int q = mmk_mmu_query(&k.mmu->kernel, page_va(i), &m);
	if (p->state == PAGE_NONE || q != 0) {
		CHECK(p->state == PAGE_NONE && q == -MMK_ENOENT, page_va(i), (unsigned)q);
		return;
	}
	uint32_t tag = (uint32_t)stress_random(k.s);
	mmk_paddr_t pa;
	if (!take_frames(0, &pa, tag))
		return;
	mmk_vsize_t size = (mmk_vsize_t)1 << m.page_shift;
	if (m.page_shift != 12 && mmk_is_aligned(page_va(i), size) && mmk_is_aligned(pa, size)) {
		give_frames(pa, 1); /* a valid remap of the whole large page: not with one frame */
		return;
	}
	struct mmk_mmu_batch b;
	mmk_mmu_batch_begin(&b, &k.mmu->kernel, mmk_pmm_release_frames, k.pmm);
	int err = mmk_mmu_remap(&k.mmu->kernel, page_va(i), pa, rw ? KRW : KRO, &b);
	mmk_mmu_batch_finish(&b);
	if (m.page_shift != 12) {
		CHECK(err == -MMK_EALIGN, page_va(i), (unsigned)err);
		give_frames(pa, 1);
		return;
	}
	CHECK(err == 0, page_va(i), (unsigned)err);
	CHECK(mmk_pmm_refcount(k.pmm, p->pa) == 0, p->pa, i); /* the old frame is back */
	*p = (struct kpage){pa, tag, rw ? PAGE_RW : PAGE_RO};
	check_page_by_cpu(i); /* the new frame, not a stale entry's old one */
}

static void op_touch(void)
{
	unsigned i = stress_below(k.s, k.pages);
	stress_trace(k.s, OP_TOUCH, page_va(i), k.page[i].state);
	check_page_by_cpu(i);
	if (stress_below(k.s, 2))
		write_page_by_cpu(i);
}

/* ------------------------------------------------------------ heap */

static uint8_t object_byte(uint8_t tag, size_t size, size_t x)
{
	return x == size - 1 ? (uint8_t)(tag ^ 0x5A) : (uint8_t)(tag + x);
}

/* Every 61st byte and the last hold the object's pattern. */
static void object_fill(struct object *o)
{
	for (size_t x = 0; x < o->size; x += 61)
		o->p[x] = object_byte(o->tag, o->size, x);
	o->p[o->size - 1] = object_byte(o->tag, o->size, o->size - 1);
}

/* The first n bytes of the pattern o had (n <= o->size). */
static bool object_holds(const struct object *o, const uint8_t *p, size_t n)
{
	for (size_t x = 0; x < n; x += 61)
		if (p[x] != object_byte(o->tag, o->size, x))
			return false;
	return p[n - 1] == object_byte(o->tag, o->size, n - 1) ||
	       ((n - 1) % 61 != 0 && n - 1 != o->size - 1);
}

static size_t object_size(void)
{
	unsigned bits = stress_below(k.s, 15);
	if (stress_below(k.s, 64) == 0)
		bits = 16;
	return 1 + (size_t)(stress_random(k.s) & ((1ull << bits) - 1));
}

static void op_heap(void)
{
	unsigned i = stress_below(k.s, OBJECTS), what = stress_below(k.s, 8);
	struct object *o = &k.obj[i];
	size_t size = object_size();
	stress_trace(k.s, OP_HEAP, what, o->p ? o->size : size);
	k.heap_calls++;
	if (!o->p) {
		o->p = mmk_kmalloc(size);
		if (!o->p)
			return;
		CHECK(((uintptr_t)o->p & 15) == 0, (uintptr_t)o->p, size);
		o->size = size;
		o->tag = (uint8_t)stress_random(k.s);
		object_fill(o);
		return;
	}
	CHECK(object_holds(o, o->p, o->size), (uintptr_t)o->p, o->size);
	if (what < 3) { /* resize, contents kept up to the smaller size */
		uint8_t *p = mmk_krealloc(o->p, size);
		if (!p)
			return; /* o unchanged */
		CHECK(object_holds(o, p, size < o->size ? size : o->size), (uintptr_t)p, size);
		o->p = p;
		o->size = size;
		o->tag = (uint8_t)stress_random(k.s);
		object_fill(o);
		return;
	}
	if (what == 3) { /* not allocations: refused, nothing changed */
		if (o->size > 1)
			CHECK(mmk_kfree(o->p + 1 + stress_below(k.s, o->size > 16 ? 15 : (unsigned)o->size - 1)) ==
				      -MMK_EINVAL, (uintptr_t)o->p, o->size);
		CHECK(mmk_kmalloc((size_t)-1 / 2) == NULL, 0, 0);
		CHECK(mmk_kcalloc((size_t)-1 / 3, 5) == NULL, 0, 0);
		return;
	}
	CHECK(mmk_kfree(o->p) == 0, (uintptr_t)o->p, o->size);
	*o = (struct object){0};
}

/* ------------------------------------------------------------ kernel window */

static void check_window(const struct window *w)
{
	mmk_vaddr_t lo = w->pages.range.start, hi = w->pages.range.end;
	uint32_t v = 0;
	if (w->mmio) {
		CHECK(cpu_read(lo, &v) == 0 && v == w->tag, lo, v);
		CHECK(cpu_read(lo + P - 4, &v) == 0 && v == ~w->tag, lo, v);
		return;
	}
	if (w->stack) {
		CHECK(cpu_read(lo, &v) == -MMK_EFAULT, lo, v); /* the guard */
		CHECK(cpu_read(hi - 4, &v) == 0 && v == w->tag, hi - 4, v);
		CHECK(cpu_read(lo + P, &v) == 0 && v == ~w->tag, lo + P, v);
		return;
	}
	for (mmk_vaddr_t va = lo; va < hi; va += P) {
		bool mapped = ((va - lo) / P) % 2 == 0;
		int r = cpu_read(va, &v);
		CHECK(mapped ? r == 0 && v == w->tag + (uint32_t)(va - lo) : r == -MMK_EFAULT, va, v);
	}
}

static void op_window(void)
{
	unsigned h = stress_below(k.s, WINDOWS), pages = 1 + stress_below(k.s, 4);
	struct window *w = &k.win[h];
	struct mmk_kvm *kvm = kernel_kvm();
	stress_trace(k.s, OP_WINDOW, h, w->live);
	if (w->live) {
		check_window(w);
		CHECK(mmk_kfree((void *)(uintptr_t)(w->pages.range.start + (w->stack ? P : 0))) ==
			      -MMK_EINVAL, w->pages.range.start, 0);
		mmk_vaddr_t lo = w->pages.range.start;
		CHECK(mmk_kvm_pages_release(&w->pages, !w->mmio) == 0, lo, 0);
		if (w->mmio)
			give_frames(w->pa, 1);
		uint32_t v;
		CHECK(cpu_read(lo + P, &v) == -MMK_EFAULT || !w->stack, lo, v);
		CHECK(cpu_read(lo, &v) == -MMK_EFAULT || w->stack, lo, v);
		w->live = false;
		return;
	}
	w->tag = (uint32_t)stress_random(k.s);
	unsigned kind = stress_below(k.s, 3);
	w->stack = kind == 0;
	w->mmio = kind == 1;
	if (w->mmio) { /* a frame of ours as a device, from any byte of it, at the top */
		unsigned off = 4 * stress_below(k.s, 64);
		unsigned cache = stress_below(k.s, 2) ? MMK_CACHE_UC : MMK_CACHE_WC;
		mmk_vaddr_t va;
		CHECK(mmk_kvm_map_mmio(kvm, &w->pages, 0, P, MMK_CACHE_WB, &va) == -MMK_EINVAL, 0, 0);
		CHECK(mmk_kvm_map_mmio(kvm, &w->pages, 0, 0, cache, &va) == -MMK_EINVAL, 0, 0);
		if (!take_frames(0, &w->pa, w->tag))
			return;
		int err = mmk_kvm_map_mmio(kvm, &w->pages, w->pa + off, P - off, cache, &va);
		if (err) {
			CHECK(err == -MMK_ENOMEM, w->pa, (unsigned)err);
			give_frames(w->pa, 1);
			return;
		}
		CHECK(va == w->pages.range.start + off && w->pages.range.end == w->pages.range.start + P,
		      va, off);
		w->live = true;
		check_window(w);
		return;
	}
	if (w->stack) {
		mmk_vaddr_t top;
		int err = mmk_kvm_stack_alloc(kvm, &w->pages, pages, &top);
		if (err) {
			CHECK(err == -MMK_ENOMEM, pages, (unsigned)err);
			return;
		}
		CHECK(top == w->pages.range.end, top, w->pages.range.end);
		CHECK(cpu_write(top - 4, w->tag) == 0 && cpu_write(w->pages.range.start + P, ~w->tag) == 0,
		      top, 0);
		w->live = true;
		return;
	}
	if (mmk_kvm_pages_alloc(kvm, &w->pages, pages, P, MMK_VAS_LOWEST) != 0)
		return;
	for (unsigned j = 0; j < pages; j += 2) { /* every other page */
		mmk_vaddr_t va = w->pages.range.start + (mmk_vaddr_t)j * P;
		mmk_paddr_t pa;
		int err = mmk_pmm_alloc(k.pmm, &pa);
		if (!err) {
			err = mmk_kvm_pages_map(&w->pages, va, pa, KRW);
			if (err)
				CHECK(mmk_pmm_free(k.pmm, pa) == 0, pa, 0);
		}
		if (err) { /* out of memory (injected, or real): the handle goes back whole */
			CHECK(err == -MMK_ENOMEM, va, (unsigned)err);
			CHECK(mmk_kvm_pages_release(&w->pages, true) == 0, va, 0);
			return;
		}
		CHECK(cpu_write(va, w->tag + (uint32_t)(j * P)) == 0, va, 0);
	}
	CHECK(mmk_kvm_pages_map(&w->pages, w->pages.range.end, 0, KRW) == -MMK_ERANGE, h, 0);
	w->live = true;
}

/* ------------------------------------------------------------ PMM blocks */

static void op_block(void)
{
	unsigned i = stress_below(k.s, BLOCKS);
	struct block *b = &k.blk[i];
	stress_trace(k.s, OP_BLOCK, i, b->refs);
	if (b->refs) {
		CHECK(frame_holds(b->pa, b->tag), b->pa, b->tag);
		if (stress_below(k.s, 3) == 0 && b->refs < 4) {
			CHECK(mmk_pmm_ref(k.pmm, b->pa) == 0, b->pa, b->refs);
			b->refs++;
		} else {
			if (b->order < MMK_PMM_MAX_ORDER) /* the wrong order: refused */
				CHECK(mmk_pmm_free_block(k.pmm, b->pa, b->order + 1) != 0, b->pa, b->order);
			CHECK(mmk_pmm_free_block(k.pmm, b->pa, b->order) == 0, b->pa, b->order);
			b->refs--;
		}
		CHECK(mmk_pmm_refcount(k.pmm, b->pa) == b->refs, b->pa, b->refs);
		return;
	}
	b->order = stress_below(k.s, 10);
	if (mmk_pmm_alloc_block(k.pmm, b->order, &b->pa) != 0)
		return;
	CHECK(mmk_is_aligned(b->pa, (mmk_paddr_t)P << b->order), b->pa, b->order);
	b->refs = 1;
	b->tag = (uint32_t)stress_random(k.s);
	frame_fill(b->pa, b->tag);
}

/* ------------------------------------------------------------ VAS */

static bool overlaps_live(mmk_vaddr_t start, mmk_vsize_t size)
{
	for (unsigned i = 0; i < NODES; i++)
		if (k.node[i].live && start < k.node[i].r.end && k.node[i].r.start < start + size)
			return true;
	return false;
}

static void op_vas(void)
{
	unsigned i = stress_below(k.s, NODES), how = stress_below(k.s, 3);
	struct node *n = &k.node[i];
	mmk_vsize_t size = (mmk_vsize_t)(1 + stress_below(k.s, 64)) * 256;
	stress_trace(k.s, OP_VAS, i, how);
	if (n->live) {
		CHECK(mmk_vas_lookup(&k.vas, n->r.start) == &n->r, n->r.start, i);
		CHECK(mmk_vas_free(&k.vas, &n->r) == 0, n->r.start, i);
		CHECK(mmk_vas_free(&k.vas, &n->r) == -MMK_ENOENT, n->r.start, i);
		n->live = false;
		return;
	}
	if (how == 0) {
		mmk_vaddr_t start = VAS_BASE + stress_below(k.s, VAS_SIZE + 0x1000) - 0x800;
		int expect = start < VAS_BASE || start + size > VAS_BASE + VAS_SIZE ? -MMK_ERANGE
			     : overlaps_live(start, size)                              ? -MMK_EEXIST
											: 0;
		int err = mmk_vas_reserve(&k.vas, &n->r, start, size);
		CHECK(err == expect, start, (unsigned)err);
		n->live = err == 0;
		return;
	}
	mmk_vsize_t align = (mmk_vsize_t)1 << stress_below(k.s, 14);
	mmk_vaddr_t start;
	int dir = how == 1 ? MMK_VAS_LOWEST : MMK_VAS_HIGHEST;
	int err = mmk_vas_alloc(&k.vas, &n->r, size, align, 0, (mmk_vaddr_t)-1, dir, &start);
	if (err) {
		CHECK(err == -MMK_ENOMEM, size, align);
		return;
	}
	CHECK(mmk_is_aligned(start, align) && start >= VAS_BASE && start + size <= VAS_BASE + VAS_SIZE,
	      start, align);
	CHECK(n->r.start == start && n->r.end == start + size, start, size);
	CHECK(!overlaps_live(start, size), start, size);
	n->live = true;
}

/* ------------------------------------------------------------ invariants */

static unsigned walked;

static int visit_scratch(void *ctx, const struct mmk_mmu_mapping *m)
{
	(void)ctx;
	for (uint64_t off = 0; off < (1ull << m->page_shift); off += P) {
		mmk_vaddr_t va = m->va + (mmk_vaddr_t)off;
		if (va < k.base || va >= page_va(k.pages))
			continue;
		const struct kpage *p = &k.page[(va - k.base) / P];
		bool w = (m->flags & MMK_PROT_WRITE) != 0;
		if (!CHECK(p->state != PAGE_NONE && p->pa == m->pa + off && w == (p->state == PAGE_RW),
			   va, m->pa + off))
			return 1;
		walked++;
	}
	return 0;
}

static void check_all(void)
{
	CHECK(mmk_pmm_check(k.pmm) == 0, 0, 0);
	CHECK(mmk_kheap_check(kernel_heap()) == 0, 0, 0);
	CHECK(mmk_vas_check(&kernel_kvm()->vas) == 0, 0, 0);
	CHECK(mmk_vas_check(&k.vas) == 0, 0, 0);
	walked = 0;
	mmk_mmu_walk(&k.mmu->kernel, k.base, page_va(k.pages), visit_scratch, NULL);
	unsigned mapped = 0;
	for (unsigned i = 0; i < k.pages; i++) {
		const struct kpage *p = &k.page[i];
		if (p->state == PAGE_NONE)
			continue;
		mapped++;
		CHECK(frame_holds(p->pa, p->tag), p->pa, p->tag);
		CHECK(mmk_pmm_refcount(k.pmm, p->pa) == 1, p->pa, i);
	}
	CHECK(walked == mapped, walked, mapped);
	for (unsigned n = 0; n < 16; n++) /* a sample through the CPU */
		check_page_by_cpu(stress_below(k.s, k.pages));
	for (unsigned i = 0; i < OBJECTS; i++) {
		const struct object *o = &k.obj[i];
		if (o->p) {
			CHECK(mmk_kheap_usable_size(kernel_heap(), o->p) >= o->size, (uintptr_t)o->p, o->size);
			CHECK(object_holds(o, o->p, o->size), (uintptr_t)o->p, o->size);
		}
	}
	for (unsigned i = 0; i < WINDOWS; i++)
		if (k.win[i].live)
			check_window(&k.win[i]);
	for (unsigned i = 0; i < BLOCKS; i++)
		if (k.blk[i].refs)
			CHECK(frame_holds(k.blk[i].pa, k.blk[i].tag) &&
				      mmk_pmm_refcount(k.pmm, k.blk[i].pa) == k.blk[i].refs,
			      k.blk[i].pa, k.blk[i].refs);
	for (unsigned i = 0; i < NODES; i++)
		if (k.node[i].live)
			CHECK(mmk_vas_lookup(&k.vas, k.node[i].r.end - 1) == &k.node[i].r, k.node[i].r.start, i);
}

/* ------------------------------------------------------------ the phase */

/* The scratch range: two of the largest pages up to 4 MiB the machine has, aligned to
 * one, where the window has room; else SCRATCH_SMALL pages without large ones. */
static bool setup(struct stress *s)
{
	memset(&k, 0, sizeof(k));
	k.s = s;
	k.mmu = kernel_mmu();
	k.pmm = k.mmu->pmm;
	unsigned shifts = mmk_mmu_page_shifts(k.mmu);
	for (unsigned sh = 22; sh > 12 && !k.large_shift; sh--)
		if (shifts & (1u << sh))
			k.large_shift = sh;
	k.pages = k.large_shift ? 2u << (k.large_shift - 12) : SCRATCH_SMALL;
	if (k.pages < SCRATCH_SMALL)
		k.pages = SCRATCH_SMALL;
	mmk_vsize_t align = k.large_shift ? (mmk_vsize_t)1 << k.large_shift : P;
	if (mmk_kvm_pages_alloc(kernel_kvm(), &k.scratch, k.pages, align, MMK_VAS_LOWEST) != 0) {
		k.large_shift = 0;
		k.pages = SCRATCH_SMALL;
		if (!CHECK(mmk_kvm_pages_alloc(kernel_kvm(), &k.scratch, k.pages, P, MMK_VAS_LOWEST) == 0,
			   k.pages, 0))
			return false;
	}
	k.base = k.scratch.range.start;
	mmk_vas_init(&k.vas, VAS_BASE, VAS_BASE + VAS_SIZE);
	ktest_log("kernel: scratch [0x%llx, 0x%llx), %s pages of %u KiB", (unsigned long long)k.base,
		  (unsigned long long)page_va(k.pages), k.large_shift ? "large" : "no large",
		  k.large_shift ? 1u << (k.large_shift - 10) : 0);
	return true;
}

static void teardown(void)
{
	unmap_mapped_runs(0, k.pages);
	CHECK(mmk_kvm_pages_release(&k.scratch, false) == 0, k.base, 0);
	for (unsigned i = 0; i < OBJECTS; i++)
		if (k.obj[i].p)
			CHECK(mmk_kfree(k.obj[i].p) == 0, (uintptr_t)k.obj[i].p, i);
	for (unsigned i = 0; i < WINDOWS; i++) {
		struct window *w = &k.win[i];
		if (w->live)
			CHECK(mmk_kvm_pages_release(&w->pages, !w->mmio) == 0, i, 0);
		if (w->live && w->mmio)
			give_frames(w->pa, 1);
	}
	for (unsigned i = 0; i < BLOCKS; i++)
		for (; k.blk[i].refs; k.blk[i].refs--)
			CHECK(mmk_pmm_free_block(k.pmm, k.blk[i].pa, k.blk[i].order) == 0, k.blk[i].pa, i);
}

void stress_kernel_run(struct stress *s, uint64_t ops)
{
	if (!setup(s))
		return;
	for (s->step = 0; s->step < ops && !s->broken; s->step++) {
		unsigned op = stress_below(s, 36);
		if (op < 7)
			op_map();
		else if (op < 12)
			op_unmap();
		else if (op < 15)
			op_protect();
		else if (op < 20)
			op_touch();
		else if (op < 21)
			op_remap();
		else if (op < 22)
			op_large();
		else if (op < 29)
			op_heap();
		else if (op < 31)
			op_window();
		else if (op < 34)
			op_block();
		else if (op < 35)
			op_vas();
		else { /* the next operation's nth allocation fails: it fails whole, or works */
			mmk_pmm_inject_failure(k.pmm, 1 + stress_below(s, 4));
			k.injected++;
			continue;
		}
		mmk_pmm_inject_failure(k.pmm, 0);
		if ((s->step + 1) % STRESS_BATCH == 0 && !s->broken)
			check_all();
	}
	if (!s->broken)
		check_all();
	mmk_pmm_inject_failure(k.pmm, 0);
	teardown();
	ktest_log("kernel: %llu large pages mapped, %llu CPU accesses faulted as the model said, "
		  "%llu heap operations, %llu injected allocation failures",
		  (unsigned long long)k.large_maps, (unsigned long long)k.faults,
		  (unsigned long long)k.heap_calls, (unsigned long long)k.injected);
}
