/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Tests for memory objects and the POSIX-like calls over them (include/mmukit/vm.h):
 * shared anonymous memory across fork, the zero page, pagers, mmk_vm_map's placement
 * flags, mmk_vm_unmap / mmk_vm_protect of any range with splits and merges, stack
 * growth, a random model of all of it with injected out-of-memory, and every
 * allocation of each call failing in turn. On the host over each machine's simulator,
 * and in each kernel with real faults.
 */
#include <mmukit/errno.h>
#include <mmukit/kheap.h>
#include <mmukit/ktest.h>
#include <mmukit/pmm.h>
#include <mmukit/services.h>
#include <mmukit/vm.h>

#include "vm_fixture.h"

#define P MMK_PAGE_SIZE
#define UR (MMK_PROT_READ | MMK_PROT_USER)
#define URW (MMK_PROT_READ | MMK_PROT_WRITE | MMK_PROT_USER)
#define UVA 0x40000000u

/* An access from user mode in space s: 0 or -MMK_EFAULT. */
static int access_in(struct mmk_vm_space *s, mmk_vaddr_t va, bool write, uint32_t *v)
{
	mmk_vm_space_activate(s);
	int err = ktest_env_access(va, write, v);
	mmk_mmu_activate(previous);
	return err;
}

static uint32_t read_in(struct mmk_vm_space *s, mmk_vaddr_t va)
{
	uint32_t v = 0xDEAD;
	return access_in(s, va, false, &v) == 0 ? v : 0xDEAD;
}

static int write_in(struct mmk_vm_space *s, mmk_vaddr_t va, uint32_t v)
{
	return access_in(s, va, true, &v);
}

static unsigned region_count(struct mmk_vm_space *s)
{
	return (unsigned)s->regions.count;
}

KTEST(vm_objects, shared_anonymous_memory_is_seen_across_fork)
{
	struct mmk_vm_space a, b;
	struct mmk_pmm *pmm = ktest_env_pmm();
	begin();
	uint64_t free_before = pmm->free_frames;
	KASSERT_EQ(mmk_vm_space_create(&vm, &a), 0);
	mmk_vaddr_t shared = UVA, private = UVA + 16 * P;
	KASSERT_EQ(mmk_vm_map(&a, &shared, 4 * P, URW, MMK_VM_SHARED | MMK_VM_NOREPLACE, NULL, 0), 0);
	KASSERT_EQ(mmk_vm_map(&a, &private, 4 * P, URW, MMK_VM_NOREPLACE, NULL, 0), 0);
	KEXPECT_EQ(write_in(&a, shared + P, 11), 0);
	KEXPECT_EQ(write_in(&a, private + P, 12), 0);
	KASSERT_EQ(mmk_vm_fork(&a, &b), 0);
	KEXPECT_EQ(read_in(&b, shared + P), 11);
	KEXPECT_EQ(read_in(&b, private + P), 12);
	KEXPECT_EQ(write_in(&b, shared + P, 21), 0);   /* the parent sees it */
	KEXPECT_EQ(write_in(&b, private + P, 22), 0);  /* the parent does not */
	KEXPECT_EQ(write_in(&a, shared + 2 * P, 31), 0);
	KEXPECT_EQ(read_in(&a, shared + P), 21);
	KEXPECT_EQ(read_in(&a, private + P), 12);
	KEXPECT_EQ(read_in(&b, shared + 2 * P), 31);
	const struct mmk_vm_region *r = mmk_vm_region_at(&a, shared);
	KEXPECT_TRUE(r->object != NULL && r->object->refs == 2);
	KEXPECT_EQ(mmk_vm_region_resident(r), 2);
	KEXPECT_EQ(mmk_vm_check(&a), 0);
	KEXPECT_EQ(mmk_vm_check(&b), 0);
	KEXPECT_EQ(mmk_vm_space_destroy(&a), 0);
	KEXPECT_EQ(read_in(&b, shared + 2 * P), 31);   /* the object outlives the parent */
	KEXPECT_EQ(mmk_vm_space_destroy(&b), 0);
	KEXPECT_EQ(pmm->free_frames, free_before);
	end();
}

