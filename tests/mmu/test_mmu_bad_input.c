/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The bad-input table: every public call of the PMM, VAS, page tables, kernel window,
 * kernel heap and VM given what a careless or hostile caller would pass (zero sizes,
 * unaligned values, ranges that wrap or straddle the user / kernel boundary, the first
 * and last page of each half, non-canonical addresses, sizes whose products overflow,
 * double frees, foreign and interior pointers, objects never created or gone, flags
 * that contradict each other). One table per function; each row names the error the
 * function's header documents, and every structure - free frames, every space's
 * leaves and tables, every VAS, the heap - is fingerprinted before and after: a
 * refused call changes nothing. Run over every machine's simulator (host only).
 */
#include <mmukit/errno.h>
#include <mmukit/kheap.h>
#include <mmukit/ktest.h>
#include <mmukit/kvm.h>
#include <mmukit/mmu.h>
#include <mmukit/pmm.h>
#include <mmukit/pt.h>
#include <mmukit/vas.h>
#include <mmukit/vm.h>

#define K4 ((mmk_vsize_t)4096)
#define URW (MMK_PROT_READ | MMK_PROT_WRITE | MMK_PROT_USER)
#define KRW (MMK_PROT_READ | MMK_PROT_WRITE)
#define MMIO_PA 0xFEC00000u /* beyond every simulator's RAM: reading it would fail */

/* ------------------------------------------------------------ the world */

/* Addresses a row names, worked out per machine (0: the machine has none). */
enum anchor {
	ABS,        /* the offset itself */
	U_MAPPED,   /* four mapped pages of an anonymous region of space a */
	U_BASE,     /* the first user page */
	U_END,      /* just above the last user page */
	K_BASE,     /* the first kernel page */
	K_END,      /* just above the last kernel page (0 at the top of the address space) */
	HOLE,       /* a non-canonical address between the halves (0: none) */
	ANCHORS
};

static struct world {
	struct mmk_kheap heap;
	struct mmk_vm vm;
	struct mmk_vm_space a, b;
	struct mmk_mmu_space dead;           /* created, then destroyed */
	struct mmk_kvm_pages stack, mmio, reserved, released;
	mmk_vaddr_t stack_top, mmio_va;
	void *small, *freed_small, *large;
	struct mmk_vas vas;                  /* a private set: [1 MiB, 2 MiB) */
	struct mmk_vas_range n1, n2, loose;
	mmk_paddr_t frame, freed_frame;
	mmk_vaddr_t at[ANCHORS];
} w;

static struct mmk_mmu *mmu(void)
{
	return ktest_env_mmu();
}

static mmk_vaddr_t addr(unsigned anchor, int64_t off)
{
	return w.at[anchor] + (mmk_vaddr_t)off;
}

static int build_world(void)
{
	const struct mmk_pt_format *f = mmu()->fmt;
	struct mmk_kvm *kvm = ktest_env_kvm();
	w = (struct world){0};
	mmk_kheap_init(&w.heap, kvm);
	int err = mmk_vm_init(&w.vm, mmu(), ktest_env_malloc, ktest_env_free);
	ktest_env_free(ktest_env_malloc(sizeof(struct mmk_vm_region))); /* its slab exists */
	err = err ? err : mmk_vm_space_create(&w.vm, &w.a);
	err = err ? err : mmk_vm_space_create(&w.vm, &w.b);
	err = err ? err : mmk_mmu_space_create(mmu(), &w.dead);
	err = err ? err : mmk_mmu_space_destroy(&w.dead, NULL, NULL);
	mmk_vaddr_t uva = f->user_base + MMK_MIB; /* the first user page stays free */
	err = err ? err : mmk_vm_map_anon(&w.a, &uva, 16 * K4, URW);
	for (unsigned i = 0; !err && i < 4; i++) {
		uint32_t v = i;
		mmk_mmu_activate(&w.a.mmu);
		err = ktest_env_access(uva + i * K4, true, &v);
		mmk_mmu_activate(&mmu()->kernel);
	}
	err = err ? err : mmk_kvm_stack_alloc(kvm, &w.stack, 2, &w.stack_top);
	err = err ? err : mmk_kvm_map_mmio(kvm, &w.mmio, MMIO_PA, K4, MMK_CACHE_UC, &w.mmio_va);
	err = err ? err : mmk_kvm_pages_alloc(kvm, &w.reserved, 2, K4, MMK_VAS_LOWEST);
	err = err ? err : mmk_kvm_pages_alloc(kvm, &w.released, 1, K4, MMK_VAS_LOWEST);
	err = err ? err : mmk_kvm_pages_release(&w.released, false);
	w.small = mmk_kheap_alloc(&w.heap, 48);
	w.freed_small = mmk_kheap_alloc(&w.heap, 48);
	w.large = mmk_kheap_alloc(&w.heap, 3 * K4);
	if (!w.small || !w.freed_small || !w.large)
		return -MMK_ENOMEM;
	err = err ? err : mmk_kheap_free(&w.heap, w.freed_small);
	mmk_vas_init(&w.vas, MMK_MIB, 2 * MMK_MIB);
	err = err ? err : mmk_vas_reserve(&w.vas, &w.n1, MMK_MIB, K4);
	err = err ? err : mmk_vas_reserve(&w.vas, &w.n2, MMK_MIB + 8 * K4, K4);
	err = err ? err : mmk_pmm_alloc(mmu()->pmm, &w.frame);
	err = err ? err : mmk_pmm_alloc(mmu()->pmm, &w.freed_frame);
	err = err ? err : mmk_pmm_free(mmu()->pmm, w.freed_frame);
	w.at[U_MAPPED] = uva;
	w.at[U_BASE] = f->user_base;
	w.at[U_END] = f->user_end;
	w.at[K_BASE] = f->kernel_base;
	w.at[K_END] = f->kernel_end;
	w.at[HOLE] = f->user_end < f->kernel_base ? f->user_end : 0;
	return err;
}

static void tear_world(void)
{
	KEXPECT_EQ(mmk_kheap_free(&w.heap, w.small), 0);
	KEXPECT_EQ(mmk_kheap_free(&w.heap, w.large), 0);
	KEXPECT_EQ(mmk_kheap_check(&w.heap), 0);
	KEXPECT_EQ(mmk_kvm_pages_release(&w.reserved, false), 0);
	KEXPECT_EQ(mmk_kvm_pages_release(&w.mmio, false), 0);
	KEXPECT_EQ(mmk_kvm_pages_release(&w.stack, true), 0);
	KEXPECT_EQ(mmk_vm_space_destroy(&w.b), 0);
	KEXPECT_EQ(mmk_vm_space_destroy(&w.a), 0);
	mmk_vm_fini(&w.vm);
	KEXPECT_EQ(mmk_pmm_free(mmu()->pmm, w.frame), 0);
	KEXPECT_EQ(mmk_pmm_check(mmu()->pmm), 0);
}

/* ------------------------------------------------------------ fingerprints */

