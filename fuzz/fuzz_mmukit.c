/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target over one machine's simulator (built once per machine: the backend
 * and simulator are chosen by the link, as for the host tests). An input is a sequence
 * of operations, a few bytes each, over several spaces at once: VM regions mapped,
 * unmapped, touched through the simulated CPU (demand-zero and copy-on-write faults),
 * forked, destroyed, switched to; raw MMU spaces mapped, unmapped and protected page by
 * page against a model; kernel heap allocations (kmalloc / kfree / krealloc), kernel
 * window pages and stacks, PMM blocks; and injected allocation failures.
 *
 * After every step: every *_check() (PMM, heap, every VAS), every page of every raw
 * space against the model, mmk_mmu_query and the machine's reference walk, every VM
 * frame's PMM reference count equal to the mappings of it, no stale TLB entry, no
 * table used after it was freed, no global user page. At the end everything is torn
 * down and every frame must be back (kernel tables, which every space shares and
 * which stay, aside). A broken invariant aborts: libFuzzer keeps the input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mmukit/errno.h>
#include <mmukit/kheap.h>
#include <mmukit/ktest.h>
#include <mmukit/kvm.h>
#include <mmukit/mmu.h>
#include <mmukit/pmm.h>
#include <mmukit/pt.h>
#include <mmukit/vas.h>
#include <mmukit/vm.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define K4 ((mmk_vsize_t)4096)
#define VM_SPACES 4
#define RAW_SPACES 2
#define RAW_PAGES 64          /* each raw space's model window */
#define REGION_SLOTS 64       /* VM region area: pages from the space's window base */
#define OBJECTS 16
#define HANDLES 4
#define BLOCKS 4

/* The last operations, printed when an invariant breaks. */
static unsigned trace[16][2], traced;

static void fail(const char *what, unsigned long long a, unsigned long long b)
{
	fprintf(stderr, "fuzz: %s (0x%llx, 0x%llx)\n", what, a, b);
	for (unsigned i = traced > 16 ? traced - 16 : 0; i < traced; i++)
		fprintf(stderr, "fuzz:   step %u: op %u arg %u\n", i, trace[i % 16][0] % 12,
			trace[i % 16][1]);
	abort();
}

#define CHECK(cond, a, b) do { if (!(cond)) fail(#cond, (a), (b)); } while (0)

/* ------------------------------------------------------------ state */

struct raw_page {
	bool mapped;
	mmk_paddr_t pa;
	bool writable;
};

struct object {
	void *p;
	size_t size;
	uint8_t seed;
};

static struct state {
	struct mmk_kheap heap;
	struct mmk_vm vm;
	struct mmk_vm_space vm_spaces[VM_SPACES];
	bool vm_live[VM_SPACES];
	struct mmk_mmu_space raw[RAW_SPACES];
	bool raw_live[RAW_SPACES];
	struct raw_page model[RAW_SPACES][RAW_PAGES];
	struct object objects[OBJECTS];
	struct mmk_kvm_pages handles[HANDLES];
	bool handle_live[HANDLES];
	mmk_paddr_t blocks[BLOCKS];
	unsigned block_order[BLOCKS];
	bool block_live[BLOCKS];
	mmk_vaddr_t window; /* user base of the regions and raw pages */
} st;

static struct mmk_mmu *mmu(void)
{
	return ktest_env_mmu();
}

static struct mmk_pmm *pmm(void)
{
	return ktest_env_pmm();
}

/* The frame a raw page maps: RAM the PMM does not hand out twice (taken for the run). */
static mmk_paddr_t raw_frames[RAW_PAGES];

/* ------------------------------------------------------------ input */

struct input {
	const uint8_t *p;
	size_t left;
};

static unsigned take(struct input *in)
{
	if (!in->left)
		return 0;
	in->left--;
	return *in->p++;
}

/* ------------------------------------------------------------ checks */

struct frame_count {
	mmk_paddr_t pa[4096];
	unsigned n;
};

static int collect(void *ctx, const struct mmk_mmu_mapping *m)
{
	struct frame_count *c = ctx;
	CHECK(!(m->flags & MMK_PROT_GLOBAL), m->va, m->flags); /* never a global user page */
	CHECK(m->flags & MMK_PROT_USER, m->va, m->flags);
	if (m->page_shift == 12 && c->n < MMK_ARRAY_SIZE(c->pa))
		c->pa[c->n++] = m->pa;
	return 0;
}