KTEST(vm_objects, reads_map_the_zero_page_and_writes_copy_it)
{
	struct mmk_vm_space a;
	struct mmk_pmm *pmm = ktest_env_pmm();
	begin();
	uint64_t free_before = pmm->free_frames;
	KASSERT_EQ(mmk_vm_space_create(&vm, &a), 0);
	mmk_vaddr_t va = UVA;
	KASSERT_EQ(mmk_vm_map_anon(&a, &va, 64 * P, URW), 0);
	uint64_t tables = pmm->free_frames;
	for (unsigned i = 0; i < 64; i++)
		KEXPECT_EQ(read_in(&a, UVA + i * P), 0);
	KEXPECT_EQ(vm.stats.zero_maps, 64);
	KEXPECT_GE(tables, pmm->free_frames);
	KEXPECT_LE(tables - pmm->free_frames, 3); /* page tables only: no frame per page */
	struct mmk_mmu_mapping m;
	KASSERT_EQ(mmk_mmu_query(&a.mmu, UVA + 5 * P, &m), 0);
	KEXPECT_EQ(m.pa, vm.zero_page);
	KEXPECT_FALSE(m.flags & MMK_PROT_WRITE);
	KEXPECT_EQ(write_in(&a, UVA + 5 * P + 8, 7), 0);
	KASSERT_EQ(mmk_mmu_query(&a.mmu, UVA + 5 * P, &m), 0);
	KEXPECT_NE(m.pa, vm.zero_page);
	KEXPECT_TRUE(m.flags & MMK_PROT_WRITE);
	KEXPECT_EQ(read_in(&a, UVA + 5 * P), 0);
	KEXPECT_EQ(read_in(&a, UVA + 5 * P + 8), 7);
	KEXPECT_EQ(read_in(&a, UVA + 6 * P + 8), 0);   /* the zero page stayed zero */
	KEXPECT_EQ(mmk_vm_region_resident(mmk_vm_region_at(&a, UVA)), 1);
	KEXPECT_EQ(mmk_vm_check(&a), 0);
	KEXPECT_EQ(mmk_vm_space_destroy(&a), 0);
	KEXPECT_EQ(pmm->free_frames, free_before);
	end();
}

KTEST(vm_objects, unmap_and_protect_cut_and_merge_regions)
{
	struct mmk_vm_space a;
	struct mmk_pmm *pmm = ktest_env_pmm();
	begin();
	uint64_t free_before = pmm->free_frames;
	KASSERT_EQ(mmk_vm_space_create(&vm, &a), 0);
	mmk_vaddr_t va = UVA;
	KASSERT_EQ(mmk_vm_map_anon(&a, &va, 8 * P, URW), 0);
	for (unsigned i = 0; i < 8; i++)
		KEXPECT_EQ(write_in(&a, UVA + i * P, 100 + i), 0);
	KEXPECT_EQ(mmk_vm_unmap(&a, UVA + 2 * P, 2 * P), 0);    /* a hole: two regions */
	KEXPECT_EQ(region_count(&a), 2);
	KEXPECT_EQ(read_in(&a, UVA + 2 * P), 0xDEAD);
	KEXPECT_EQ(read_in(&a, UVA + P), 101);
	KEXPECT_EQ(read_in(&a, UVA + 4 * P), 104);
	KEXPECT_EQ(mmk_vm_region_resident(mmk_vm_region_at(&a, UVA + 5 * P)), 4);
	KEXPECT_EQ(mmk_vm_protect(&a, UVA, 8 * P, UR), -MMK_ENOENT); /* over the hole */
	KEXPECT_EQ(mmk_vm_protect(&a, UVA + 5 * P, P, UR), 0);       /* three pieces */
	KEXPECT_EQ(region_count(&a), 4);
	KEXPECT_EQ(write_in(&a, UVA + 5 * P, 1), -MMK_EFAULT);
	KEXPECT_EQ(write_in(&a, UVA + 6 * P, 206), 0);
	KEXPECT_EQ(read_in(&a, UVA + 5 * P), 105);
	KEXPECT_EQ(mmk_vm_protect(&a, UVA + 4 * P, 4 * P, URW), 0);  /* alike again: merged */
	KEXPECT_EQ(region_count(&a), 2);
	KEXPECT_EQ(write_in(&a, UVA + 5 * P, 205), 0);
	va = UVA + 2 * P;                                         /* the hole filled: one region */
	KEXPECT_EQ(mmk_vm_map(&a, &va, 2 * P, URW, MMK_VM_NOREPLACE, NULL, 0), 0);
	KEXPECT_EQ(region_count(&a), 1);
	KEXPECT_EQ(read_in(&a, UVA + 2 * P), 0);
	KEXPECT_EQ(read_in(&a, UVA + 5 * P), 205);
	va = UVA + 6 * P;                                         /* fixed: replaces, zero */
	KEXPECT_EQ(mmk_vm_map(&a, &va, P, URW, MMK_VM_FIXED, NULL, 0), 0);
	KEXPECT_EQ(read_in(&a, UVA + 6 * P), 0);
	KEXPECT_EQ(read_in(&a, UVA + 7 * P), 107);
	va = UVA + 7 * P;
	KEXPECT_EQ(mmk_vm_map(&a, &va, P, URW, MMK_VM_NOREPLACE, NULL, 0), -MMK_EEXIST);
	va = UVA + 7 * P;                                         /* a hint that is taken */
	KEXPECT_EQ(mmk_vm_map(&a, &va, P, URW, 0, NULL, 0), 0);
	KEXPECT_EQ(va, UVA + 8 * P);                              /* the next free place above */
	KEXPECT_EQ(mmk_vm_check(&a), 0);
	KEXPECT_EQ(mmk_vm_unmap(&a, UVA, 64 * P), 0);
	KEXPECT_EQ(region_count(&a), 0);
	KEXPECT_EQ(mmk_vm_space_destroy(&a), 0);
	KEXPECT_EQ(pmm->free_frames, free_before);
	end();
}