static void mix(uint64_t *h, uint64_t v)
{
	*h = (*h ^ v) * 0x100000001B3ull;
}

static int mix_mapping(void *ctx, const struct mmk_mmu_mapping *m)
{
	mix(ctx, m->va);
	mix(ctx, m->pa);
	mix(ctx, m->flags & ~(unsigned)(MMK_MAP_ACCESSED | MMK_MAP_DIRTY));
	mix(ctx, m->page_shift);
	return 0;
}

static void mix_vas(uint64_t *h, const struct mmk_vas *vas)
{
	KEXPECT_EQ(mmk_vas_check(vas), 0);
	mix(h, vas->count);
	for (const struct mmk_vas_range *r = mmk_vas_first(vas, 0); r; r = mmk_vas_next(vas, r)) {
		mix(h, r->start);
		mix(h, r->end);
	}
}

/* Everything a call could change. */
static uint64_t fingerprint(void)
{
	uint64_t h = 0xCBF29CE484222325ull;
	for (const struct mmk_mmu_space *s = mmu()->spaces; s; s = s->next) {
		mmk_mmu_walk(s, 0, (mmk_vaddr_t)-1, mix_mapping, &h);
		mix(&h, s->table_pages);
		mix(&h, s->root);
	}
	struct mmk_pmm_stats st;
	mmk_pmm_get_stats(mmu()->pmm, &st);
	mix(&h, st.free_frames);
	mix(&h, mmk_pmm_refcount(mmu()->pmm, w.frame));
	mix_vas(&h, &ktest_env_kvm()->vas);
	mix_vas(&h, &w.a.regions);
	mix_vas(&h, &w.b.regions);
	mix_vas(&h, &w.vas);
	KEXPECT_EQ(mmk_kheap_check(&w.heap), 0);
	mix(&h, w.heap.stats.pages);
	mix(&h, w.heap.stats.objects);
	mix(&h, w.heap.stats.bytes);
	mix(&h, mmk_kheap_usable_size(&w.heap, w.small));
	return h;
}

/* ------------------------------------------------------------ rows */

/* Which object a row calls on. */
enum target { SPACE_A, SPACE_KERNEL, SPACE_DEAD, SPACE_B };

struct row {
	const char *what;
	int want;          /* the documented error (negative), 0 for "NULL, nothing done" */
	unsigned anchor;   /* va = w.at[anchor] + off */
	int64_t off;
	uint64_t size;
	uint64_t pa;
	unsigned flags;
	unsigned target;   /* enum target, or a function's own selector */
};

typedef int (*row_fn)(const struct row *r);

static struct mmk_mmu_space *space_of(unsigned target)
{
	switch (target) {
	case SPACE_KERNEL: return &mmu()->kernel;
	case SPACE_DEAD: return &w.dead;
	case SPACE_B: return &w.b.mmu;
	default: return &w.a.mmu;
	}
}

static unsigned run_table(const char *fn, const struct row *rows, unsigned n, row_fn call)
{
	unsigned ran = 0;
	for (unsigned i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		if (r->anchor == HOLE && w.at[HOLE] == 0)
			continue; /* the machine has no address between its halves */
		uint64_t before = fingerprint();
		int got = call(r);
		uint64_t after = fingerprint();
		if (got != r->want || after != before)
			ktest_log("%s: %s: got %d, want %d%s", fn, r->what, got, r->want,
				  after != before ? ", and something changed" : "");
		KEXPECT_EQ(got, r->want);
		KEXPECT_EQ(after, before);
		ran++;
	}
	return ran;
}

#define RUN(fn, rows) run_table(#fn, rows, MMK_ARRAY_SIZE(rows), call_##fn)

/* ------------------------------------------------------------ page tables */

static int call_mmk_mmu_map(const struct row *r)
{
	return mmk_mmu_map(space_of(r->target), addr(r->anchor, r->off), r->pa, r->size, r->flags,
			   0);
}

static const struct row map_rows[] = {
	{"zero length", -MMK_EINVAL, U_MAPPED, 64 * K4, 0, 0, URW, SPACE_A},
	{"unaligned va", -MMK_EALIGN, U_MAPPED, 64 * K4 + 8, K4, 0, URW, SPACE_A},
	{"unaligned size", -MMK_EALIGN, U_MAPPED, 64 * K4, K4 + 1, 0, URW, SPACE_A},
	{"unaligned pa", -MMK_EALIGN, U_MAPPED, 64 * K4, K4, 0x123, URW, SPACE_A},
	{"no access at all", -MMK_EINVAL, U_MAPPED, 64 * K4, K4, 0, MMK_PROT_USER, SPACE_A},
	{"unknown flag", -MMK_EINVAL, U_MAPPED, 64 * K4, K4, 0, URW | 0x40000, SPACE_A},
	{"already mapped", -MMK_EEXIST, U_MAPPED, 0, K4, 0, URW, SPACE_A},
	{"overlapping the mapped pages", -MMK_EEXIST, U_MAPPED, 3 * K4, 2 * K4, 0, URW, SPACE_A},
	{"va range wraps", -MMK_ERANGE, ABS, -(int64_t)K4, 2 * K4, 0, URW, SPACE_A},
	{"pa range wraps", -MMK_ERANGE, U_MAPPED, 64 * K4, 2 * K4, (uint64_t)0 - K4, URW,
	 SPACE_A},
	{"straddles the top of the user half", -MMK_ERANGE, U_END, -(int64_t)K4, 2 * K4, 0, URW,
	 SPACE_A},
	{"first kernel page in a user space", -MMK_ERANGE, K_BASE, 0, K4, 0, URW, SPACE_A},
	{"last kernel page in a user space", -MMK_ERANGE, K_END, -(int64_t)K4, K4, 0, URW,
	 SPACE_A},
	{"non-canonical in a user space", -MMK_ERANGE, HOLE, 0, K4, 0, URW, SPACE_A},
	{"non-canonical in the kernel space", -MMK_ERANGE, HOLE, 0, K4, 0, KRW, SPACE_KERNEL},
	{"first user page in the kernel space", -MMK_ERANGE, U_BASE, 0, K4, 0, KRW,
	 SPACE_KERNEL},
	{"last user page in the kernel space", -MMK_ERANGE, U_END, -(int64_t)K4, K4, 0, KRW,
	 SPACE_KERNEL},
	{"user flag in the kernel space", -MMK_EPERM, K_BASE, 0, K4, 0, URW, SPACE_KERNEL},
	{"a destroyed space", -MMK_EINVAL, U_MAPPED, 64 * K4, K4, 0, URW, SPACE_DEAD},
};

static int call_mmk_mmu_unmap(const struct row *r)
{
	return mmk_mmu_unmap(space_of(r->target), addr(r->anchor, r->off), r->size, NULL);
}