/* Every VM space: its regions, amaps and objects agree with every mapped page (a page
 * writable only where its frame has one holder), and its VAS is sound. */
static void check_vm_frames(void)
{
	for (unsigned i = 0; i < VM_SPACES; i++) {
		if (!st.vm_live[i])
			continue;
		CHECK(mmk_vm_check(&st.vm_spaces[i]) == 0, i, 0);
		struct frame_count none = {.n = 0};
		mmk_mmu_walk(&st.vm_spaces[i].mmu, 0, mmk_mmu_user_end(mmu()), collect, &none);
	}
}

/* Every page of every raw space: model, query and the reference walk agree. */
static void check_raw(void)
{
	for (unsigned s = 0; s < RAW_SPACES; s++) {
		if (!st.raw_live[s])
			continue;
		unsigned leaves = 0;
		mmk_mmu_walk(&st.raw[s], 0, mmk_mmu_user_end(mmu()), collect, &(struct frame_count){0});
		for (unsigned i = 0; i < RAW_PAGES; i++) {
			mmk_vaddr_t va = st.window + i * K4;
			const struct raw_page *p = &st.model[s][i];
			struct mmk_mmu_mapping m;
			struct ktest_ref r;
			int q = mmk_mmu_query(&st.raw[s], va, &m);
			bool ref = ktest_env_ref_translate(&st.raw[s], va, &r);
			if (!p->mapped) {
				CHECK(q == -MMK_ENOENT && !ref, va, (unsigned)q);
				continue;
			}
			leaves++;
			CHECK(q == 0 && m.pa + (va - m.va) == p->pa, va, m.pa);
			CHECK(!(m.flags & MMK_PROT_GLOBAL), va, m.flags);
			CHECK(ref && r.pa == p->pa && r.user && r.writable == p->writable, va, r.pa);
		}
		(void)leaves;
	}
}

static void check_objects(void)
{
	for (unsigned i = 0; i < OBJECTS; i++) {
		struct object *o = &st.objects[i];
		if (!o->p)
			continue;
		CHECK(mmk_kheap_usable_size(&st.heap, o->p) >= o->size, (mmk_vaddr_t)o->p, o->size);
		for (size_t k = 0; k < o->size; k += 97) {
			uint8_t *b = mmk_mmu_kernel_pointer(mmu(), (mmk_vaddr_t)o->p + k);
			CHECK(*b == (uint8_t)(o->seed + k), (mmk_vaddr_t)o->p + k, *b);
		}
	}
}

static void check_all(void)
{
	CHECK(mmk_pmm_check(pmm()) == 0, 0, 0);
	CHECK(mmk_kheap_check(&st.heap) == 0, 0, 0);
	CHECK(mmk_vas_check(&ktest_env_kvm()->vas) == 0, 0, 0);
	CHECK(ktest_env_stale_tlb_entries() == 0, 0, 0);
	CHECK(ktest_env_freed_table_uses() == 0, 0, 0);
	check_vm_frames();
	check_raw();
	check_objects();
}

/* ------------------------------------------------------------ operations */

static const unsigned prots[] = {
	MMK_PROT_READ | MMK_PROT_USER,
	MMK_PROT_READ | MMK_PROT_WRITE | MMK_PROT_USER,
	MMK_PROT_WRITE | MMK_PROT_USER, /* READ implied */
	MMK_PROT_READ | MMK_PROT_EXEC | MMK_PROT_USER,
	MMK_PROT_READ | MMK_PROT_WRITE | MMK_PROT_GLOBAL | MMK_PROT_USER, /* never global */
};

static void op_vm_create(unsigned i)
{
	if (!st.vm_live[i])
		st.vm_live[i] = mmk_vm_space_create(&st.vm, &st.vm_spaces[i]) == 0;
}

static void op_vm_destroy(unsigned i)
{
	if (!st.vm_live[i])
		return;
	if (mmu()->active == &st.vm_spaces[i].mmu)
		mmk_mmu_activate(&mmu()->kernel);
	CHECK(mmk_vm_space_destroy(&st.vm_spaces[i]) == 0, i, 0);
	st.vm_live[i] = false;
}