KTEST(vm_objects, stacks_grow_down_to_their_limit)
{
	struct mmk_vm_space a;
	begin();
	KASSERT_EQ(mmk_vm_space_create(&vm, &a), 0);
	mmk_vaddr_t low = UVA + 16 * P;
	KASSERT_EQ(mmk_vm_map_stack(&a, &low, 8 * P, 2 * P, URW), 0);
	const struct mmk_vm_region *r = mmk_vm_region_at(&a, low);
	KEXPECT_EQ(r->low, low + 8 * P);                   /* empty until touched */
	KEXPECT_EQ(write_in(&a, low + 8 * P - 4, 1), 0);
	KEXPECT_EQ(r->low, low + 7 * P);
	KEXPECT_EQ(vm.stats.stack_grows, 1);
	KEXPECT_EQ(write_in(&a, low + 3 * P, 2), 0);       /* deeper: grows to there */
	KEXPECT_EQ(r->low, low + 3 * P);
	KEXPECT_EQ(write_in(&a, low, 3), 0);               /* its limit */
	KEXPECT_EQ(write_in(&a, low - 4, 4), -MMK_EFAULT); /* the guard */
	KEXPECT_EQ(write_in(&a, low - 2 * P, 4), -MMK_EFAULT);
	KEXPECT_EQ(vm.stats.stack_grows, 3);
	KEXPECT_EQ(mmk_vm_region_resident(r), 3);
	KEXPECT_TRUE(mmk_vm_region_at(&a, low - 2 * P) == r); /* nothing else goes there */
	mmk_vaddr_t clash = low - P;
	KEXPECT_EQ(mmk_vm_map_anon(&a, &clash, P, URW), -MMK_EEXIST);
	KEXPECT_EQ(mmk_vm_check(&a), 0);
	KEXPECT_EQ(mmk_vm_space_destroy(&a), 0);
	end();
}

/* A pager whose page n holds the word n + 1000 at offset 0. */
struct test_pager {
	unsigned gets, releases;
	uint64_t limit; /* offsets from here cannot be had */
};

static int pager_get(void *ctx, uint64_t offset, mmk_paddr_t *pa)
{
	struct test_pager *t = ctx;
	if (offset >= t->limit)
		return -MMK_EFAULT;
	if (mmk_pmm_alloc(ktest_env_pmm(), pa))
		return -MMK_ENOMEM;
	mmk_mmu_zero_frame(ktest_env_mmu(), *pa);
	*(uint32_t *)mmk_mmu_frame_pointer(ktest_env_mmu(), *pa) = (uint32_t)(offset / P + 1000);
	t->gets++;
	return 0;
}

