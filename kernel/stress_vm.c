/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The stress run's VM-level phase (kernel/stress.h): up to four user spaces of a VM of
 * the stress run's own, created, given anonymous regions, forked and destroyed at
 * random, and touched through the real CPU from the kernel (the probes of
 * ktest_env_access) - so every first touch is a real demand-zero fault and every
 * write to a page shared since a fork a real copy-on-write fault. The model knows
 * each space's regions and the two words each page holds (its first and last; 0 until
 * written): a read must see them, a write to a read-only region or outside every
 * region must fault and change nothing, and one space's writes never show in another.
 * Bad requests (write + execute, unaligned, size 0, outside the user half, overlaps)
 * must fail with their documented error. Now and then the next operation's nth PMM
 * allocation fails: it must fail whole (a touch then faults, changing nothing) or work.
 * After every STRESS_BATCH operations: each space's region VAS check, its walk against
 * the model (user, never global, inside a region, writable only in a writable one, the
 * page's words as the model says), mmk_vm_check (every mapped page is the frame its
 * region's amap holds, writable only with one holder; the zero page read-only),
 * mmk_pmm_check and mmk_kheap_check.
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
#define VPAGES 256  /* the model's window of user pages in each space */
#define REGIONS 24
#define UR (MMK_PROT_READ | MMK_PROT_USER)
#define URW (MMK_PROT_READ | MMK_PROT_WRITE | MMK_PROT_USER)

enum { OP_CREATE = 1, OP_DESTROY, OP_MAP, OP_BAD_MAP, OP_FORK, OP_TOUCH };

struct vregion {
	unsigned first, pages;
	bool rw;
};

struct vspace {
	bool live;
	struct mmk_vm_space s;
	unsigned regions;
	struct vregion reg[REGIONS];
	uint8_t owner[VPAGES];     /* region index + 1, or 0 */
	uint32_t val[VPAGES][2];   /* the page's first and last word */
};

static struct {
	struct stress *s;
	struct mmk_mmu *mmu;
	struct mmk_pmm *pmm;
	struct mmk_vm vm;
	mmk_vaddr_t base;
	struct vspace sp[SPACES];
	bool injecting; /* the operation's nth PMM allocation fails */
	uint64_t injected;
} v;

#define CHECK(cond, a, b) STRESS_CHECK(v.s, cond, a, b)

static mmk_vaddr_t page_va(unsigned page)
{
	return v.base + (mmk_vaddr_t)page * P;
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
	sp->regions = 0;
	memset(sp->owner, 0, sizeof(sp->owner));
	memset(sp->val, 0, sizeof(sp->val));
}

static void op_destroy(struct vspace *sp)
{
	stress_trace(v.s, OP_DESTROY, (uintptr_t)sp, sp->regions);
	if (v.mmu->active == &sp->s.mmu) {
		CHECK(mmk_vm_space_destroy(&sp->s) == -MMK_EBUSY, (uintptr_t)sp, 0);
		mmk_mmu_activate(&v.mmu->kernel);
	}
	CHECK(mmk_vm_space_destroy(&sp->s) == 0, (uintptr_t)sp, 0);
	sp->live = false;
}

static bool overlaps(const struct vspace *sp, unsigned first, unsigned pages)
{
	for (unsigned j = 0; j < pages; j++)
		if (sp->owner[first + j])
			return true;
	return false;
}

static void op_map(struct vspace *sp)
{
	unsigned pages = 1 + stress_below(v.s, 16);
	unsigned first = stress_below(v.s, VPAGES - pages + 1);
	bool rw = stress_below(v.s, 4) != 0;
	stress_trace(v.s, OP_MAP, page_va(first), pages | (unsigned)rw << 8);
	if (sp->regions == REGIONS)
		return;
	mmk_vaddr_t va = page_va(first);
	int err = mmk_vm_map_anon(&sp->s, &va, (mmk_vsize_t)pages * P, rw ? URW : UR);
	if (overlaps(sp, first, pages)) {
		CHECK(err == -MMK_EEXIST || err == -MMK_ENOMEM, page_va(first), (unsigned)err);
		return;
	}
	if (err == -MMK_ENOMEM)
		return;
	CHECK(err == 0 && va == page_va(first), page_va(first), (unsigned)err);
	unsigned r = sp->regions++;
	sp->reg[r] = (struct vregion){first, pages, rw};
	for (unsigned j = 0; j < pages; j++)
		sp->owner[first + j] = (uint8_t)(r + 1);
}

/* Requests the VM must refuse, changing nothing (the next check of the walk says so). */
static void op_bad_map(struct vspace *sp)
{
	unsigned how = stress_below(v.s, 5);
	stress_trace(v.s, OP_BAD_MAP, how, 0);
	mmk_vaddr_t va = page_va(stress_below(v.s, VPAGES));
	mmk_vsize_t size = P;
	unsigned prot = URW;
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
	default:
		prot = MMK_PROT_USER; /* no access at all */
		expect = -MMK_EINVAL;
		break;
	}
	int err = mmk_vm_map_anon(&sp->s, &va, size, prot);
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
	child->regions = parent->regions;
	memcpy(child->reg, parent->reg, sizeof(child->reg));
	memcpy(child->owner, parent->owner, sizeof(child->owner));
	memcpy(child->val, parent->val, sizeof(child->val));
}