static const struct row unmap_rows[] = {
	{"zero length", -MMK_EINVAL, U_MAPPED, 0, 0, 0, 0, SPACE_A},
	{"unaligned va", -MMK_EALIGN, U_MAPPED, 8, K4, 0, 0, SPACE_A},
	{"unaligned size", -MMK_EALIGN, U_MAPPED, 0, 8, 0, 0, SPACE_A},
	{"partly mapped", -MMK_ENOENT, U_MAPPED, 0, 8 * K4, 0, 0, SPACE_A},
	{"nothing mapped", -MMK_ENOENT, U_MAPPED, 64 * K4, K4, 0, 0, SPACE_A},
	{"range wraps", -MMK_ERANGE, ABS, -(int64_t)K4, 2 * K4, 0, 0, SPACE_A},
	{"ends exactly at the top of the user half", -MMK_ENOENT, U_END, -(int64_t)K4, K4, 0, 0,
	 SPACE_A},
	{"first user page", -MMK_ENOENT, U_BASE, 0, K4, 0, 0, SPACE_A},
	{"straddles the top of the user half", -MMK_ERANGE, U_END, -(int64_t)K4, 2 * K4, 0, 0,
	 SPACE_A},
	{"kernel page in a user space", -MMK_ERANGE, K_BASE, 0, K4, 0, 0, SPACE_A},
	{"non-canonical", -MMK_ERANGE, HOLE, 0, K4, 0, 0, SPACE_A},
	{"user page in the kernel space", -MMK_ERANGE, U_MAPPED, 0, K4, 0, 0, SPACE_KERNEL},
	{"a destroyed space", -MMK_EINVAL, U_MAPPED, 0, K4, 0, 0, SPACE_DEAD},
};

static int call_mmk_mmu_protect(const struct row *r)
{
	return mmk_mmu_protect(space_of(r->target), addr(r->anchor, r->off), r->size, r->flags,
			       NULL);
}

static const struct row protect_rows[] = {
	{"zero length", -MMK_EINVAL, U_MAPPED, 0, 0, 0, URW, SPACE_A},
	{"unaligned", -MMK_EALIGN, U_MAPPED, 8, K4, 0, URW, SPACE_A},
	{"no access", -MMK_EINVAL, U_MAPPED, 0, K4, 0, MMK_PROT_USER, SPACE_A},
	{"unknown flag", -MMK_EINVAL, U_MAPPED, 0, K4, 0, URW | 0x40000, SPACE_A},
	{"partly mapped", -MMK_ENOENT, U_MAPPED, 0, 8 * K4, 0, URW, SPACE_A},
	{"range wraps", -MMK_ERANGE, ABS, -(int64_t)K4, 2 * K4, 0, URW, SPACE_A},
	{"straddles the halves", -MMK_ERANGE, U_END, -(int64_t)K4, 2 * K4, 0, URW, SPACE_A},
	{"ends at the top of the user half", -MMK_ENOENT, U_END, -(int64_t)K4, K4, 0, URW,
	 SPACE_A},
	{"non-canonical", -MMK_ERANGE, HOLE, 0, K4, 0, URW, SPACE_A},
	{"user flag in the kernel space", -MMK_EPERM, K_BASE, 0, K4, 0, URW, SPACE_KERNEL},
	{"a destroyed space", -MMK_EINVAL, U_MAPPED, 0, K4, 0, URW, SPACE_DEAD},
};

static int call_mmk_mmu_remap(const struct row *r)
{
	return mmk_mmu_remap(space_of(r->target), addr(r->anchor, r->off), r->pa, r->flags, NULL);
}

static const struct row remap_rows[] = {
	{"nothing mapped", -MMK_ENOENT, U_MAPPED, 64 * K4, 0, 0, URW, SPACE_A},
	{"unaligned va", -MMK_EALIGN, U_MAPPED, 8, 0, 0, URW, SPACE_A},
	{"unaligned pa", -MMK_EALIGN, U_MAPPED, 0, 0, 0x10, URW, SPACE_A},
	{"no access", -MMK_EINVAL, U_MAPPED, 0, 0, 0, MMK_PROT_USER, SPACE_A},
	{"kernel page in a user space", -MMK_ERANGE, K_BASE, 0, 0, 0, URW, SPACE_A},
	{"non-canonical", -MMK_ERANGE, HOLE, 0, 0, 0, URW, SPACE_A},
	{"user flag in the kernel space", -MMK_EPERM, K_BASE, 0, 0, 0, URW, SPACE_KERNEL},
	{"a destroyed space", -MMK_EINVAL, U_MAPPED, 0, 0, 0, URW, SPACE_DEAD},
};

static int call_mmk_mmu_query(const struct row *r)
{
	struct mmk_mmu_mapping m;
	return mmk_mmu_query(space_of(r->target), addr(r->anchor, r->off), &m);
}

static const struct row query_rows[] = {
	{"nothing mapped", -MMK_ENOENT, U_MAPPED, 64 * K4, 0, 0, 0, SPACE_A},
	{"another space's page", -MMK_ENOENT, U_MAPPED, 0, 0, 0, 0, SPACE_B},
	{"user page in the kernel space", -MMK_ENOENT, U_MAPPED, 0, 0, 0, 0, SPACE_KERNEL},
	{"last user byte", -MMK_ENOENT, U_END, -1, 0, 0, 0, SPACE_A},
	{"first user page", -MMK_ENOENT, U_BASE, 0, 0, 0, 0, SPACE_A},
	{"non-canonical in a user space", -MMK_ENOENT, HOLE, 0, 0, 0, 0, SPACE_A},
	{"non-canonical in the kernel space", -MMK_ENOENT, HOLE, 0, 0, 0, 0, SPACE_KERNEL},
	{"a destroyed space", -MMK_EINVAL, U_MAPPED, 0, 0, 0, 0, SPACE_DEAD},
};

static int count_leaf(void *ctx, const struct mmk_mmu_mapping *m)
{
	(void)m;
	++*(unsigned *)ctx;
	return 0;
}

static int call_mmk_mmu_clear_accessed(const struct row *r)
{
	unsigned n = 0;
	return mmk_mmu_clear_accessed(space_of(r->target), addr(r->anchor, r->off), r->size,
				      r->flags, count_leaf, &n, NULL);
}

static const struct row clear_rows[] = {
	{"zero length", -MMK_EINVAL, U_MAPPED, 0, 0, 0, MMK_MAP_ACCESSED, SPACE_A},
	{"unaligned", -MMK_EALIGN, U_MAPPED, 8, K4, 0, MMK_MAP_ACCESSED, SPACE_A},
	{"range wraps", -MMK_ERANGE, ABS, -(int64_t)K4, 2 * K4, 0, MMK_MAP_ACCESSED, SPACE_A},
	{"straddles the halves", -MMK_ERANGE, U_END, -(int64_t)K4, 2 * K4, 0, MMK_MAP_ACCESSED,
	 SPACE_A},
	{"non-canonical", -MMK_ERANGE, HOLE, 0, K4, 0, MMK_MAP_ACCESSED, SPACE_A},
	{"a destroyed space", -MMK_EINVAL, U_MAPPED, 0, K4, 0, MMK_MAP_ACCESSED, SPACE_DEAD},
};