static void pager_release(void *ctx)
{
	((struct test_pager *)ctx)->releases++;
}

static const struct mmk_vm_pager_ops test_pager_ops = {pager_get, pager_release};

KTEST(vm_objects, pager_pages_map_shared_or_copy_on_write)
{
	struct mmk_vm_space a;
	struct mmk_pmm *pmm = ktest_env_pmm();
	struct test_pager t = {.limit = 6 * P};
	struct mmk_vm_object *obj;
	begin();
	uint64_t free_before = pmm->free_frames;
	KASSERT_EQ(mmk_vm_object_pager(&vm, 8 * P, &test_pager_ops, &t, &obj), 0);
	KASSERT_EQ(mmk_vm_space_create(&vm, &a), 0);
	mmk_vaddr_t priv = UVA, shared = UVA + 16 * P;
	KASSERT_EQ(mmk_vm_map(&a, &priv, 4 * P, URW, MMK_VM_NOREPLACE, obj, 2 * P), 0);
	KASSERT_EQ(mmk_vm_map(&a, &shared, 8 * P, URW, MMK_VM_SHARED | MMK_VM_NOREPLACE, obj, 0), 0);
	KEXPECT_EQ(obj->refs, 3);
	mmk_vm_object_release(&vm, obj);                   /* the regions hold it now */
	KEXPECT_EQ(read_in(&a, priv), 1002);                /* offset 2 * P */
	KEXPECT_EQ(read_in(&a, shared + 2 * P), 1002);     /* the same page, resident once */
	KEXPECT_EQ(t.gets, 1);
	KEXPECT_EQ(write_in(&a, priv, 7), 0);               /* a private copy */
	KEXPECT_EQ(read_in(&a, shared + 2 * P), 1002);
	KEXPECT_EQ(write_in(&a, shared + 3 * P, 8), 0);    /* into the object */
	KEXPECT_EQ(read_in(&a, priv + P), 8);               /* not copied yet: the object's */
	KEXPECT_EQ(read_in(&a, shared + 7 * P), 0xDEAD);   /* the pager cannot: fatal */
	KEXPECT_EQ(mmk_vm_region_kind(mmk_vm_region_at(&a, priv))[0], 'p');
	KEXPECT_EQ(mmk_vm_check(&a), 0);
	KEXPECT_EQ(t.releases, 0);
	KEXPECT_EQ(mmk_vm_space_destroy(&a), 0);
	KEXPECT_EQ(t.releases, 1);
	KEXPECT_EQ(pmm->free_frames, free_before);
	end();
}

KTEST(vm_objects, objects_and_maps_refuse_bad_requests)
{
	struct mmk_vm_space a;
	struct mmk_vm_object *obj;
	begin();
	KEXPECT_EQ(mmk_vm_object_anon(&vm, 0, &obj), -MMK_EINVAL);
	KEXPECT_EQ(mmk_vm_object_anon(&vm, P + 1, &obj), -MMK_EALIGN);
	KEXPECT_EQ(mmk_vm_object_phys(&vm, 0x1000, P, 0x400, &obj), -MMK_EINVAL);
	KEXPECT_EQ(mmk_vm_object_phys(&vm, 0x1001, P, 0, &obj), -MMK_EALIGN);
	KEXPECT_EQ(mmk_vm_object_pager(&vm, P, NULL, NULL, &obj), -MMK_EINVAL);
	KASSERT_EQ(mmk_vm_space_create(&vm, &a), 0);
	KASSERT_EQ(mmk_vm_object_phys(&vm, 0x100000, 4 * P, MMK_CACHE_UC, &obj), 0);
	mmk_vaddr_t va = UVA;
	KEXPECT_EQ(mmk_vm_map(&a, &va, P, URW, MMK_VM_NOREPLACE, obj, 0), -MMK_EINVAL); /* private */
	KEXPECT_EQ(mmk_vm_map(&a, &va, 2 * P, URW, MMK_VM_SHARED, obj, 3 * P), -MMK_EINVAL); /* past its end */
	KEXPECT_EQ(mmk_vm_map(&a, &va, P, URW, MMK_VM_SHARED, obj, 8), -MMK_EALIGN);
	KEXPECT_EQ(obj->refs, 1);
	KEXPECT_EQ(mmk_vm_map(&a, &va, P, URW, MMK_VM_SHARED, obj, 3 * P), 0);
	KEXPECT_EQ(obj->refs, 2);
	KEXPECT_EQ(mmk_vm_protect(&a, va, P, MMK_PROT_READ | MMK_PROT_WRITE), -MMK_EPERM);
	mmk_vm_object_release(&vm, obj);
	KEXPECT_EQ(mmk_vm_space_destroy(&a), 0);
	KEXPECT_EQ(mmk_vm_space_destroy(&a), -MMK_EINVAL); /* twice */
	end();
}