/* A load or store by the CPU in space sp at one of a page's two words (a few pages past
 * the window too, where nothing is mapped). */
static void op_touch(struct vspace *sp)
{
	unsigned page = stress_below(v.s, VPAGES + 4), word = stress_below(v.s, 2);
	if (sp->regions && stress_below(v.s, 8)) { /* mostly inside a region */
		const struct vregion *r = &sp->reg[stress_below(v.s, sp->regions)];
		page = r->first + stress_below(v.s, r->pages);
	}
	bool write = stress_below(v.s, 2);
	mmk_vaddr_t va = page_va(page) + (word ? P - 4 : 0);
	stress_trace(v.s, OP_TOUCH, va, write);
	if (v.mmu->active != &sp->s.mmu)
		mmk_vm_space_activate(&sp->s);
	bool inside = page < VPAGES && sp->owner[page];
	bool writable = inside && sp->reg[sp->owner[page] - 1].rw;
	uint32_t x = 0;
	if (!write) {
		int r = ktest_env_access(va, false, &x);
		if (v.injecting && r == -MMK_EFAULT)
			return; /* the fault found no frame: nothing changed */
		CHECK(inside ? r == 0 && x == sp->val[page][word] : r == -MMK_EFAULT, va, x);
		return;
	}
	x = (uint32_t)stress_random(v.s) | 1;
	int r = ktest_env_access(va, true, &x);
	if (v.injecting && r == -MMK_EFAULT)
		return;
	if (!writable) {
		CHECK(r == -MMK_EFAULT, va, (unsigned)r);
		return;
	}
	CHECK(r == 0, va, (unsigned)r);
	sp->val[page][word] = x;
}

/* ------------------------------------------------------------ invariants */

static struct vspace *walking;

static int visit(void *ctx, const struct mmk_mmu_mapping *m)
{
	(void)ctx;
	const struct vspace *sp = walking;
	unsigned page = (unsigned)((m->va - v.base) / P);
	bool inside = m->va >= v.base && page < VPAGES && sp->owner[page];
	if (!CHECK(inside && m->page_shift == 12, m->va, m->page_shift))
		return 1;
	bool rw = sp->reg[sp->owner[page] - 1].rw;
	CHECK((m->flags & MMK_PROT_USER) && !(m->flags & MMK_PROT_GLOBAL), m->va, m->flags);
	CHECK(rw || !(m->flags & MMK_PROT_WRITE), m->va, m->flags);
	const uint32_t *w = mmk_mmu_frame_pointer(v.mmu, m->pa);
	CHECK(w[0] == sp->val[page][0] && w[P / 4 - 1] == sp->val[page][1], m->va, w[0]);
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
		else if (op < 3)
			op_destroy(sp);
		else if (op < 10)
			op_map(sp);
		else if (op < 11)
			op_bad_map(sp);
		else if (op < 14)
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
	ktest_log("vm: %llu demand-zero faults, %llu copy-on-write copies, %llu reuses, %llu fatal, "
		  "%llu injected allocation failures",
		  (unsigned long long)v.vm.stats.zero_fills, (unsigned long long)v.vm.stats.cow_copies,
		  (unsigned long long)v.vm.stats.cow_reuses, (unsigned long long)v.vm.stats.bad_faults,
		  (unsigned long long)v.injected);
	mmk_vm_fini(&v.vm);
}
