/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The stress run's VM-level phase (kernel/stress.h): up to four user spaces of a VM of
 * the stress run's own, created, mapped, unmapped, protected, forked and destroyed at
 * random, and touched through the real CPU from the kernel (the probes of
 * ktest_env_access) - so first touches are real zero-fill faults (a read maps the zero
 * page, a write gets a frame) and writes to pages shared since a fork real
 * copy-on-write faults. Mappings are private or shared anonymous memory, placed with
 * mmk_vm_map_anon, or mmk_vm_map with MMK_VM_NOREPLACE or MMK_VM_FIXED (which replaces
 * what is there), frames of the phase's own as physical objects (mmk_vm_map_phys,
 * given back once nothing maps them), objects of a pager of its own mapped private or
 * shared (each page's words known from the object and offset; the pager must hear of
 * every object's end), and stacks that grow down on demand above a
 * guard that always faults (mmk_vm_map_stack); unmaps and protects take any page range
 * that holds no stack, cutting regions. The model
 * knows, for each page of a window of each space, whether it is mapped, writable,
 * private (its two words: first and last, 0 until written) or shared (which object
 * and page, whose words every space mapping it sees). A read must see the model's
 * words, a write to a read-only or unmapped page must fault and change nothing, a
 * private write never shows in another space and a shared one shows in all.
 * Bad requests (write + execute, unaligned, size 0, outside the user half, no access)
 * must fail with their documented error. Now and then the next operation's nth PMM
 * allocation fails: it must fail whole (a touch then faults, changing nothing) or work.
 * After every STRESS_BATCH operations: each space's region VAS check, mmk_vm_check
 * (every mapped page is the frame its region's amap or object holds), its walk against
 * the model (user, never global, inside the window, writable only where the model
 * says, the frame's words as the model says), mmk_pmm_check and mmk_kheap_check.
 */
#include <mmukit/errno.h>
#include <mmukit/kheap.h>
#include <mmukit/ktest.h>
#include <mmukit/pmm.h>
#include <mmukit/services.h>
#include <mmukit/vm.h>

#include "lib/string.h"
#include "platform.h"
#include "stress.h"

#define P MMK_PAGE_SIZE
#define SPACES 4
#define VPAGES 256     /* the model's window of user pages in each space */
#define MAX_PAGES 16   /* of one mapping */
#define OBJECTS 32     /* shared objects the model follows at once */
#define UR (MMK_PROT_READ | MMK_PROT_USER)
#define URW (MMK_PROT_READ | MMK_PROT_WRITE | MMK_PROT_USER)

enum { OP_CREATE = 1, OP_DESTROY, OP_MAP, OP_BAD_MAP, OP_FORK, OP_TOUCH, OP_UNMAP, OP_PROTECT };
enum { PAGE_NONE, PAGE_PRIVATE, PAGE_SHARED, PAGE_STACK, PAGE_GUARD };

struct vpage {
	uint8_t kind; /* PAGE_* */
	bool rw;
	uint8_t obj, obj_page; /* shared: which object, which of its pages */
	uint32_t val[2];       /* private: the page's first and last word */
};

struct vspace {
	bool live;
	struct mmk_vm_space s;
	struct vpage page[VPAGES];
};

static struct {
	struct stress *s;
	struct mmk_mmu *mmu;
	struct mmk_pmm *pmm;
	struct mmk_vm vm;
	mmk_vaddr_t base;
	struct vspace sp[SPACES];
	uint32_t obj_val[OBJECTS][MAX_PAGES][2]; /* shared objects' words */
	mmk_paddr_t phys_pa[OBJECTS];            /* physical objects: our frames, */
	unsigned phys_pages[OBJECTS];            /* given back once nothing maps them */
	struct pager_slot {
		bool live;    /* the object exists (its release not called yet) */
		uint32_t tag; /* its pages' words derive from it */
	} pager[OBJECTS];
	bool injecting; /* the operation's nth PMM allocation fails */
	uint64_t injected, maps, phys_maps, pager_maps, stacks, unmaps, protects;
} v;

#define CHECK(cond, a, b) STRESS_CHECK(v.s, cond, a, b)

static mmk_vaddr_t page_va(unsigned page)
{
	return v.base + (mmk_vaddr_t)page * P;
}

/* The words page holds in the model. */
static uint32_t *words_of(struct vpage *p)
{
	return p->kind == PAGE_SHARED ? v.obj_val[p->obj][p->obj_page] : p->val;
}

/* ------------------------------------------------------------ operations */

static void op_create(struct vspace *sp)
{
	stress_trace(v.s, OP_CREATE, (uintptr_t)sp, 0);
	int err = mmk_vm_space_create(&v.vm, &sp->s);
	if (err) {
		CHECK(err == -MMK_ENOMEM || err == -MMK_ENOSPC, (unsigned)err, 0);
		return;
	}
	sp->live = true;
	memset(sp->page, 0, sizeof(sp->page));
}

static void op_destroy(struct vspace *sp)
{
	stress_trace(v.s, OP_DESTROY, (uintptr_t)sp, 0);
	if (v.mmu->active == &sp->s.mmu) {
		CHECK(mmk_vm_space_destroy(&sp->s) == -MMK_EBUSY, (uintptr_t)sp, 0);
		mmk_mmu_activate(&v.mmu->kernel);
	}
	CHECK(mmk_vm_space_destroy(&sp->s) == 0, (uintptr_t)sp, 0);
	CHECK(mmk_vm_space_destroy(&sp->s) == -MMK_EINVAL, (uintptr_t)sp, 0);
	sp->live = false;
}

static bool any_mapped(const struct vspace *sp, unsigned first, unsigned pages)
{
	for (unsigned j = 0; j < pages; j++)
		if (sp->page[first + j].kind != PAGE_NONE)
			return true;
	return false;
}

/* True when a page of the range is a stack's or its guard's: unmaps, protects and fixed
 * maps leave stacks alone (a stack goes with its space). */
static bool touches_stack(const struct vspace *sp, unsigned first, unsigned pages)
{
	for (unsigned j = 0; j < pages; j++)
		if (sp->page[first + j].kind >= PAGE_STACK)
			return true;
	return false;
}

/* A stack of pages - 1 pages above a one-page guard at first, growing down on demand:
 * every page of it reads as zero until written, the guard always faults. */
static void map_stack(struct vspace *sp, unsigned first, unsigned pages)
{
	if (pages < 2 || any_mapped(sp, first, pages))
		return;
	mmk_vaddr_t va = page_va(first + 1);
	int err = mmk_vm_map_stack(&sp->s, &va, (mmk_vsize_t)(pages - 1) * P, P, URW);
	if (err == -MMK_ENOMEM)
		return;
	if (!CHECK(err == 0 && va == page_va(first + 1), page_va(first + 1), (unsigned)err))
		return;
	v.stacks++;
	sp->page[first] = (struct vpage){.kind = PAGE_GUARD};
	for (unsigned j = 1; j < pages; j++)
		sp->page[first + j] = (struct vpage){.kind = PAGE_STACK, .rw = true};
}

/* A shared object slot no page of any live space uses (-1: none), after giving back
 * the frames of every physical object nothing maps any more. */
static int sweep_objects(void)
{
	bool used[OBJECTS] = {0};
	for (unsigned i = 0; i < SPACES; i++)
		for (unsigned p = 0; v.sp[i].live && p < VPAGES; p++)
			if (v.sp[i].page[p].kind == PAGE_SHARED)
				used[v.sp[i].page[p].obj] = true;
	int slot = -1;
	for (unsigned o = 0; o < OBJECTS; o++) {
		if (used[o])
			continue;
		for (; v.phys_pages[o]; v.phys_pages[o]--)
			CHECK(mmk_pmm_free(v.pmm, v.phys_pa[o] + (v.phys_pages[o] - 1) * P) == 0, o, 0);
		if (slot < 0 && !v.pager[o].live)
			slot = (int)o;
	}
	return slot;
}

/* A pager of the phase's own: each page a fresh frame with words derived from the
 * object's tag and the page's offset (so the model knows them in advance). */
static uint32_t pager_word(const struct pager_slot *pg, uint64_t offset)
{
	return pg->tag ^ ((uint32_t)(offset >> 12) * 0x9E3779B1u);
}

static int pager_get(void *ctx, uint64_t offset, mmk_paddr_t *pa)
{
	int err = mmk_pmm_alloc(v.pmm, pa);
	if (err)
		return err;
	uint32_t *w = mmk_mmu_frame_pointer(v.mmu, *pa);
	w[0] = pager_word(ctx, offset);
	w[P / 4 - 1] = ~w[0];
	return 0;
}

static void pager_release(void *ctx)
{
	struct pager_slot *pg = ctx;
	CHECK(pg->live, (uintptr_t)pg, 0); /* once */
	pg->live = false;
}

static const struct mmk_vm_pager_ops pager_ops = {pager_get, pager_release};

/* pages of a new pager object, from page off of it, mapped private (copy-on-write: a
 * page reads the pager's words until written) or shared (one memory), NOREPLACE or
 * FIXED; the caller's reference is dropped at once, so the object lives as long as
 * its mappings, and its pager hears of its end then. */
static void map_pager(struct vspace *sp, unsigned first, unsigned pages, bool rw, bool shared,
		      bool fixed, int o)
{
	unsigned off = stress_below(v.s, 4);
	struct pager_slot *pg = &v.pager[o];
	*pg = (struct pager_slot){.live = true, .tag = (uint32_t)stress_random(v.s)};
	struct mmk_vm_object *obj;
	int err = mmk_vm_object_pager(&v.vm, (uint64_t)(pages + off) * P, &pager_ops, pg, &obj);
	if (err) {
		CHECK(err == -MMK_ENOMEM, o, (unsigned)err);
		pg->live = false;
		return;
	}
	mmk_vaddr_t va = page_va(first);
	err = mmk_vm_map(&sp->s, &va, (mmk_vsize_t)pages * P, rw ? URW : UR,
			 (fixed ? MMK_VM_FIXED : MMK_VM_NOREPLACE) | (shared ? MMK_VM_SHARED : 0), obj,
			 (uint64_t)off * P);
	mmk_vm_object_release(&v.vm, obj); /* the region holds it now, or nobody */
	if (!fixed && any_mapped(sp, first, pages)) {
		CHECK(err == -MMK_EEXIST || err == -MMK_ENOMEM, page_va(first), (unsigned)err);
		return;
	}
	if (err == -MMK_ENOMEM)
		return;
	if (!CHECK(err == 0 && va == page_va(first), page_va(first), (unsigned)err))
		return;
	v.pager_maps++;
	for (unsigned j = 0; j < pages; j++) {
		uint32_t x = pager_word(pg, (uint64_t)(off + j) * P);
		struct vpage *p = &sp->page[first + j];
		*p = (struct vpage){.kind = shared ? PAGE_SHARED : PAGE_PRIVATE, .rw = rw, .obj = (uint8_t)o,
				    .obj_page = (uint8_t)j, .val = {x, ~x}};
		if (shared) {
			v.obj_val[o][j][0] = x;
			v.obj_val[o][j][1] = ~x;
		}
	}
}

/* Frames of ours shown as a physical object at [first, first + 2^order) (the range is
 * free): what a device or a frame buffer mapping is; every space sharing it sees its
 * words. */
static void map_phys(struct vspace *sp, unsigned first, unsigned order, bool rw, int obj)
{
	unsigned pages = 1u << order;
	mmk_paddr_t pa;
	if (mmk_pmm_alloc_block(v.pmm, order, &pa) != 0)
		return;
	if (order)
		CHECK(mmk_pmm_split_block(v.pmm, pa, order) == 0, pa, order);
	for (unsigned j = 0; j < pages; j++) {
		uint32_t *w = mmk_mmu_frame_pointer(v.mmu, pa + (mmk_paddr_t)j * P);
		w[0] = w[P / 4 - 1] = 0;
	}
	v.phys_pa[obj] = pa;
	v.phys_pages[obj] = pages; /* given back by sweep_objects once unused */
	mmk_vaddr_t va = page_va(first);
	int err = mmk_vm_map_phys(&sp->s, &va, pa, (mmk_vsize_t)pages * P, (rw ? URW : UR) | MMK_CACHE_WB);
	if (err == -MMK_ENOMEM)
		return;
	if (!CHECK(err == 0 && va == page_va(first), page_va(first), (unsigned)err))
		return;
	v.phys_maps++;
	for (unsigned j = 0; j < pages; j++) {
		sp->page[first + j] = (struct vpage){.kind = PAGE_SHARED, .rw = rw, .obj = (uint8_t)obj,
						     .obj_page = (uint8_t)j};
		v.obj_val[obj][j][0] = v.obj_val[obj][j][1] = 0;
	}
}

static void op_map(struct vspace *sp)
{
	unsigned pages = 1 + stress_below(v.s, MAX_PAGES);
	unsigned first = stress_below(v.s, VPAGES - pages + 1);
	bool rw = stress_below(v.s, 4) != 0;
	unsigned how = stress_below(v.s, 4); /* map_anon, NOREPLACE, FIXED; | SHARED */
	bool shared = stress_below(v.s, 4) == 0;
	stress_trace(v.s, OP_MAP, page_va(first), pages | (unsigned)rw << 8 | how << 9 | (unsigned)shared << 12);
	bool pager = how != 0 && stress_below(v.s, 4) == 0;
	int obj = shared || pager ? sweep_objects() : -1;
	if ((shared || pager) && obj < 0)
		return;
	if (pager) {
		if (!(how == 3 && touches_stack(sp, first, pages)))
			map_pager(sp, first, pages, rw, shared, how == 3, obj);
		return;
	}
	if (shared && how == 0) { /* a physical object, where the range is free */
		unsigned order = stress_below(v.s, 3);
		if (first + (1u << order) <= VPAGES && !any_mapped(sp, first, 1u << order))
			map_phys(sp, first, order, rw, obj);
		return;
	}
	if (!shared && how == 0 && stress_below(v.s, 4) == 0) {
		map_stack(sp, first, pages);
		return;
	}
	if (how == 3 && touches_stack(sp, first, pages))
		return;
	mmk_vaddr_t va = page_va(first);
	mmk_vsize_t size = (mmk_vsize_t)pages * P;
	unsigned prot = rw ? URW : UR;
	int err;
	if (how == 0)
		err = mmk_vm_map_anon(&sp->s, &va, size, prot);
	else
		err = mmk_vm_map(&sp->s, &va, size, prot,
				 (how == 3 ? MMK_VM_FIXED : MMK_VM_NOREPLACE) | (shared ? MMK_VM_SHARED : 0),
				 NULL, 0);
	if (how != 3 && any_mapped(sp, first, pages)) {
		CHECK(err == -MMK_EEXIST || err == -MMK_ENOMEM, page_va(first), (unsigned)err);
		return;
	}
	if (err == -MMK_ENOMEM)
		return; /* nothing changed */
	if (!CHECK(err == 0 && va == page_va(first), page_va(first), (unsigned)err))
		return;
	v.maps++;
	for (unsigned j = 0; j < pages; j++) {
		struct vpage *p = &sp->page[first + j];
		*p = (struct vpage){.kind = shared ? PAGE_SHARED : PAGE_PRIVATE, .rw = rw};
		if (shared) {
			p->obj = (uint8_t)obj;
			p->obj_page = (uint8_t)j;
			v.obj_val[obj][j][0] = v.obj_val[obj][j][1] = 0;
		}
	}
}

/* A range of the window, now and then a little past either end. */
static void pick_range(unsigned *first, unsigned *pages)
{
	*pages = 1 + stress_below(v.s, stress_below(v.s, 8) ? MAX_PAGES : VPAGES);
	*first = stress_below(v.s, VPAGES - *pages + 1);
}

static void op_unmap(struct vspace *sp)
{
	unsigned first, pages;
	pick_range(&first, &pages);
	stress_trace(v.s, OP_UNMAP, page_va(first), pages);
	if (touches_stack(sp, first, pages))
		return;
	int err = mmk_vm_unmap(&sp->s, page_va(first), (mmk_vsize_t)pages * P);
	if (err == -MMK_ENOMEM && v.injecting)
		return;
	if (!CHECK(err == 0, page_va(first), (unsigned)err))
		return;
	v.unmaps++;
	for (unsigned j = 0; j < pages; j++)
		sp->page[first + j] = (struct vpage){0};
}

/* Mostly a run of mapped pages (a whole one or part of it), else any range. */
static void pick_mapped_range(const struct vspace *sp, unsigned *first, unsigned *pages)
{
	pick_range(first, pages);
	unsigned p = stress_below(v.s, VPAGES);
	if (stress_below(v.s, 4) == 0 || sp->page[p].kind == PAGE_NONE)
		return;
	unsigned lo = p, hi = p + 1;
	while (lo > 0 && sp->page[lo - 1].kind != PAGE_NONE && stress_below(v.s, 8))
		lo--;
	while (hi < VPAGES && sp->page[hi].kind != PAGE_NONE && stress_below(v.s, 8))
		hi++;
	*first = lo;
	*pages = hi - lo;
}

static void op_protect(struct vspace *sp)
{
	unsigned first, pages;
	pick_mapped_range(sp, &first, &pages);
	bool rw = stress_below(v.s, 2), bad = stress_below(v.s, 16) == 0;
	stress_trace(v.s, OP_PROTECT, page_va(first), pages | (unsigned)rw << 16 | (unsigned)bad << 17);
	if (touches_stack(sp, first, pages))
		return;
	bool all = true;
	for (unsigned j = 0; j < pages; j++)
		all = all && sp->page[first + j].kind != PAGE_NONE;
	unsigned prot = bad ? (rw ? MMK_PROT_READ | MMK_PROT_WRITE : URW | MMK_PROT_EXEC) : rw ? URW : UR;
	int err = mmk_vm_protect(&sp->s, page_va(first), (mmk_vsize_t)pages * P, prot);
	if (err == -MMK_ENOMEM && v.injecting)
		return;
	if (!all) {
		CHECK(err == -MMK_ENOENT || (bad && err == -MMK_EPERM), page_va(first), (unsigned)err);
		return;
	}
	if (bad) { /* user access taken away, or write + execute */
		CHECK(err == -MMK_EPERM, page_va(first), (unsigned)err);
		return;
	}
	if (!CHECK(err == 0, page_va(first), (unsigned)err))
		return;
	v.protects++;
	for (unsigned j = 0; j < pages; j++)
		sp->page[first + j].rw = rw;
}

/* Requests the VM must refuse, changing nothing (the next check of the walk says so). */
static void op_bad_map(struct vspace *sp)
{
	unsigned how = stress_below(v.s, 6);
	stress_trace(v.s, OP_BAD_MAP, how, 0);
	mmk_vaddr_t va = page_va(stress_below(v.s, VPAGES));
	mmk_vsize_t size = P;
	unsigned prot = URW, flags = MMK_VM_NOREPLACE;
	int expect;
	switch (how) {
	case 0:
		prot = URW | MMK_PROT_EXEC;
		expect = -MMK_EPERM;
		break;
	case 1:
		va += 4 * (1 + stress_below(v.s, P / 4 - 1));
		expect = -MMK_EALIGN;
		break;
	case 2:
		size = 0;
		expect = -MMK_EINVAL;
		break;
	case 3:
		va = mmk_mmu_user_end(v.mmu);
		expect = -MMK_ERANGE;
		break;
	case 4:
		flags = MMK_VM_FIXED | MMK_VM_NOREPLACE | 0x80; /* an unknown flag */
		expect = -MMK_EINVAL;
		break;
	default:
		prot = MMK_PROT_USER; /* no access at all */
		expect = -MMK_EINVAL;
		break;
	}
	int err = mmk_vm_map(&sp->s, &va, size, prot, flags, NULL, 0);
	CHECK(err == expect, how, (unsigned)err);
}

static void op_fork(struct vspace *parent, struct vspace *child)
{
	stress_trace(v.s, OP_FORK, (uintptr_t)parent, (uintptr_t)child);
	int err = mmk_vm_fork(&parent->s, &child->s);
	if (err) {
		CHECK(err == -MMK_ENOMEM || err == -MMK_ENOSPC, (unsigned)err, 0);
		return;
	}
	child->live = true;
	memcpy(child->page, parent->page, sizeof(child->page));
}

/* A load or store by the CPU in space sp at one of a page's two words (a few pages past
 * the window too, where nothing is mapped). */
static void op_touch(struct vspace *sp)
{
	unsigned page = stress_below(v.s, VPAGES + 4), word = stress_below(v.s, 2);
	if (stress_below(v.s, 8)) { /* mostly a mapped page */
		for (unsigned tries = 0; tries < 8; tries++) {
			unsigned p = stress_below(v.s, VPAGES);
			if (sp->page[p].kind != PAGE_NONE) {
				page = p;
				break;
			}
		}
	}
	bool write = stress_below(v.s, 2);
	mmk_vaddr_t va = page_va(page) + (word ? P - 4 : 0);
	stress_trace(v.s, OP_TOUCH, va, write);
	if (v.mmu->active != &sp->s.mmu)
		mmk_vm_space_activate(&sp->s);
	struct vpage *p = page < VPAGES ? &sp->page[page] : NULL;
	bool inside = p && p->kind != PAGE_NONE && p->kind != PAGE_GUARD;
	uint32_t x = 0;
	if (!write) {
		int r = ktest_env_access(va, false, &x);
		if (v.injecting && r == -MMK_EFAULT)
			return; /* the fault found no frame: nothing changed */
		CHECK(inside ? r == 0 && x == words_of(p)[word] : r == -MMK_EFAULT, va, x);
		return;
	}
	x = (uint32_t)stress_random(v.s) | 1;
	int r = ktest_env_access(va, true, &x);
	if (v.injecting && r == -MMK_EFAULT)
		return;
	if (!inside || !p->rw) {
		CHECK(r == -MMK_EFAULT, va, (unsigned)r);
		return;
	}
	if (CHECK(r == 0, va, (unsigned)r))
		words_of(p)[word] = x;
}

/* ------------------------------------------------------------ invariants */

static struct vspace *walking;

static int visit(void *ctx, const struct mmk_mmu_mapping *m)
{
	(void)ctx;
	struct vspace *sp = walking;
	unsigned page = (unsigned)((m->va - v.base) / P);
	bool inside = m->va >= v.base && page < VPAGES && sp->page[page].kind != PAGE_NONE &&
		      sp->page[page].kind != PAGE_GUARD; /* a guard is never mapped */
	if (!CHECK(inside && m->page_shift == 12, m->va, m->page_shift))
		return 1;
	struct vpage *p = &sp->page[page];
	CHECK((m->flags & MMK_PROT_USER) && !(m->flags & MMK_PROT_GLOBAL), m->va, m->flags);
	CHECK(p->rw || !(m->flags & MMK_PROT_WRITE), m->va, m->flags);
	if (p->kind == PAGE_SHARED && v.phys_pages[p->obj]) /* a physical object's own frame */
		CHECK(m->pa == v.phys_pa[p->obj] + (mmk_paddr_t)p->obj_page * P, m->va, m->pa);
	const uint32_t *w = mmk_mmu_frame_pointer(v.mmu, m->pa);
	CHECK(w[0] == words_of(p)[0] && w[P / 4 - 1] == words_of(p)[1], m->va, w[0]);
	return 0;
}

static void check_all(void)
{
	CHECK(mmk_pmm_check(v.pmm) == 0, 0, 0);
	CHECK(mmk_kheap_check(kernel_heap()) == 0, 0, 0);
	for (unsigned i = 0; i < SPACES; i++) {
		struct vspace *sp = &v.sp[i];
		if (!sp->live)
			continue;
		CHECK(mmk_vas_check(&sp->s.regions) == 0, i, 0);
		CHECK(mmk_vm_check(&sp->s) == 0, i, 0);
		walking = sp;
		mmk_mmu_walk(&sp->s.mmu, 0, mmk_mmu_user_end(v.mmu), visit, NULL);
		for (unsigned p = 0; p < VPAGES; p++) { /* the model's regions are the VM's */
			bool mapped = sp->page[p].kind != PAGE_NONE;
			struct mmk_vm_region *r = mmk_vm_region_at(&sp->s, page_va(p));
			if (!CHECK(mapped == (r != NULL), page_va(p), mapped))
				break;
			if (r && sp->page[p].kind != PAGE_GUARD)
				CHECK(((r->prot & MMK_PROT_WRITE) != 0) == sp->page[p].rw &&
					      ((r->flags & MMK_VM_SHARED) != 0) == (sp->page[p].kind == PAGE_SHARED),
				      page_va(p), r->prot);
		}
	}
}

/* ------------------------------------------------------------ the phase */

void stress_vm_run(struct stress *s, uint64_t ops)
{
	memset(&v, 0, sizeof(v));
	v.s = s;
	v.mmu = kernel_mmu();
	v.pmm = v.mmu->pmm;
	v.base = mmk_mmu_user_base(v.mmu) + 16 * MMK_MIB;
	if (!CHECK(mmk_vm_init(&v.vm, v.mmu, mmk_kmalloc, mmk_kfree) == 0, 0, 0))
		return;
	struct mmk_mmu_space *previous = v.mmu->active;
	for (s->step = 0; s->step < ops && !s->broken; s->step++) {
		unsigned op = stress_below(s, 64);
		struct vspace *sp = &v.sp[stress_below(s, SPACES)];
		struct vspace *other = &v.sp[stress_below(s, SPACES)];
		if (!sp->live && other->live && stress_below(s, 2))
			op_fork(other, sp);
		else if (!sp->live)
			op_create(sp);
		else if (op < 2)
			op_destroy(sp);
		else if (op < 10)
			op_map(sp);
		else if (op < 11)
			op_bad_map(sp);
		else if (op < 15)
			op_unmap(sp);
		else if (op < 19)
			op_protect(sp);
		else if (op < 21)
			mmk_mmu_activate(&v.mmu->kernel);
		else if (op < 63)
			op_touch(sp);
		else { /* the next operation's nth allocation fails: it fails whole, or works */
			mmk_pmm_inject_failure(v.pmm, 1 + stress_below(s, 4));
			v.injecting = true;
			v.injected++;
			continue;
		}
		mmk_pmm_inject_failure(v.pmm, 0);
		v.injecting = false;
		if ((s->step + 1) % STRESS_BATCH == 0 && !s->broken)
			check_all();
	}
	mmk_pmm_inject_failure(v.pmm, 0);
	if (!s->broken)
		check_all();
	mmk_mmu_activate(previous);
	for (unsigned i = 0; i < SPACES; i++)
		if (v.sp[i].live)
			op_destroy(&v.sp[i]);
	sweep_objects(); /* the physical objects' frames */
	for (unsigned o = 0; o < OBJECTS; o++) /* every pager heard its object's end */
		CHECK(!v.pager[o].live, o, 0);
	ktest_log("vm: %llu maps, %llu physical, %llu of pagers, %llu stacks, %llu unmaps, %llu protects; %llu zero fills, "
		  "%llu zero-page maps, %llu stack growths, "
		  "%llu copy-on-write copies, %llu reuses, %llu fatal faults, %llu injected allocation failures",
		  (unsigned long long)v.maps, (unsigned long long)v.phys_maps,
		  (unsigned long long)v.pager_maps, (unsigned long long)v.stacks,
		  (unsigned long long)v.unmaps, (unsigned long long)v.protects,
		  (unsigned long long)v.vm.stats.zero_fills, (unsigned long long)v.vm.stats.zero_maps,
		  (unsigned long long)v.vm.stats.stack_grows,
		  (unsigned long long)v.vm.stats.cow_copies, (unsigned long long)v.vm.stats.cow_reuses,
		  (unsigned long long)v.vm.stats.bad_faults, (unsigned long long)v.injected);
	mmk_vm_fini(&v.vm);
}