static int sum_indices(void *ctx, uint64_t index, mmk_paddr_t pa)
{
	(void)pa;
	*(uint64_t *)ctx += index;
	return 0;
}

KTEST(vm_objects, page_arrays_keep_frames_by_index)
{
	struct mmk_pmm *pmm = ktest_env_pmm();
	struct mmk_vm_pages a = {0}, b = {0};
	uint64_t *slot;
	mmk_paddr_t frames[3], pa;
	const uint64_t at[3] = {5, 64 * 64 + 7, (uint64_t)1 << 40}; /* heights 1, 3 and 7 */
	begin();
	uint64_t free_before = pmm->free_frames;
	for (unsigned i = 0; i < 3; i++) {
		KASSERT_EQ(mmk_pmm_alloc(pmm, &frames[i]), 0);
		KASSERT_EQ(mmk_vm_pages_reserve(&vm, &a, at[i], &slot), 0);
		mmk_vm_pages_store(&a, slot, at[i], frames[i]);
	}
	KEXPECT_TRUE(mmk_vm_pages_get(&a, at[1], &pa) && pa == frames[1]);
	KEXPECT_FALSE(mmk_vm_pages_get(&a, at[1] + 1, &pa));
	KEXPECT_FALSE(mmk_vm_pages_get(&a, UINT64_MAX, &pa));
	KEXPECT_EQ(mmk_vm_pages_count(&a, 0, UINT64_MAX), 3);
	KEXPECT_EQ(mmk_vm_pages_count(&a, 6, (uint64_t)1 << 40), 1);
	uint64_t sum = 0;
	KEXPECT_EQ(mmk_vm_pages_visit(&a, 0, UINT64_MAX, sum_indices, &sum), 0);
	KEXPECT_EQ(sum, at[0] + at[1] + at[2]);
	KEXPECT_EQ(mmk_vm_pages_copy(&vm, &b, &a, 0, at[2]), 0); /* the first two */
	KEXPECT_EQ(mmk_pmm_refcount(pmm, frames[0]), 2);
	KEXPECT_EQ(mmk_pmm_refcount(pmm, frames[2]), 1);
	limit_allocs = true;
	allocs_left = 0;
	KEXPECT_EQ(mmk_vm_pages_reserve(&vm, &b, (uint64_t)1 << 30, &slot), -MMK_ENOMEM);
	limit_allocs = false;
	KEXPECT_EQ(mmk_vm_pages_count(&b, 0, UINT64_MAX), 2);
	KASSERT_EQ(mmk_vm_pages_reserve(&vm, &b, 9, &slot), 0);
	mmk_vm_pages_unreserve(&vm, &b, 9);                  /* stayed empty: nothing kept */
	KEXPECT_FALSE(mmk_vm_pages_get(&b, 9, &pa));
	mmk_vm_pages_release(&vm, &a, 0, 6);                 /* the first frame: b still has it */
	KEXPECT_EQ(mmk_pmm_refcount(pmm, frames[0]), 1);
	mmk_vm_pages_release(&vm, &a, 0, UINT64_MAX);
	mmk_vm_pages_release(&vm, &b, 0, UINT64_MAX);
	KEXPECT_TRUE(a.root == NULL && b.root == NULL && a.count == 0);
	KEXPECT_EQ(pmm->free_frames, free_before);
	end();
}