static int call_mmk_mmu_space_destroy(const struct row *r)
{
	return mmk_mmu_space_destroy(space_of(r->target), NULL, NULL);
}

static const struct row destroy_rows[] = {
	{"the kernel space", -MMK_EINVAL, ABS, 0, 0, 0, 0, SPACE_KERNEL},
	{"destroyed already", -MMK_EINVAL, ABS, 0, 0, 0, 0, SPACE_DEAD},
};

/* ------------------------------------------------------------ VAS */

/* target: 0 a fresh node, 1 n1 (already in the set), 2 the loose node. */
static struct mmk_vas_range *node_of(unsigned target)
{
	static struct mmk_vas_range fresh;
	if (target == 3)
		return &w.stack.range; /* in the kernel window's set */
	return target == 1 ? &w.n1 : target == 2 ? &w.loose : &fresh;
}

static int call_mmk_vas_reserve(const struct row *r)
{
	return mmk_vas_reserve(&w.vas, node_of(r->target), addr(r->anchor, r->off), r->size);
}

static const struct row vas_reserve_rows[] = {
	{"zero size", -MMK_EINVAL, ABS, 0x180000, 0, 0, 0, 0},
	{"wraps", -MMK_ERANGE, ABS, -(int64_t)K4, 2 * K4, 0, 0, 0},
	{"below the window", -MMK_ERANGE, ABS, 0xFF000, K4, 0, 0, 0},
	{"past the window", -MMK_ERANGE, ABS, 0x1FF000, 2 * K4, 0, 0, 0},
	{"overlaps", -MMK_EEXIST, ABS, 0x100800, K4, 0, 0, 0},
	{"a node already in the set", -MMK_EEXIST, ABS, 0x180000, K4, 0, 0, 1},
};

static int call_mmk_vas_alloc(const struct row *r)
{
	mmk_vaddr_t start;
	return mmk_vas_alloc(&w.vas, node_of(r->target), r->size, r->pa, 0, (mmk_vaddr_t)-1,
			     (int)r->flags, &start);
}

static const struct row vas_alloc_rows[] = {
	{"zero size", -MMK_EINVAL, ABS, 0, 0, K4, MMK_VAS_LOWEST, 0},
	{"alignment 0", -MMK_EINVAL, ABS, 0, K4, 0, MMK_VAS_LOWEST, 0},
	{"alignment not a power of two", -MMK_EINVAL, ABS, 0, K4, 3 * K4, MMK_VAS_LOWEST, 0},
	{"unknown direction", -MMK_EINVAL, ABS, 0, K4, K4, 7, 0},
	{"larger than the window", -MMK_ENOMEM, ABS, 0, 2 * MMK_MIB, K4, MMK_VAS_LOWEST, 0},
	{"huge", -MMK_ENOMEM, ABS, 0, (mmk_vsize_t)-1, K4, MMK_VAS_HIGHEST, 0},
	{"a node already in the set", -MMK_EEXIST, ABS, 0, K4, K4, MMK_VAS_LOWEST, 1},
};

static int call_mmk_vas_free(const struct row *r)
{
	return mmk_vas_free(&w.vas, node_of(r->target));
}

static const struct row vas_free_rows[] = {
	{"a node in no set", -MMK_ENOENT, ABS, 0, 0, 0, 0, 2},
	{"another set's node", -MMK_ENOENT, ABS, 0, 0, 0, 0, 3},
};

/* ------------------------------------------------------------ kernel window */

static int call_mmk_kvm_pages_alloc(const struct row *r)
{
	struct mmk_kvm_pages p;
	return mmk_kvm_pages_alloc(ktest_env_kvm(), &p, r->size, r->pa, (int)r->flags);
}

static const struct row kvm_alloc_rows[] = {
	{"0 pages", -MMK_EINVAL, ABS, 0, 0, K4, MMK_VAS_LOWEST, 0},
	{"alignment below a page", -MMK_EINVAL, ABS, 0, 1, 16, MMK_VAS_LOWEST, 0},
	{"alignment not a power of two", -MMK_EINVAL, ABS, 0, 1, 3 * K4, MMK_VAS_LOWEST, 0},
	{"unknown direction", -MMK_EINVAL, ABS, 0, 1, K4, 9, 0},
	{"pages overflow bytes", -MMK_EINVAL, ABS, 0, (mmk_vsize_t)-1 / 2, K4, MMK_VAS_LOWEST, 0},
	{"more than the window", -MMK_ENOMEM, ABS, 0, (mmk_vsize_t)-1 / K4, K4, MMK_VAS_LOWEST,
	 0},
};

static int call_mmk_kvm_pages_map(const struct row *r)
{
	struct mmk_kvm_pages *p = r->target == 1 ? &w.stack : &w.reserved;
	return mmk_kvm_pages_map(p, p->range.start + (mmk_vaddr_t)r->off, r->pa, r->flags);
}

static const struct row kvm_map_rows[] = {
	{"below the handle", -MMK_ERANGE, ABS, -(int64_t)K4, 0, 0, KRW, 0},
	{"above the handle", -MMK_ERANGE, ABS, 2 * K4, 0, 0, KRW, 0},
	{"unaligned va", -MMK_EALIGN, ABS, 8, 0, 0, KRW, 0},
	{"unaligned pa", -MMK_EALIGN, ABS, 0, 0, 8, KRW, 0},
	{"user flag", -MMK_EPERM, ABS, 0, 0, 0, URW, 0},
	{"no access", -MMK_EINVAL, ABS, 0, 0, 0, 0, 0},
	{"a stack page, mapped already", -MMK_EEXIST, ABS, K4, 0, 0, KRW, 1},
};

static int call_mmk_kvm_pages_release(const struct row *r)
{
	return mmk_kvm_pages_release(&w.released, false);
}

static const struct row kvm_release_rows[] = {
	{"released already", -MMK_ENOENT, ABS, 0, 0, 0, 0, 0},
};

static int call_mmk_kvm_stack_alloc(const struct row *r)
{
	struct mmk_kvm_pages p;
	mmk_vaddr_t top;
	return mmk_kvm_stack_alloc(ktest_env_kvm(), &p, r->size, &top);
}

static const struct row kvm_stack_rows[] = {
	{"0 pages", -MMK_EINVAL, ABS, 0, 0, 0, 0, 0},
	{"pages overflow bytes", -MMK_EINVAL, ABS, 0, (mmk_vsize_t)-1 / 2, 0, 0, 0},
	{"more than the window", -MMK_ENOMEM, ABS, 0, (mmk_vsize_t)-1 / K4 - 1, 0, 0, 0},
};

static int call_mmk_kvm_map_mmio(const struct row *r)
{
	struct mmk_kvm_pages p;
	mmk_vaddr_t va;
	return mmk_kvm_map_mmio(ktest_env_kvm(), &p, r->pa, r->size, r->flags, &va);
}