static void op_vm_map(unsigned i, struct input *in)
{
	if (!st.vm_live[i])
		return;
	unsigned slot = take(in) % REGION_SLOTS, pages = 1 + take(in) % 8;
	unsigned kind = take(in);
	mmk_vaddr_t va = st.window + (mmk_vaddr_t)(RAW_PAGES + slot) * K4;
	unsigned prot = prots[kind % MMK_ARRAY_SIZE(prots)];
	if (kind & 0x80)
		(void)mmk_vm_map_stack(&st.vm_spaces[i], &va, pages * K4, K4, prot);
	else
		(void)mmk_vm_map_anon(&st.vm_spaces[i], &va, pages * K4, prot);
}

static void op_vm_unmap(unsigned i, struct input *in)
{
	if (!st.vm_live[i])
		return;
	unsigned slot = take(in) % (REGION_SLOTS + 8), pages = 1 + take(in) % 8;
	unsigned what = take(in);
	mmk_vaddr_t va = st.window + (mmk_vaddr_t)(RAW_PAGES + slot) * K4;
	if (what & 0x80)
		(void)mmk_vm_protect(&st.vm_spaces[i], va, pages * K4, prots[what % MMK_ARRAY_SIZE(prots)]);
	else
		(void)mmk_vm_unmap(&st.vm_spaces[i], va, pages * K4);
}

static void op_vm_touch(unsigned i, struct input *in)
{
	if (!st.vm_live[i])
		return;
	unsigned slot = take(in) % (REGION_SLOTS + 8), how = take(in);
	mmk_vaddr_t va = st.window + (mmk_vaddr_t)(RAW_PAGES + slot) * K4 + (how & 0x3C) * 4;
	uint32_t v = how;
	mmk_mmu_activate(&st.vm_spaces[i].mmu);
	(void)ktest_env_access(va, how & 1, &v);
}

static void op_vm_fork(unsigned i, unsigned j)
{
	if (!st.vm_live[i] || st.vm_live[j])
		return;
	st.vm_live[j] = mmk_vm_fork(&st.vm_spaces[i], &st.vm_spaces[j]) == 0;
}

static void op_switch(unsigned i)
{
	if (i < VM_SPACES && st.vm_live[i])
		mmk_mmu_activate(&st.vm_spaces[i].mmu);
	else if (i >= VM_SPACES && i < VM_SPACES + RAW_SPACES && st.raw_live[i - VM_SPACES])
		mmk_mmu_activate(&st.raw[i - VM_SPACES]);
	else
		mmk_mmu_activate(&mmu()->kernel);
}

static void op_raw(unsigned s, struct input *in)
{
	unsigned what = take(in), first = take(in) % RAW_PAGES, n = 1 + take(in) % 8;
	if (first + n > RAW_PAGES)
		n = RAW_PAGES - first;
	if (!st.raw_live[s]) {
		st.raw_live[s] = mmk_mmu_space_create(mmu(), &st.raw[s]) == 0;
		memset(st.model[s], 0, sizeof(st.model[s]));
		return;
	}
	mmk_vaddr_t va = st.window + first * K4;
	unsigned prot = prots[(what >> 2) % MMK_ARRAY_SIZE(prots)];
	bool writable = prot & MMK_PROT_WRITE;
	int err;
	switch (what & 3) {
	case 0: /* map n pages, contiguous frames from raw_frames[first] */
		err = -1;
		if (mmk_is_aligned(raw_frames[first], K4)) {
			bool run = true;
			for (unsigned k = 1; k < n; k++)
				run = run && raw_frames[first + k] == raw_frames[first] + k * K4;
			if (!run)
				n = 1;
			err = mmk_mmu_map(&st.raw[s], va, raw_frames[first], n * K4, prot, 0);
		}
		if (err == 0)
			for (unsigned k = 0; k < n; k++)
				st.model[s][first + k] = (struct raw_page){true, raw_frames[first + k], writable};
		break;
	case 1:
		err = mmk_mmu_unmap(&st.raw[s], va, n * K4, NULL);
		if (err == 0)
			for (unsigned k = 0; k < n; k++)
				st.model[s][first + k].mapped = false;
		break;
	case 2:
		err = mmk_mmu_protect(&st.raw[s], va, n * K4, prot, NULL);
		if (err == 0)
			for (unsigned k = 0; k < n; k++)
				st.model[s][first + k].writable = writable;
		break;
	default:
		if (mmu()->active == &st.raw[s])
			mmk_mmu_activate(&mmu()->kernel);
		CHECK(mmk_mmu_space_destroy(&st.raw[s], NULL, NULL) == 0, s, 0);
		st.raw_live[s] = false;
		/* used after destroy: refused, never followed */
		CHECK(mmk_mmu_map(&st.raw[s], va, raw_frames[0], K4, prot, 0) == -MMK_EINVAL, va, 0);
		return;
	}
	(void)err;
}