/* ------------------------------------------------------------ every allocation failing */

struct fingerprint {
	uint64_t free_frames;
	unsigned regions;
	uint64_t sum; /* starts, ends and protections of the regions */
};

static struct fingerprint take_fingerprint(struct mmk_vm_space *s)
{
	struct fingerprint f = {ktest_env_pmm()->free_frames, region_count(s), 0};
	for (const struct mmk_vas_range *n = mmk_vas_first(&s->regions, 0); n;
	     n = mmk_vas_next(&s->regions, n)) {
		const struct mmk_vm_region *r = (const struct mmk_vm_region *)n;
		f.sum = f.sum * 31 + r->range.start * 7 + r->range.end * 3 + r->prot + r->low;
	}
	return f;
}

static bool same_fingerprint(struct fingerprint a, struct fingerprint b)
{
	return a.free_frames == b.free_frames && a.regions == b.regions && a.sum == b.sum;
}

enum step { MAP_SHARED, MAP_FIXED, UNMAP_MIDDLE, PROTECT_MIDDLE, FORK, WRITE_NEW, WRITE_COW, STEPS };

/* A space with a split-worthy region of written pages, and a child sharing them. */
static void prepare(struct mmk_vm_space *a, struct mmk_vm_space *child)
{
	mmk_vaddr_t va = UVA;
	MMK_ASSERT(mmk_vm_space_create(&vm, a) == 0);
	MMK_ASSERT(mmk_vm_map_anon(a, &va, 8 * P, URW) == 0);
	for (unsigned i = 0; i < 8; i += 2)
		MMK_ASSERT(write_in(a, UVA + i * P, 50 + i) == 0);
	MMK_ASSERT(mmk_vm_fork(a, child) == 0);
}

/* One step; for a fault, 0 or -MMK_ENOMEM as the access went. */
static int do_step(enum step st, struct mmk_vm_space *a, struct mmk_vm_space *b)
{
	mmk_vaddr_t va = UVA + 64 * P;
	switch (st) {
	case MAP_SHARED: return mmk_vm_map(a, &va, 2 * P, URW, MMK_VM_SHARED | MMK_VM_FIXED, NULL, 0);
	case MAP_FIXED: va = UVA + 3 * P; return mmk_vm_map(a, &va, P, UR, MMK_VM_FIXED, NULL, 0);
	case UNMAP_MIDDLE: return mmk_vm_unmap(a, UVA + 2 * P, P);
	case PROTECT_MIDDLE: return mmk_vm_protect(a, UVA + 2 * P, 2 * P, UR);
	case FORK: {
		int err = mmk_vm_fork(a, b);
		if (!err)
			MMK_ASSERT(mmk_vm_space_destroy(b) == 0);
		return err;
	}
	case WRITE_NEW: return write_in(a, UVA + 1 * P, 9) ? -MMK_ENOMEM : 0;
	case WRITE_COW: return write_in(a, UVA + 2 * P, 9) ? -MMK_ENOMEM : 0;
	default: return -MMK_EINVAL;
	}
}

KTEST(vm_objects, every_allocation_failing_in_turn_changes_nothing)
{
	struct mmk_pmm *pmm = ktest_env_pmm();
	unsigned bad = 0, failures = 0;
	begin();
	uint64_t free_before = pmm->free_frames;
	for (unsigned st = 0; st < STEPS; st++) {
		for (unsigned kind = 0; kind < 2; kind++) { /* PMM frames, then structures */
			for (unsigned nth = 0;; nth++) {
				struct mmk_vm_space a, child, b;
				prepare(&a, &child);
				struct fingerprint before = take_fingerprint(&a);
				if (kind == 0) {
					mmk_pmm_inject_failure(pmm, nth + 1);
				} else {
					limit_allocs = true;
					allocs_left = nth;
				}
				int err = do_step((enum step)st, &a, &b);
				mmk_pmm_inject_failure(pmm, 0);
				limit_allocs = false;
				if (err && (err != -MMK_ENOMEM ||
					    !same_fingerprint(before, take_fingerprint(&a)))) {
					ktest_log("step %u, %s %u: %d", st, kind ? "structure" : "frame", nth, err);
					bad++;
				}
				/* What the parent had is intact either way. */
				bad += read_in(&a, UVA) != 50 || read_in(&a, UVA + 4 * P) != 54;
				bad += mmk_vm_check(&a) != 0;
				MMK_ASSERT(mmk_vm_space_destroy(&child) == 0);
				MMK_ASSERT(mmk_vm_space_destroy(&a) == 0);
				if (!err)
					break;
				failures++;
				if (nth > 40) {
					bad++;
					break;
				}
			}
		}
	}
	ktest_log("%u failed allocations, each refused whole", failures);
	KEXPECT_EQ(bad, 0);
	KEXPECT_GT(failures, STEPS);
	KEXPECT_EQ(pmm->free_frames, free_before);
	end();
}