static const struct row kvm_mmio_rows[] = {
	{"size 0", -MMK_EINVAL, ABS, 0, 0, MMIO_PA, MMK_CACHE_UC, 0},
	{"write-back memory type", -MMK_EINVAL, ABS, 0, K4, MMIO_PA, MMK_CACHE_WB, 0},
	{"unknown memory type", -MMK_EINVAL, ABS, 0, K4, MMIO_PA, 0x8000, 0},
	{"pa range wraps", -MMK_ERANGE, ABS, 0, 2 * K4, (uint64_t)0 - K4, MMK_CACHE_UC, 0},
	{"more than the window", -MMK_ENOMEM, ABS, 0, (mmk_vsize_t)-1 / 2, 0, MMK_CACHE_UC, 0},
};

/* ------------------------------------------------------------ kernel heap */

/* target: which pointer a kheap row passes. */
enum pointer { P_SMALL, P_FREED_SMALL, P_LARGE, P_GUARD, P_STACK, P_RESERVED, P_MMIO,
	       P_RELEASED, P_LOW, P_KERNEL };

static void *pointer_of(const struct row *r)
{
	mmk_vaddr_t va = 0;
	switch (r->target) {
	case P_SMALL: va = (mmk_vaddr_t)w.small; break;
	case P_FREED_SMALL: va = (mmk_vaddr_t)w.freed_small; break;
	case P_LARGE: va = (mmk_vaddr_t)w.large; break;
	case P_GUARD: va = w.stack.range.start; break;
	case P_STACK: va = w.stack_top - 2 * K4; break;
	case P_RESERVED: va = w.reserved.range.start; break;
	case P_MMIO: va = w.mmio_va; break;
	case P_RELEASED: va = w.released.range.start; break;
	case P_LOW: va = 0x1000; break;
	case P_KERNEL: va = w.at[K_BASE]; break;
	}
	return (void *)(va + (mmk_vaddr_t)r->off);
}

static int call_mmk_kheap_free(const struct row *r)
{
	return mmk_kheap_free(&w.heap, pointer_of(r));
}

static const struct row kheap_free_rows[] = {
	{"interior of a small object", -MMK_EINVAL, ABS, 16, 0, 0, 0, P_SMALL},
	{"small object freed already", -MMK_ESTATE, ABS, 0, 0, 0, 0, P_FREED_SMALL},
	{"interior of a large object", -MMK_EINVAL, ABS, 64, 0, 0, 0, P_LARGE},
	{"a large object's second page", -MMK_EINVAL, ABS, (int64_t)K4, 0, 0, 0, P_LARGE},
	{"a large object's header", -MMK_EINVAL, ABS, -64, 0, 0, 0, P_LARGE},
	{"a stack's guard page", -MMK_EINVAL, ABS, 0, 0, 0, 0, P_GUARD},
	{"inside a stack's guard page", -MMK_EINVAL, ABS, 64, 0, 0, 0, P_GUARD},
	{"a stack page", -MMK_EINVAL, ABS, 0, 0, 0, 0, P_STACK},
	{"reserved, unmapped window pages", -MMK_EINVAL, ABS, 0, 0, 0, 0, P_RESERVED},
	{"a device mapping", -MMK_EINVAL, ABS, 0, 0, 0, 0, P_MMIO},
	{"pages released already", -MMK_EINVAL, ABS, 0, 0, 0, 0, P_RELEASED},
	{"a low address", -MMK_EINVAL, ABS, 0, 0, 0, 0, P_LOW},
	{"the kernel's first page", -MMK_EINVAL, ABS, 0, 0, 0, 0, P_KERNEL},
};

/* Allocation rows: 0 when the call returned NULL (and then nothing may change). */
static int null_or_freed(void *p)
{
	if (!p)
		return 0;
	mmk_kheap_free(&w.heap, p);
	return 1;
}

static int call_mmk_kheap_alloc(const struct row *r)
{
	return null_or_freed(mmk_kheap_alloc(&w.heap, (size_t)r->size));
}

static const struct row kheap_alloc_rows[] = {
	{"size 0", 0, ABS, 0, 0, 0, 0, 0},
	{"2^44 bytes", 0, ABS, 0, (uint64_t)1 << 44, 0, 0, 0},
	{"2^63 bytes", 0, ABS, 0, (uint64_t)1 << 63, 0, 0, 0},
	{"the largest size", 0, ABS, 0, (size_t)-1, 0, 0, 0},
	{"the largest size less a page", 0, ABS, 0, (size_t)-1 - K4, 0, 0, 0},
};

static int call_mmk_kheap_calloc(const struct row *r)
{
	return null_or_freed(mmk_kheap_calloc(&w.heap, (size_t)r->pa, (size_t)r->size));
}

static const struct row kheap_calloc_rows[] = {
	{"count 0", 0, ABS, 0, 16, 0, 0, 0},
	{"size 0", 0, ABS, 0, 0, 16, 0, 0},
	{"product overflows", 0, ABS, 0, (size_t)-1 / 2, 4, 0, 0},
	{"product wraps to a small size", 0, ABS, 0, ((size_t)-1 / 16) + 2, 16, 0, 0},
	{"2^22 x 2^22", 0, ABS, 0, (uint64_t)1 << 22, (uint64_t)1 << 22, 0, 0},
};

static int call_mmk_kheap_realloc(const struct row *r)
{
	void *old = pointer_of(r);
	void *p = mmk_kheap_realloc(&w.heap, old, (size_t)r->size);
	if (!p)
		return 0;
	if (p != old)
		mmk_kheap_free(&w.heap, p);
	return 1;
}

static const struct row kheap_realloc_rows[] = {
	{"a small object to 2^44", 0, ABS, 0, (uint64_t)1 << 44, 0, 0, P_SMALL},
	{"a large object to the largest size", 0, ABS, 0, (size_t)-1, 0, 0, P_LARGE},
	{"an interior pointer", 0, ABS, 16, 64, 0, 0, P_SMALL},
	{"a freed object", 0, ABS, 0, 64, 0, 0, P_FREED_SMALL},
	{"a stack's guard page", 0, ABS, 0, 64, 0, 0, P_GUARD},
	{"a device mapping", 0, ABS, 0, 64, 0, 0, P_MMIO},
	{"reserved pages", 0, ABS, 0, 64, 0, 0, P_RESERVED},
};

/* ------------------------------------------------------------ VM */

static int call_mmk_vm_map_anon(const struct row *r)
{
	mmk_vaddr_t va = addr(r->anchor, r->off);
	return mmk_vm_map_anon(&w.a, &va, r->size, r->flags);
}