static void fill_object(struct object *o)
{
	for (size_t k = 0; k < o->size; k++)
		*(uint8_t *)mmk_mmu_kernel_pointer(mmu(), (mmk_vaddr_t)o->p + k) = (uint8_t)(o->seed + k);
}

static void op_heap(struct input *in)
{
	unsigned what = take(in), i = take(in) % OBJECTS;
	size_t size = (size_t)take(in) << (take(in) % 16);
	struct object *o = &st.objects[i];
	switch (what % 4) {
	case 0:
		if (o->p)
			break;
		o->p = mmk_kheap_alloc(&st.heap, size);
		o->size = o->p ? size : 0;
		o->seed = (uint8_t)what;
		if (o->p)
			fill_object(o);
		break;
	case 1:
		CHECK(mmk_kheap_free(&st.heap, o->p) == 0, (mmk_vaddr_t)o->p, 0);
		*o = (struct object){0};
		break;
	case 2: {
		if (!o->p || size == 0)
			break;
		void *p = mmk_kheap_realloc(&st.heap, o->p, size);
		if (!p)
			break; /* unchanged */
		o->p = p;
		if (size < o->size)
			o->size = size;
		break;
	}
	default: { /* hostile: frees of what is not an allocation change nothing */
		mmk_vaddr_t bad = o->p ? (mmk_vaddr_t)o->p + 1 + (what >> 2) % 15 : 0;
		if (bad)
			CHECK(mmk_kheap_free(&st.heap, (void *)bad) == -MMK_EINVAL, bad, 0);
		for (unsigned h = 0; h < HANDLES; h++)
			if (st.handle_live[h])
				CHECK(mmk_kheap_free(&st.heap, (void *)st.handles[h].range.start) ==
					      -MMK_EINVAL, h, 0);
		CHECK(mmk_kheap_alloc(&st.heap, (size_t)1 << 44) == NULL, 0, 0);
		CHECK(mmk_kheap_calloc(&st.heap, (size_t)-1 / 3, 5) == NULL, 0, 0);
		break;
	}
	}
}

static void op_window(struct input *in)
{
	unsigned what = take(in), h = take(in) % HANDLES, pages = 1 + take(in) % 4;
	struct mmk_kvm_pages *p = &st.handles[h];
	if (st.handle_live[h]) {
		CHECK(mmk_kvm_pages_release(p, true) == 0, h, 0);
		st.handle_live[h] = false;
		return;
	}
	mmk_vaddr_t top;
	if (what & 1) {
		st.handle_live[h] = mmk_kvm_stack_alloc(ktest_env_kvm(), p, pages, &top) == 0;
		return;
	}
	if (mmk_kvm_pages_alloc(ktest_env_kvm(), p, pages, K4, MMK_VAS_LOWEST) != 0)
		return;
	st.handle_live[h] = true;
	for (unsigned k = 0; k < pages; k += 2) { /* every other page mapped */
		mmk_paddr_t pa;
		if (mmk_pmm_alloc(pmm(), &pa) != 0)
			break;
		if (mmk_kvm_pages_map(p, p->range.start + k * K4, pa,
				      MMK_PROT_READ | MMK_PROT_WRITE | MMK_PROT_GLOBAL) != 0)
			CHECK(mmk_pmm_free(pmm(), pa) == 0, pa, 0);
	}
}

static void op_block(struct input *in)
{
	unsigned i = take(in) % BLOCKS, order = take(in) % 6;
	if (st.block_live[i]) {
		CHECK(mmk_pmm_free_block(pmm(), st.blocks[i], st.block_order[i]) == 0, st.blocks[i], 0);
		st.block_live[i] = false;
	} else if (mmk_pmm_alloc_block(pmm(), order, &st.blocks[i]) == 0) {
		st.block_order[i] = order;
		st.block_live[i] = true;
	}
}

/* ------------------------------------------------------------ one input */

static bool ready;
static uint64_t start_free, start_tables;