/* ------------------------------------------------------------ a model */

#define MPAGES 24
#define MSPACES 2
#define CELLS 4096

struct mpage {
	bool mapped, writable, shared;
	unsigned cell; /* the value's cell: shared pages share it across fork */
};

static struct {
	bool live;
	struct mpage page[MPAGES];
} ms[MSPACES];
static uint32_t cell[CELLS];
static unsigned cells;
static struct mmk_vm_space mspace[MSPACES];
static uint64_t mrng;

static unsigned mrnd(unsigned n)
{
	return ktest_random_below(&mrng, n);
}

static unsigned new_cell(uint32_t v)
{
	if (cells == CELLS)
		cells = 0; /* reuse: old cells are all dead by then, or the model is wrong loudly */
	cell[cells] = v;
	return cells++;
}

/* Checks every page of space i against the model; returns the mismatches. */
static unsigned verify(unsigned i)
{
	unsigned bad = 0;
	for (unsigned p = 0; p < MPAGES; p++) {
		uint32_t v = read_in(&mspace[i], UVA + p * P);
		uint32_t want = ms[i].page[p].mapped ? cell[ms[i].page[p].cell] : 0xDEAD;
		bad += v != want;
	}
	return bad + (mmk_vm_check(&mspace[i]) != 0);
}

static int model_map(unsigned i, unsigned first, unsigned n, bool writable, bool shared, bool fixed)
{
	mmk_vaddr_t va = UVA + first * P;
	unsigned flags = (shared ? MMK_VM_SHARED : 0) | (fixed ? MMK_VM_FIXED : MMK_VM_NOREPLACE);
	int err = mmk_vm_map(&mspace[i], &va, n * P, writable ? URW : UR, flags, NULL, 0);
	bool taken = false;
	for (unsigned p = first; p < first + n; p++)
		taken = taken || ms[i].page[p].mapped;
	if (!fixed && taken)
		return err == -MMK_EEXIST ? 0 : 1;
	if (err)
		return err == -MMK_ENOMEM ? 0 : 1;
	for (unsigned p = first; p < first + n; p++)
		ms[i].page[p] = (struct mpage){true, writable, shared, new_cell(0)};
	return 0;
}

static int model_unmap(unsigned i, unsigned first, unsigned n)
{
	int err = mmk_vm_unmap(&mspace[i], UVA + first * P, n * P);
	if (err)
		return err == -MMK_ENOMEM ? 0 : 1;
	for (unsigned p = first; p < first + n; p++)
		ms[i].page[p].mapped = false;
	return 0;
}

static int model_protect(unsigned i, unsigned first, unsigned n, bool writable)
{
	int err = mmk_vm_protect(&mspace[i], UVA + first * P, n * P, writable ? URW : UR);
	bool hole = false;
	for (unsigned p = first; p < first + n; p++)
		hole = hole || !ms[i].page[p].mapped;
	if (hole)
		return err == -MMK_ENOENT ? 0 : 1;
	if (err)
		return err == -MMK_ENOMEM ? 0 : 1;
	for (unsigned p = first; p < first + n; p++)
		ms[i].page[p].writable = writable;
	return 0;
}