static const struct row vm_anon_rows[] = {
	{"size 0", -MMK_EINVAL, U_MAPPED, 64 * K4, 0, 0, URW, 0},
	{"unaligned va", -MMK_EALIGN, U_MAPPED, 64 * K4 + 8, K4, 0, URW, 0},
	{"unaligned size", -MMK_EALIGN, U_MAPPED, 64 * K4, 8, 0, URW, 0},
	{"no access", -MMK_EINVAL, U_MAPPED, 64 * K4, K4, 0, MMK_PROT_USER, 0},
	{"unknown flag", -MMK_EINVAL, U_MAPPED, 64 * K4, K4, 0, URW | 0x40000, 0},
	{"write and execute", -MMK_EPERM, U_MAPPED, 64 * K4, K4, 0, URW | MMK_PROT_EXEC, 0},
	{"overlaps a region", -MMK_EEXIST, U_MAPPED, 0, K4, 0, URW, 0},
	{"kernel half", -MMK_ERANGE, K_BASE, 0, K4, 0, URW, 0},
	{"straddles the top of the user half", -MMK_ERANGE, U_END, -(int64_t)K4, 2 * K4, 0, URW,
	 0},
	{"non-canonical", -MMK_ERANGE, HOLE, 0, K4, 0, URW, 0},
	{"larger than the user half", -MMK_ENOMEM, ABS, 0, (mmk_vsize_t)0 - K4, 0, URW, 0},
};

static int call_mmk_vm_map_stack(const struct row *r)
{
	mmk_vaddr_t va = addr(r->anchor, r->off);
	return mmk_vm_map_stack(&w.a, &va, r->size, r->pa, r->flags);
}

static const struct row vm_stack_rows[] = {
	{"size 0", -MMK_EINVAL, U_MAPPED, 64 * K4, 0, K4, URW, 0},
	{"size 0, placed by the VM", -MMK_EINVAL, ABS, 0, 0, K4, URW, 0},
	{"guard 0", -MMK_EINVAL, U_MAPPED, 64 * K4, K4, 0, URW, 0},
	{"unaligned guard", -MMK_EINVAL, U_MAPPED, 64 * K4, K4, 8, URW, 0},
	{"guard would sit at address 0", -MMK_ERANGE, ABS, (int64_t)K4, K4, K4, URW, 0},
	{"guard would wrap below 0", -MMK_ERANGE, ABS, (int64_t)K4, K4, 2 * K4, URW, 0},
	{"size plus guard wraps", -MMK_ERANGE, U_MAPPED, 64 * K4, (mmk_vsize_t)0 - K4, 2 * K4,
	 URW, 0},
	{"guard over a region", -MMK_EEXIST, U_MAPPED, 16 * K4, K4, K4, URW, 0},
};

static int call_mmk_vm_map_phys(const struct row *r)
{
	mmk_vaddr_t va = addr(r->anchor, r->off);
	return mmk_vm_map_phys(&w.a, &va, r->pa, r->size, r->flags);
}

static const struct row vm_phys_rows[] = {
	{"unaligned pa", -MMK_EALIGN, U_MAPPED, 64 * K4, K4, 0x10, URW, 0},
	{"size 0", -MMK_EINVAL, U_MAPPED, 64 * K4, 0, 0, URW, 0},
	{"overlaps a region", -MMK_EEXIST, U_MAPPED, 0, K4, 0, URW, 0},
	{"pa range wraps", -MMK_ERANGE, U_MAPPED, 64 * K4, 2 * K4, (uint64_t)0 - K4, URW, 0},
};

static int call_mmk_vm_unmap(const struct row *r)
{
	return mmk_vm_unmap(&w.a, addr(r->anchor, r->off), r->size);
}

static const struct row vm_unmap_rows[] = {
	{"size 0", -MMK_EINVAL, U_MAPPED, 0, 0, 0, 0, 0},
	{"unaligned va", -MMK_EALIGN, U_MAPPED, 8, K4, 0, 0, 0},
	{"unaligned size", -MMK_EALIGN, U_MAPPED, 0, 8, 0, 0, 0},
	{"kernel half", -MMK_ERANGE, K_BASE, 0, K4, 0, 0, 0},
	{"non-canonical", -MMK_ERANGE, HOLE, 0, K4, 0, 0, 0},
	{"straddles the top of the user half", -MMK_ERANGE, U_END, -(int64_t)K4, 2 * K4, 0, 0, 0},
	{"wraps", -MMK_ERANGE, U_MAPPED, 0, (mmk_vsize_t)0 - K4, 0, 0, 0},
};

static int call_mmk_vm_protect(const struct row *r)
{
	return mmk_vm_protect(&w.a, addr(r->anchor, r->off), r->size, r->flags);
}

static const struct row vm_protect_rows[] = {
	{"size 0", -MMK_EINVAL, U_MAPPED, 0, 0, 0, URW, 0},
	{"unaligned va", -MMK_EALIGN, U_MAPPED, 8, K4, 0, URW, 0},
	{"unaligned size", -MMK_EALIGN, U_MAPPED, 0, 8, 0, URW, 0},
	{"no region", -MMK_ENOENT, U_MAPPED, 64 * K4, K4, 0, URW, 0},
	{"ends past the region", -MMK_ENOENT, U_MAPPED, 15 * K4, 2 * K4, 0, URW, 0},
	{"starts before the region", -MMK_ENOENT, U_MAPPED, -(int64_t)K4, 2 * K4, 0, URW, 0},
	{"no access", -MMK_EINVAL, U_MAPPED, 0, K4, 0, MMK_PROT_USER, 0},
	{"unknown flag", -MMK_EINVAL, U_MAPPED, 0, K4, 0, URW | 0x40000, 0},
	{"global", -MMK_EINVAL, U_MAPPED, 0, K4, 0, URW | MMK_PROT_GLOBAL, 0},
	{"write and execute", -MMK_EPERM, U_MAPPED, 0, K4, 0, URW | MMK_PROT_EXEC, 0},
	{"user access taken away", -MMK_EPERM, U_MAPPED, 0, K4, 0,
	 MMK_PROT_READ | MMK_PROT_WRITE, 0},
	{"kernel half", -MMK_ERANGE, K_BASE, 0, K4, 0, URW, 0},
	{"non-canonical", -MMK_ERANGE, HOLE, 0, K4, 0, URW, 0},
	{"wraps", -MMK_ERANGE, U_MAPPED, 0, (mmk_vsize_t)0 - K4, 0, URW, 0},
};

/* target: the map flags; pa: the offset (no object). */
static int call_mmk_vm_map(const struct row *r)
{
	mmk_vaddr_t va = addr(r->anchor, r->off);
	return mmk_vm_map(&w.a, &va, r->size, r->flags, (unsigned)r->target, NULL, r->pa);
}