static void setup(void)
{
	if (ready)
		return;
	/* Frames for raw mappings: taken once, never handed out by the PMM meanwhile. */
	for (unsigned i = 0; i < RAW_PAGES; i++)
		CHECK(mmk_pmm_alloc(pmm(), &raw_frames[i]) == 0, i, 0);
	ready = true;
}

static void teardown(void)
{
	mmk_pmm_inject_failure(pmm(), 0);
	mmk_mmu_activate(&mmu()->kernel);
	CHECK(ktest_env_freed_table_uses() == 0, 1, 0);
	for (unsigned i = 0; i < VM_SPACES; i++) {
		op_vm_destroy(i);
		CHECK(ktest_env_freed_table_uses() == 0, 2, i);
	}
	for (unsigned s = 0; s < RAW_SPACES; s++)
		if (st.raw_live[s]) {
			CHECK(mmk_mmu_space_destroy(&st.raw[s], NULL, NULL) == 0, s, 0);
			st.raw_live[s] = false;
		}
	CHECK(ktest_env_freed_table_uses() == 0, 3, 0);
	mmk_vm_fini(&st.vm);
	for (unsigned i = 0; i < OBJECTS; i++)
		if (st.objects[i].p) {
			CHECK(mmk_kheap_free(&st.heap, st.objects[i].p) == 0, i, 0);
			st.objects[i] = (struct object){0};
		}
	CHECK(ktest_env_freed_table_uses() == 0, 4, 0);
	for (unsigned h = 0; h < HANDLES; h++)
		if (st.handle_live[h]) {
			CHECK(mmk_kvm_pages_release(&st.handles[h], true) == 0, h, 0);
			st.handle_live[h] = false;
		}
	CHECK(ktest_env_freed_table_uses() == 0, 5, 0);
	for (unsigned i = 0; i < BLOCKS; i++)
		if (st.block_live[i]) {
			CHECK(mmk_pmm_free_block(pmm(), st.blocks[i], st.block_order[i]) == 0, i, 0);
			st.block_live[i] = false;
		}
	CHECK(ktest_env_freed_table_uses() == 0, 6, 0);
	CHECK(st.heap.stats.objects == 0, st.heap.stats.objects, 0);
	mmk_kheap_trim(&st.heap); /* the empty slab pages it kept */
	CHECK(st.heap.stats.pages == 0, st.heap.stats.pages, 0);
	CHECK(mmk_kheap_check(&st.heap) == 0, 0, 0);
	struct mmk_pmm_stats s;
	mmk_pmm_get_stats(pmm(), &s);
	uint64_t tables = mmu()->kernel.table_pages - start_tables;
	CHECK(s.free_frames + tables == start_free, s.free_frames, start_free);
	check_all();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	memset(&st, 0, sizeof(st));
	mmk_kheap_init(&st.heap, ktest_env_kvm());
	st.window = mmk_mmu_user_base(mmu()) + MMK_MIB;
	struct mmk_pmm_stats s;
	mmk_pmm_get_stats(pmm(), &s);
	start_free = s.free_frames;
	start_tables = mmu()->kernel.table_pages;
	CHECK(mmk_vm_init(&st.vm, mmu(), ktest_env_malloc, ktest_env_free) == 0, 0, 0);
	struct input in = {data, size};
	traced = 0;
	for (unsigned steps = 0; in.left && steps < 256; steps++) {
		unsigned op = take(&in), arg = take(&in);
		trace[traced % 16][0] = op;
		trace[traced % 16][1] = arg;
		traced++;
		switch (op % 12) {
		case 0: op_vm_create(arg % VM_SPACES); break;
		case 1: op_vm_destroy(arg % VM_SPACES); break;
		case 2: op_vm_map(arg % VM_SPACES, &in); break;
		case 3: op_vm_unmap(arg % VM_SPACES, &in); break;
		case 4: op_vm_touch(arg % VM_SPACES, &in); break;
		case 5: op_vm_fork(arg % VM_SPACES, (arg >> 2) % VM_SPACES); break;
		case 6: op_switch(arg % (VM_SPACES + RAW_SPACES + 1)); break;
		case 7: op_raw(arg % RAW_SPACES, &in); break;
		case 8: op_heap(&in); break;
		case 9: op_window(&in); break;
		case 10: op_block(&in); break;
		default: mmk_pmm_inject_failure(pmm(), arg % 8); break; /* 0: off */
		}
		if (op % 12 != 11)
			mmk_pmm_inject_failure(pmm(), 0);
		check_all();
	}
	teardown();
	return 0;
}