static int model_write(unsigned i, unsigned p, bool injected)
{
	uint32_t v = 1 + (uint32_t)mrnd(1000000);
	int err = write_in(&mspace[i], UVA + p * P, v);
	if (!ms[i].page[p].mapped || !ms[i].page[p].writable)
		return err == -MMK_EFAULT ? 0 : 1;
	if (err)
		return injected ? 0 : 1;
	cell[ms[i].page[p].cell] = v;
	return 0;
}

/* Fork of space i into j: private pages get cells of their own, shared ones keep theirs. */
static int model_fork(unsigned i, unsigned j)
{
	int err = mmk_vm_fork(&mspace[i], &mspace[j]);
	if (err)
		return err == -MMK_ENOMEM ? 0 : 1;
	ms[j].live = true;
	for (unsigned p = 0; p < MPAGES; p++) {
		ms[j].page[p] = ms[i].page[p];
		if (ms[i].page[p].mapped && !ms[i].page[p].shared)
			ms[j].page[p].cell = new_cell(cell[ms[i].page[p].cell]);
	}
	return 0;
}

KTEST(vm_objects, map_unmap_protect_fork_and_faults_match_a_model)
{
	struct mmk_pmm *pmm = ktest_env_pmm();
	unsigned bad = 0, steps = ktest_scale(2000, 300), injected = 0;
	begin();
	uint64_t free_before = pmm->free_frames;
	mrng = 0x9E3779B97F4A7C15ull;
	cells = 0;
	for (unsigned i = 0; i < MSPACES; i++)
		ms[i].live = false;
	for (unsigned step = 0; step < steps && bad == 0; step++) {
		unsigned i = mrnd(MSPACES), op = mrnd(20);
		if (!ms[i].live) {
			if (ms[1 - i].live && mrnd(2)) {
				bad += model_fork(1 - i, i);
			} else {
				bad += mmk_vm_space_create(&vm, &mspace[i]) != 0;
				ms[i].live = true;
				for (unsigned p = 0; p < MPAGES; p++)
					ms[i].page[p] = (struct mpage){0};
			}
			continue;
		}
		bool inject = mrnd(6) == 0;
		if (inject && mrnd(2)) {
			mmk_pmm_inject_failure(pmm, 1 + mrnd(3));
		} else if (inject) {
			limit_allocs = true;
			allocs_left = mrnd(3);
		}
		injected += inject;
		unsigned first = mrnd(MPAGES), n = 1 + mrnd(MPAGES - first < 6 ? MPAGES - first : 6);
		if (op < 3)
			bad += model_map(i, first, n, mrnd(2), mrnd(3) == 0, mrnd(2));
		else if (op < 5)
			bad += model_unmap(i, first, n);
		else if (op < 7)
			bad += model_protect(i, first, n, mrnd(2));
		else if (op == 7 && !ms[1 - i].live)
			bad += model_fork(i, 1 - i);
		else if (op == 8) {
			bad += mmk_vm_space_destroy(&mspace[i]) != 0;
			ms[i].live = false;
		} else
			bad += model_write(i, first, inject);
		mmk_pmm_inject_failure(pmm, 0);
		limit_allocs = false;
		bad += ktest_env_stale_tlb_entries();
		if (step % 16 == 0 || bad)
			for (unsigned k = 0; k < MSPACES; k++)
				if (ms[k].live)
					bad += verify(k);
		if (bad)
			ktest_log("step %u: op %u on space %u, pages %u+%u", step, op, i, first, n);
	}
	for (unsigned k = 0; k < MSPACES; k++)
		if (ms[k].live) {
			bad += verify(k);
			bad += mmk_vm_space_destroy(&mspace[k]) != 0;
		}
	ktest_log("%u steps, %u with a failure injected; %llu zero fills, %llu zero maps, "
		  "%llu copies, %llu reuses, %llu object pages", steps, injected,
		  (unsigned long long)vm.stats.zero_fills, (unsigned long long)vm.stats.zero_maps,
		  (unsigned long long)vm.stats.cow_copies, (unsigned long long)vm.stats.cow_reuses,
		  (unsigned long long)vm.stats.object_pages);
	KEXPECT_EQ(bad, 0);
	KEXPECT_GT(vm.stats.cow_copies, 0);
	KEXPECT_EQ(pmm->free_frames, free_before);
	end();
}