static const struct row vm_map_rows[] = {
	{"fixed and noreplace", -MMK_EINVAL, U_MAPPED, 64 * K4, K4, 0, URW,
	 MMK_VM_FIXED | MMK_VM_NOREPLACE},
	{"unknown map flag", -MMK_EINVAL, U_MAPPED, 64 * K4, K4, 0, URW, 0x80},
	{"an offset without an object", -MMK_EINVAL, U_MAPPED, 64 * K4, K4, K4, URW, 0},
	{"size 0", -MMK_EINVAL, U_MAPPED, 64 * K4, 0, 0, URW, MMK_VM_FIXED},
	{"fixed, unaligned", -MMK_EALIGN, U_MAPPED, 64 * K4 + 8, K4, 0, URW, MMK_VM_FIXED},
	{"hint unaligned", -MMK_EALIGN, U_MAPPED, 64 * K4 + 8, K4, 0, URW, 0},
	{"fixed in the kernel half", -MMK_ERANGE, K_BASE, 0, K4, 0, URW, MMK_VM_FIXED},
	{"fixed, non-canonical", -MMK_ERANGE, HOLE, 0, K4, 0, URW, MMK_VM_FIXED},
	{"fixed, wraps", -MMK_ERANGE, U_MAPPED, 0, (mmk_vsize_t)0 - K4, 0, URW, MMK_VM_FIXED},
	{"noreplace over a region", -MMK_EEXIST, U_MAPPED, 8 * K4, 16 * K4, 0, URW,
	 MMK_VM_NOREPLACE},
	{"global", -MMK_EINVAL, U_MAPPED, 64 * K4, K4, 0, URW | MMK_PROT_GLOBAL, MMK_VM_FIXED},
	{"write and execute", -MMK_EPERM, U_MAPPED, 0, K4, 0, URW | MMK_PROT_EXEC, MMK_VM_FIXED},
	{"shared, larger than the user half", -MMK_ENOMEM, ABS, 0, (mmk_vsize_t)0 - K4, 0, URW,
	 MMK_VM_SHARED},
};

/* ------------------------------------------------------------ PMM */

static int call_mmk_pmm_free(const struct row *r)
{
	mmk_paddr_t pa = r->target == 1 ? w.freed_frame : r->target == 2 ? w.frame : r->pa;
	return mmk_pmm_free_block(mmu()->pmm, pa + (mmk_paddr_t)r->off, (unsigned)r->size);
}

static const struct row pmm_free_rows[] = {
	{"freed already", -MMK_ESTATE, ABS, 0, 0, 0, 0, 1},
	{"unaligned", -MMK_EALIGN, ABS, 8, 0, 0, 0, 2},
	{"the wrong order", -MMK_EINVAL, ABS, 0, 3, 0, 0, 2},
	{"beyond RAM", -MMK_ERANGE, ABS, 0, 0, (uint64_t)1 << 50, 0, 0},
	{"the last frame of the address space", -MMK_ERANGE, ABS, 0, 0, (uint64_t)0 - K4, 0, 0},
};

static int call_mmk_pmm_alloc_block(const struct row *r)
{
	mmk_paddr_t pa;
	return mmk_pmm_alloc_block(mmu()->pmm, (unsigned)r->size, &pa);
}

static const struct row pmm_alloc_rows[] = {
	{"order 64", -MMK_EINVAL, ABS, 0, 64, 0, 0, 0},
	{"order 4000000000", -MMK_EINVAL, ABS, 0, 4000000000u, 0, 0, 0},
};

/* ------------------------------------------------------------ the tests */

KTEST(bad_input, page_tables_refuse_and_change_nothing)
{
	KASSERT_EQ(build_world(), 0);
	unsigned n = RUN(mmk_mmu_map, map_rows) + RUN(mmk_mmu_unmap, unmap_rows) +
		     RUN(mmk_mmu_protect, protect_rows) + RUN(mmk_mmu_remap, remap_rows) +
		     RUN(mmk_mmu_query, query_rows) + RUN(mmk_mmu_clear_accessed, clear_rows) +
		     RUN(mmk_mmu_space_destroy, destroy_rows);
	ktest_log("%u page-table rows", n);
	KEXPECT_GT(n, 50);
	tear_world();
}

KTEST(bad_input, vas_and_kernel_window_refuse_and_change_nothing)
{
	KASSERT_EQ(build_world(), 0);
	unsigned n = RUN(mmk_vas_reserve, vas_reserve_rows) + RUN(mmk_vas_alloc, vas_alloc_rows) +
		     RUN(mmk_vas_free, vas_free_rows) + RUN(mmk_kvm_pages_alloc, kvm_alloc_rows) +
		     RUN(mmk_kvm_pages_map, kvm_map_rows) +
		     RUN(mmk_kvm_pages_release, kvm_release_rows) +
		     RUN(mmk_kvm_stack_alloc, kvm_stack_rows) + RUN(mmk_kvm_map_mmio, kvm_mmio_rows);
	ktest_log("%u VAS and window rows", n);
	KEXPECT_GT(n, 30);
	tear_world();
}

KTEST(bad_input, kernel_heap_refuses_and_changes_nothing)
{
	KASSERT_EQ(build_world(), 0);
	unsigned n = RUN(mmk_kheap_free, kheap_free_rows) + RUN(mmk_kheap_alloc, kheap_alloc_rows) +
		     RUN(mmk_kheap_calloc, kheap_calloc_rows) +
		     RUN(mmk_kheap_realloc, kheap_realloc_rows);
	ktest_log("%u heap rows", n);
	KEXPECT_GT(n, 25);
	tear_world();
}

KTEST(bad_input, vm_and_pmm_refuse_and_change_nothing)
{
	KASSERT_EQ(build_world(), 0);
	unsigned n = RUN(mmk_vm_map_anon, vm_anon_rows) + RUN(mmk_vm_map_stack, vm_stack_rows) +
		     RUN(mmk_vm_map_phys, vm_phys_rows) + RUN(mmk_vm_unmap, vm_unmap_rows) +
		     RUN(mmk_vm_protect, vm_protect_rows) + RUN(mmk_vm_map, vm_map_rows) +
		     RUN(mmk_pmm_free, pmm_free_rows) + RUN(mmk_pmm_alloc_block, pmm_alloc_rows);
	ktest_log("%u VM and PMM rows", n);
	KEXPECT_GT(n, 25);
	tear_world();
}

/* ------------------------------------------------------------ regressions */

/* Fork refused a region with write but no read: READ is implied (mmu.h), so the
 * read-only shared copy must keep READ rather than end with no access at all. */
KTEST(bad_input, fork_keeps_a_write_only_region)
{
	KASSERT_EQ(build_world(), 0);
	mmk_vaddr_t va = w.at[U_MAPPED] + 64 * K4;
	unsigned wo = MMK_PROT_WRITE | MMK_PROT_USER;
	KASSERT_EQ(mmk_vm_map_anon(&w.a, &va, 2 * K4, wo), 0);
	uint32_t v = 0x5A5A;
	mmk_mmu_activate(&w.a.mmu);
	KEXPECT_EQ(ktest_env_access(va, true, &v), 0);
	mmk_mmu_activate(&mmu()->kernel);
	struct mmk_vm_space child;
	KASSERT_EQ(mmk_vm_fork(&w.a, &child), 0);
	mmk_mmu_activate(&child.mmu);
	v = 0;
	KEXPECT_EQ(ktest_env_access(va, false, &v), 0);
	KEXPECT_EQ(v, 0x5A5A);
	struct mmk_mmu_mapping m;
	KASSERT_EQ(mmk_mmu_query(&child.mmu, va, &m), 0); /* mapped by the read, shared */
	KEXPECT_TRUE(m.flags & MMK_PROT_READ);
	KEXPECT_FALSE(m.flags & MMK_PROT_WRITE);
	v = 7;
	KEXPECT_EQ(ktest_env_access(va, true, &v), 0); /* copy-on-write */
	mmk_mmu_activate(&mmu()->kernel);
	KEXPECT_EQ(mmk_vm_space_destroy(&child), 0);
	KEXPECT_EQ(mmk_vm_unmap(&w.a, va, 2 * K4), 0);
	tear_world();
}

/* A space destroyed and then used: every call refuses it instead of following a NULL
 * machine pointer; the struct can be created again. */
KTEST(bad_input, a_destroyed_space_is_refused_then_reusable)
{
	struct mmk_mmu_space s;
	KASSERT_EQ(mmk_mmu_space_create(mmu(), &s), 0);
	KASSERT_EQ(mmk_mmu_space_destroy(&s, NULL, NULL), 0);
	mmk_vaddr_t va = mmu()->fmt->user_base + MMK_MIB;
	struct mmk_mmu_mapping m;
	struct mmk_mmu_walk_step steps[6];
	KEXPECT_EQ(mmk_mmu_map(&s, va, 0, K4, URW, 0), -MMK_EINVAL);
	KEXPECT_EQ(mmk_mmu_query(&s, va, &m), -MMK_EINVAL);
	KEXPECT_EQ(mmk_mmu_walk(&s, 0, (mmk_vaddr_t)-1, count_leaf, &(unsigned){0}), -MMK_EINVAL);
	KEXPECT_EQ(mmk_mmu_walk_steps(&s, va, steps, 6), 0);
	KEXPECT_EQ(mmk_mmu_space_destroy(&s, NULL, NULL), -MMK_EINVAL);
	KASSERT_EQ(mmk_mmu_space_create(mmu(), &s), 0);
	KEXPECT_EQ(mmk_mmu_map(&s, va, 0x200000, K4, URW, 0), 0);
	KEXPECT_EQ(mmk_mmu_space_destroy(&s, NULL, NULL), 0);
}

/* Found by fuzz/ (x86_64): a space destroyed while another is active must not leave TLB
 * or paging-structure entries behind that lead through its freed tables. */
KTEST(bad_input, a_destroyed_inactive_space_leaves_no_entry_through_its_tables)
{
	KASSERT_EQ(build_world(), 0);
	struct mmk_vm_space s;
	KASSERT_EQ(mmk_vm_space_create(&w.vm, &s), 0);
	mmk_vaddr_t va = w.at[U_MAPPED];
	KASSERT_EQ(mmk_vm_map_anon(&s, &va, 4 * K4, URW), 0);
	mmk_mmu_activate(&s.mmu);
	uint32_t v = 1;
	KEXPECT_EQ(ktest_env_access(va, true, &v), 0);
	mmk_mmu_activate(&w.a.mmu);
	unsigned before = ktest_env_freed_table_uses();
	KEXPECT_EQ(mmk_vm_space_destroy(&s), 0);
	/* Whatever drops every entry now must find none on a freed table. */
	struct mmk_kvm_pages p;
	mmk_vsize_t n = mmu()->flush_threshold + 8;
	KASSERT_EQ(mmk_kvm_pages_alloc(ktest_env_kvm(), &p, n, K4, MMK_VAS_LOWEST), 0);
	for (mmk_vsize_t i = 0; i < n; i++)
		KEXPECT_EQ(mmk_kvm_pages_map(&p, p.range.start + i * K4, w.frame, KRW), 0);
	KEXPECT_EQ(mmk_kvm_pages_release(&p, false), 0); /* past the threshold: a full flush */
	mmk_mmu_activate(&mmu()->kernel);
	KEXPECT_EQ(ktest_env_freed_table_uses(), before);
	tear_world();
}

/*
 * A forced large page where small pages were mapped and unmapped: the kernel keeps its
 * emptied tables (every space shares them), which used to answer EEXIST. The engine
 * frees them - after their invalidation - and maps the large page; a leaf still under
 * them keeps EEXIST.
 */
KTEST(bad_input, a_large_page_replaces_kept_empty_kernel_tables)
{
	struct mmk_kvm_pages p;
	struct mmk_mmu_space *k = &mmu()->kernel;
	unsigned shifts = mmk_mmu_page_shifts(mmu()), tried = 0;
	for (unsigned shift = 13; shift < 31; shift++) {
		if (!(shifts & (1u << shift)))
			continue;
		mmk_vsize_t size = (mmk_vsize_t)1 << shift;
		if (mmk_kvm_pages_alloc(ktest_env_kvm(), &p, 2 * size / K4, size, MMK_VAS_HIGHEST) != 0)
			continue; /* the window has no room for one */
		mmk_vaddr_t va = p.range.start;
		mmk_paddr_t pa = mmk_align_down(mmu()->fmt->pa_limit / 2, size);
		unsigned before = ktest_env_freed_table_uses();
		KEXPECT_EQ(mmk_mmu_map(k, va + size, pa, K4, KRW, 12), 0); /* a leaf stays here */
		KEXPECT_EQ(mmk_mmu_map(k, va, pa, 2 * K4, KRW, 12), 0);
		KEXPECT_EQ(mmk_mmu_unmap(k, va, 2 * K4, NULL), 0); /* its tables stay, empty */
		uint64_t tables = k->table_pages;
		KEXPECT_EQ(mmk_mmu_map(k, va, pa, size, KRW, shift), 0);
		KEXPECT_LE(k->table_pages, tables); /* less, unless a sibling shares its frame */
		ktest_log("2^%u page over kept tables: %llu table pages before, %llu after", shift,
			  (unsigned long long)tables, (unsigned long long)k->table_pages);
		struct mmk_mmu_mapping m;
		KEXPECT_EQ(mmk_mmu_query(k, va + size - K4, &m), 0);
		KEXPECT_EQ(m.page_shift, shift);
		KEXPECT_EQ(m.pa, pa);
		struct ktest_ref r;
		KEXPECT_TRUE(ktest_env_ref_translate(k, va + 8 * K4, &r) && r.pa == pa + 8 * K4);
		KEXPECT_EQ(mmk_mmu_map(k, va + size, pa, size, KRW, shift), -MMK_EEXIST);
		KEXPECT_EQ(mmk_mmu_unmap(k, va, size, NULL), 0);
		KEXPECT_EQ(mmk_mmu_unmap(k, va + size, K4, NULL), 0);
		KEXPECT_EQ(ktest_env_stale_tlb_entries(), 0);
		KEXPECT_EQ(ktest_env_freed_table_uses(), before);
		KEXPECT_EQ(mmk_kvm_pages_release(&p, false), 0);
		tried++;
	}
	if (!tried)
		KTEST_SKIP("no large page fits the kernel window");
	KEXPECT_GT(tried, 0);
}
