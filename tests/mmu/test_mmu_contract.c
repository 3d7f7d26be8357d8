/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The contract of include/mmukit/mmu.h, written once and run over every machine's
 * simulator (host only): every page size, splits, bad input changing nothing, out of
 * memory at every allocation point, batches (removed frames handed over only after the
 * TLB lost them, tables freed after the invalidation), stale-TLB checks, and a
 * randomized model test - each result checked against the machine's reference walk.
 * Machine facts come from the MMU itself (page sizes, user range), never from #ifdefs.
 */
#include <mmukit/errno.h>
#include <mmukit/ktest.h>
#include <mmukit/mmu.h>
#include <mmukit/pmm.h>
#include <mmukit/pt.h>
#include <mmukit/services.h>

#define K4 ((mmk_vsize_t)4096)
#define URW (MMK_PROT_READ | MMK_PROT_WRITE | MMK_PROT_USER)
#define URO (MMK_PROT_READ | MMK_PROT_USER)

static struct mmk_mmu *mmu(void)
{
	return ktest_env_mmu();
}

/* A user address aligned to 2^shift, well inside the user half. */
static mmk_vaddr_t user_va(unsigned shift)
{
	mmk_vaddr_t base = mmk_mmu_user_base(mmu());
	mmk_vaddr_t end = mmk_mmu_user_end(mmu());
	mmk_vaddr_t want = (mmk_vaddr_t)1 << 30; /* 1 GiB: above anything the tests map */
	if (shift > 30)
		want = (mmk_vaddr_t)1 << shift;
	if (want < base)
		want = base;
	want = (mmk_vaddr_t)mmk_align_up(want, (uint64_t)1 << shift);
	return want + ((uint64_t)1 << shift) <= end ? want : 0;
}

/* ------------------------------------------------------------ fingerprints */

struct print {
	uint64_t hash;
};

static void mix(struct print *p, uint64_t v)
{
	p->hash = (p->hash ^ v) * 0x100000001B3ull;
}

static int mix_mapping(void *ctx, const struct mmk_mmu_mapping *m)
{
	struct print *p = ctx;
	mix(p, m->va);
	mix(p, m->pa);
	mix(p, m->flags & ~(unsigned)(MMK_MAP_ACCESSED | MMK_MAP_DIRTY));
	mix(p, m->page_shift);
	return 0;
}

/* Everything a call could change: every leaf of every space, tables, free frames. */
static uint64_t fingerprint(void)
{
	struct print p = {0xCBF29CE484222325ull};
	for (const struct mmk_mmu_space *s = mmu()->spaces; s; s = s->next) {
		mmk_mmu_walk(s, 0, (mmk_vaddr_t)-1, mix_mapping, &p);
		mix(&p, s->table_pages);
		mix(&p, s->root);
	}
	struct mmk_pmm_stats st;
	mmk_pmm_get_stats(mmu()->pmm, &st);
	mix(&p, st.free_frames);
	return p.hash;
}

/* True when query and the reference walk both say va -> pa with these rights. */
static bool translates(const struct mmk_mmu_space *s, mmk_vaddr_t va, mmk_paddr_t pa,
		       bool writable)
{
	struct mmk_mmu_mapping m;
	struct ktest_ref r;
	if (mmk_mmu_query(s, va, &m) != 0 || m.pa + (va - m.va) != pa)
		return false;
	if (!ktest_env_ref_translate(s, va, &r))
		return false;
	return r.pa == pa && r.writable == writable && r.user;
}

static bool unmapped(const struct mmk_mmu_space *s, mmk_vaddr_t va)
{
	struct mmk_mmu_mapping m;
	struct ktest_ref r;
	return mmk_mmu_query(s, va, &m) == -MMK_ENOENT && !ktest_env_ref_translate(s, va, &r);
}

/* ------------------------------------------------------------ page sizes, splits */

KTEST(mmu_contract, every_page_size_maps_queries_and_unmaps)
{
	struct mmk_mmu_space u;
	uint64_t before = fingerprint();
	KASSERT_EQ(mmk_mmu_space_create(mmu(), &u), 0);
	unsigned shifts = mmk_mmu_page_shifts(mmu());
	KEXPECT_TRUE(shifts & (1u << 12));
	unsigned tried = 0;
	for (unsigned shift = 12; shift < 32; shift++) {
		if (!(shifts & (1u << shift)))
			continue;
		mmk_vaddr_t va = user_va(shift);
		if (!va)
			continue;
		uint64_t size = 1ull << shift;
		mmk_paddr_t pa = size; /* aligned; never accessed */
		KASSERT_EQ(mmk_mmu_map(&u, va, pa, size, URW, shift), 0);
		struct mmk_mmu_mapping m;
		KASSERT_EQ(mmk_mmu_query(&u, va + size / 2, &m), 0);
		KEXPECT_EQ(m.page_shift, shift);
		KEXPECT_EQ(m.va, va);
		KEXPECT_EQ(m.pa, pa);
		KEXPECT_TRUE(translates(&u, va, pa, true));
		KEXPECT_TRUE(translates(&u, va + size - K4, pa + size - K4, true));
		KEXPECT_TRUE(unmapped(&u, va + size));
		KEXPECT_EQ(mmk_mmu_map(&u, va, pa, K4, URW, 12), -MMK_EEXIST);
		KEXPECT_EQ(mmk_mmu_unmap(&u, va, size, NULL), 0);
		KEXPECT_TRUE(unmapped(&u, va));
		KEXPECT_EQ(u.table_pages, 0);
		tried++;
	}
	KEXPECT_GE(tried, 2); /* every machine has a large page */
	KEXPECT_EQ(mmk_mmu_space_destroy(&u, NULL, NULL), 0);
	KEXPECT_EQ(fingerprint(), before);
}

/* Records what a batch released, to compare with what was removed. */
struct released {
	mmk_paddr_t pa[64];
	uint64_t size[64];
	unsigned n;
	unsigned stale_at_release; /* stale TLB entries seen when a release came */
};

static void record_release(void *ctx, mmk_paddr_t pa, uint64_t size)
{
	struct released *r = ctx;
	r->stale_at_release += ktest_env_stale_tlb_entries();
	if (r->n < 64) {
		r->pa[r->n] = pa;
		r->size[r->n] = size;
	}
	r->n++;
}

KTEST(mmu_contract, a_large_page_split_in_part_keeps_the_rest)
{
	struct mmk_mmu_space u;
	unsigned shifts = mmk_mmu_page_shifts(mmu()) & ~(1u << 12);
	unsigned shift = 0;
	for (unsigned s = 13; s < 32; s++)
		if ((shifts & (1u << s)) && user_va(s) && s <= 22)
			shift = s; /* the largest up to 4 MiB: splits on every machine */
	KASSERT_TRUE(shift != 0);
	uint64_t before = fingerprint();
	uint64_t size = 1ull << shift;
	mmk_vaddr_t va = user_va(shift);
	mmk_paddr_t pa = 4 * size;
	KASSERT_EQ(mmk_mmu_space_create(mmu(), &u), 0);
	KASSERT_EQ(mmk_mmu_map(&u, va, pa, size, URW, shift), 0);
	/* Unmap one 4 KiB page in the middle: exactly that frame is released. */
	struct released rel = {.n = 0};
	struct mmk_mmu_batch b;
	mmk_mmu_batch_begin(&b, &u, record_release, &rel);
	KEXPECT_EQ(mmk_mmu_unmap(&u, va + size / 2, K4, &b), 0);
	mmk_mmu_batch_finish(&b);
	KASSERT_EQ(rel.n, 1);
	KEXPECT_EQ(rel.pa[0], pa + size / 2);
	KEXPECT_EQ(rel.size[0], K4);
	KEXPECT_TRUE(unmapped(&u, va + size / 2));
	for (uint64_t off = 0; off < size; off += K4)
		if (off != size / 2 && !translates(&u, va + off, pa + off, true))
			KEXPECT_TRUE(translates(&u, va + off, pa + off, true));
	/* Protect one page: only it changes. */
	KEXPECT_EQ(mmk_mmu_protect(&u, va + K4, K4, URO, NULL), 0);
	KEXPECT_TRUE(translates(&u, va + K4, pa + K4, false));
	KEXPECT_TRUE(translates(&u, va, pa, true));
	KEXPECT_TRUE(translates(&u, va + 2 * K4, pa + 2 * K4, true));
	/* The rest comes back in pieces; together exactly the frames still mapped. */
	rel.n = 0;
	mmk_mmu_batch_begin(&b, &u, record_release, &rel);
	KEXPECT_EQ(mmk_mmu_unmap(&u, va, size / 2, &b), 0);
	KEXPECT_EQ(mmk_mmu_unmap(&u, va + size / 2 + K4, size / 2 - K4, &b), 0);
	mmk_mmu_batch_finish(&b);
	uint64_t total = 0;
	for (unsigned i = 0; i < rel.n && i < 64; i++)
		total += rel.size[i];
	KEXPECT_EQ(total, size - K4);
	KEXPECT_EQ(u.table_pages, 0);
	KEXPECT_EQ(mmk_mmu_space_destroy(&u, NULL, NULL), 0);
	KEXPECT_EQ(fingerprint(), before);
}

/* Regression (i386): a large page over a PMM block that was split, then unmapped in
 * part and in whole with frames released one by one, panicked. Frames are the
 * caller's now: the release gets exactly the removed frames, and they go back. */
KTEST(mmu_contract, a_large_page_over_a_split_block_comes_back_frame_by_frame)
{
	struct mmk_mmu_space u;
	struct mmk_pmm *pmm = mmu()->pmm;
	unsigned shift = 0;
	for (unsigned s = 13; s <= 22; s++)
		if ((mmk_mmu_page_shifts(mmu()) & (1u << s)) && user_va(s))
			shift = s;
	KASSERT_TRUE(shift != 0);
	uint64_t before = fingerprint();
	mmk_paddr_t pa;
	KASSERT_EQ(mmk_pmm_alloc_block(pmm, shift - 12, &pa), 0);
	KASSERT_EQ(mmk_pmm_split_block(pmm, pa, shift - 12), 0);
	mmk_vaddr_t va = user_va(shift);
	KASSERT_EQ(mmk_mmu_space_create(mmu(), &u), 0);
	KASSERT_EQ(mmk_mmu_map(&u, va, pa, 1ull << shift, URW, shift), 0);
	struct mmk_mmu_batch b;
	mmk_mmu_batch_begin(&b, &u, mmk_pmm_release_frames, pmm);
	KEXPECT_EQ(mmk_mmu_unmap(&u, va + K4, K4, &b), 0);
	KEXPECT_EQ(mmk_pmm_refcount(pmm, pa + K4), 1); /* not before the finish */
	mmk_mmu_batch_finish(&b);
	KEXPECT_EQ(mmk_pmm_refcount(pmm, pa + K4), 0);
	KEXPECT_EQ(mmk_mmu_space_destroy(&u, mmk_pmm_release_frames, pmm), 0);
	KEXPECT_EQ(mmk_pmm_check(pmm), 0);
	KEXPECT_EQ(fingerprint(), before);
}

/* ------------------------------------------------------------ bad input */

KTEST(mmu_contract, bad_input_is_refused_and_changes_nothing)
{
	struct mmk_mmu_space u, other;
	KASSERT_EQ(mmk_mmu_space_create(mmu(), &u), 0);
	KASSERT_EQ(mmk_mmu_space_create(mmu(), &other), 0);
	mmk_vaddr_t va = user_va(22);
	mmk_vaddr_t ub = mmk_mmu_user_base(mmu()), ue = mmk_mmu_user_end(mmu());
	mmk_vaddr_t kb = mmk_mmu_kernel_base(mmu());
	KASSERT_EQ(mmk_mmu_map(&u, va, 0x100000, 4 * K4, URW, 0), 0);
	struct mmk_mmu_batch wrong;
	mmk_mmu_batch_begin(&wrong, &other, NULL, NULL);
	uint64_t before = fingerprint();
	struct mmk_mmu_space *k = &mmu()->kernel;
	KEXPECT_EQ(mmk_mmu_map(&u, va + 1, 0, K4, URW, 0), -MMK_EALIGN);
	KEXPECT_EQ(mmk_mmu_map(&u, va + 8 * K4, 1, K4, URW, 0), -MMK_EALIGN);
	KEXPECT_EQ(mmk_mmu_map(&u, va + 8 * K4, 0, K4 + 1, URW, 0), -MMK_EALIGN);
	KEXPECT_EQ(mmk_mmu_map(&u, va + 8 * K4, 0, 0, URW, 0), -MMK_EINVAL);
	KEXPECT_EQ(mmk_mmu_map(&u, va + 8 * K4, 0, K4, 0, 0), -MMK_EINVAL);
	KEXPECT_EQ(mmk_mmu_map(&u, va + 8 * K4, 0, K4, URW | 0x8000, 0), -MMK_EINVAL);
	KEXPECT_EQ(mmk_mmu_map(&u, va + 8 * K4, 0, K4, URW, 13), -MMK_EINVAL);
	KEXPECT_EQ(mmk_mmu_map(&u, va + 2 * K4, 0, 4 * K4, URW, 0), -MMK_EEXIST);
	KEXPECT_EQ(mmk_mmu_map(&u, ue - K4, 0, 2 * K4, URW, 0), -MMK_ERANGE); /* straddles */
	KEXPECT_EQ(mmk_mmu_map(&u, 0, 0, K4, URW, 0), ub ? -MMK_ERANGE : 0);  /* page 0 */
	KEXPECT_EQ(mmk_mmu_map(&u, kb, 0, K4, URW, 0), -MMK_ERANGE);          /* kernel half */
	KEXPECT_EQ(mmk_mmu_map(&u, (mmk_vaddr_t)0 - K4, 0, 2 * K4, URW, 0), -MMK_ERANGE); /* wraps */
	KEXPECT_EQ(mmk_mmu_map(&u, va + 8 * K4, (mmk_paddr_t)0 - K4, 2 * K4, URW, 0), -MMK_ERANGE);
	KEXPECT_EQ(mmk_mmu_map(k, kb + 0x40000000u, 0, K4, URW, 0), -MMK_EPERM); /* user in kernel */
	KEXPECT_EQ(mmk_mmu_map(k, ub, 0, K4, MMK_PROT_READ, 0), -MMK_ERANGE);   /* user half */
	KEXPECT_EQ(mmk_mmu_unmap(&u, va, 8 * K4, NULL), -MMK_ENOENT);  /* partly mapped */
	KEXPECT_EQ(mmk_mmu_unmap(&u, va + 1, K4, NULL), -MMK_EALIGN);
	KEXPECT_EQ(mmk_mmu_unmap(&u, va, 0, NULL), -MMK_EINVAL);
	KEXPECT_EQ(mmk_mmu_unmap(&u, va, K4, &wrong), -MMK_EINVAL);    /* another space's batch */
	KEXPECT_EQ(mmk_mmu_protect(&u, va, 8 * K4, URO, NULL), -MMK_ENOENT);
	KEXPECT_EQ(mmk_mmu_protect(&u, va, K4, 0x8000, NULL), -MMK_EINVAL);
	KEXPECT_EQ(mmk_mmu_protect(&u, va, K4, URO, &wrong), -MMK_EINVAL);
	KEXPECT_EQ(mmk_mmu_remap(&u, va + 8 * K4, 0, URW, NULL), -MMK_ENOENT);
	KEXPECT_EQ(mmk_mmu_remap(&u, va, 1, URW, NULL), -MMK_EALIGN);
	KEXPECT_EQ(mmk_mmu_space_destroy(k, NULL, NULL), -MMK_EINVAL);
	KEXPECT_EQ(fingerprint(), before);
	mmk_mmu_batch_finish(&wrong);
	KEXPECT_EQ(mmk_mmu_space_destroy(&other, NULL, NULL), 0);
	KEXPECT_EQ(mmk_mmu_space_destroy(&u, NULL, NULL), 0);
	KEXPECT_EQ(mmk_mmu_space_destroy(&u, NULL, NULL), -MMK_EINVAL); /* twice */
}

KTEST(mmu_contract, a_user_mapping_is_never_global)
{
	struct mmk_mmu_space u;
	KASSERT_EQ(mmk_mmu_space_create(mmu(), &u), 0);
	mmk_vaddr_t va = user_va(12);
	KASSERT_EQ(mmk_mmu_map(&u, va, 0x100000, K4, URW | MMK_PROT_GLOBAL, 0), 0);
	struct mmk_mmu_mapping m;
	KASSERT_EQ(mmk_mmu_query(&u, va, &m), 0);
	KEXPECT_FALSE(m.flags & MMK_PROT_GLOBAL);
	KEXPECT_EQ(mmk_mmu_protect(&u, va, K4, URO | MMK_PROT_GLOBAL, NULL), 0);
	KASSERT_EQ(mmk_mmu_query(&u, va, &m), 0);
	KEXPECT_FALSE(m.flags & MMK_PROT_GLOBAL);
	KEXPECT_EQ(mmk_mmu_space_destroy(&u, NULL, NULL), 0);
}

/*
 * The format's leaf table, both ways: for every page size, protection and memory type, in
 * a user and the kernel space, the flags read back from an encoded leaf are the ones
 * given (EXEC and GLOBAL may be added where the format cannot take them away; a user
 * leaf is never global), and encoding what is read back gives the same leaf.
 */
KTEST(mmu_contract, leaf_flags_decode_to_what_was_encoded)
{
	const struct mmk_pt_format *f = mmu()->fmt;
	unsigned checked = 0;
	for (unsigned size = 0; size < f->size_count; size++) {
		for (unsigned prot = 0; prot < 16; prot++) {
			for (unsigned cache = 0; cache < 4; cache++) {
				for (int user = 0; user < 2; user++) {
					unsigned flags = MMK_PROT_READ | prot << 1 | cache << 8;
					if (!user && (flags & MMK_PROT_USER))
						continue; /* refused by the engine first */
					if (user)
						flags &= ~MMK_PROT_GLOBAL;
					mmk_pte_t e = mmk_pt_leaf_bits(mmu(), flags, size, user);
					unsigned back = mmk_pt_leaf_flags(mmu(), e, size);
					unsigned kept = MMK_PROT_READ | MMK_PROT_WRITE | MMK_PROT_USER |
							MMK_CACHE_MASK;
					KEXPECT_EQ(back & kept, flags & kept);
					KEXPECT_EQ(back & flags, flags);
					if (user)
						KEXPECT_FALSE(back & MMK_PROT_GLOBAL);
					KEXPECT_EQ(mmk_pt_leaf_bits(mmu(), back, size, user), e);
					checked++;
				}
			}
		}
	}
	KEXPECT_GE(checked, 96u); /* one size at least, every combination */
}

/* ------------------------------------------------------------ out of memory */

KTEST(mmu_contract, out_of_memory_at_every_allocation_rolls_back)
{
	struct mmk_mmu_space u;
	struct mmk_pmm *pmm = mmu()->pmm;
	KASSERT_EQ(mmk_mmu_space_create(mmu(), &u), 0);
	/* A map that needs several tables: 4 KiB pages across two last-level tables. */
	mmk_vaddr_t va = user_va(22) + ((mmk_vaddr_t)1 << 22) - 4 * K4;
	uint64_t before = fingerprint(), tables0 = mmu()->stats.tables_allocated;
	KASSERT_EQ(mmk_mmu_map(&u, va, 0x200000, 8 * K4, URW, 12), 0);
	uint64_t needed = mmu()->stats.tables_allocated - tables0;
	KEXPECT_GE(needed, 2);
	KASSERT_EQ(mmk_mmu_unmap(&u, va, 8 * K4, NULL), 0);
	KEXPECT_EQ(fingerprint(), before);
	for (uint64_t nth = 1; nth <= needed; nth++) {
		mmk_pmm_inject_failure(pmm, nth);
		KEXPECT_EQ(mmk_mmu_map(&u, va, 0x200000, 8 * K4, URW, 12), -MMK_ENOMEM);
		mmk_pmm_inject_failure(pmm, 0);
		KEXPECT_EQ(fingerprint(), before);
	}
	/* A split needs a table too. */
	unsigned shift = 0;
	for (unsigned s = 13; s <= 22; s++)
		if ((mmk_mmu_page_shifts(mmu()) & (1u << s)) && user_va(s))
			shift = s;
	mmk_vaddr_t big = user_va(shift);
	KASSERT_EQ(mmk_mmu_map(&u, big, 1ull << shift, 1ull << shift, URW, shift), 0);
	uint64_t mapped = fingerprint();
	mmk_pmm_inject_failure(pmm, 1);
	int err = mmk_mmu_unmap(&u, big + K4, K4, NULL);
	mmk_pmm_inject_failure(pmm, 0);
	if (err) { /* repeated-entry sizes split in place and need nothing */
		KEXPECT_EQ(err, -MMK_ENOMEM);
		KEXPECT_EQ(fingerprint(), mapped);
		mmk_pmm_inject_failure(pmm, 1);
		KEXPECT_EQ(mmk_mmu_protect(&u, big + K4, K4, URO, NULL), -MMK_ENOMEM);
		mmk_pmm_inject_failure(pmm, 0);
		KEXPECT_EQ(fingerprint(), mapped);
	}
	mmk_pmm_inject_failure(pmm, 1);
	KEXPECT_EQ(mmk_mmu_space_create(mmu(), &(struct mmk_mmu_space){0}), -MMK_ENOMEM);
	mmk_pmm_inject_failure(pmm, 0);
	KEXPECT_EQ(fingerprint(), mapped);
	KEXPECT_EQ(mmk_mmu_space_destroy(&u, NULL, NULL), 0);
}

/* ------------------------------------------------------------ the TLB and batches */

/* A user space, active, with n pages of fresh frames mapped at va and touched. */
struct touched {
	struct mmk_mmu_space u;
	struct mmk_mmu_space *was;
	mmk_vaddr_t va;
	mmk_paddr_t pa;
	unsigned order;
};

static bool touched_setup(struct touched *t, unsigned pages)
{
	t->order = 0;
	while ((1u << t->order) < pages)
		t->order++;
	t->was = mmu()->active;
	if (mmk_pmm_alloc_block(mmu()->pmm, t->order, &t->pa))
		return false;
	if (mmk_mmu_space_create(mmu(), &t->u))
		return false;
	t->va = user_va(22);
	if (mmk_mmu_map(&t->u, t->va, t->pa, (mmk_vsize_t)pages * K4, URW, 12))
		return false;
	mmk_mmu_activate(&t->u);
	for (unsigned i = 0; i < pages; i++) {
		uint32_t v = i;
		if (ktest_env_access(t->va + i * K4, true, &v))
			return false;
	}
	return true;
}

static void touched_teardown(struct touched *t)
{
	mmk_mmu_activate(t->was);
	MMK_ASSERT(mmk_mmu_space_destroy(&t->u, NULL, NULL) == 0);
	MMK_ASSERT(mmk_pmm_free_block(mmu()->pmm, t->pa, t->order) == 0);
}

KTEST(mmu_contract, a_batch_invalidates_before_it_releases_and_frees)
{
	struct touched t;
	KASSERT_TRUE(touched_setup(&t, 64));
	unsigned freed_uses = ktest_env_freed_table_uses();
	struct released rel = {.n = 0};
	struct mmk_mmu_batch b;
	mmk_mmu_batch_begin(&b, &t.u, record_release, &rel);
	KEXPECT_EQ(mmk_mmu_unmap(&t.u, t.va, 4 * K4, &b), 0);
	KEXPECT_EQ(mmk_mmu_protect(&t.u, t.va + 8 * K4, 4 * K4, URO, &b), 0);
	KEXPECT_GE(ktest_env_stale_tlb_entries(), 1); /* nothing invalidated before the finish */
	KEXPECT_EQ(rel.n, 0);                          /* and nothing released */
	mmk_mmu_batch_finish(&b);
	KEXPECT_EQ(ktest_env_stale_tlb_entries(), 0);
	KEXPECT_EQ(rel.n, 1); /* contiguous frames come together */
	KEXPECT_EQ(rel.pa[0], t.pa);
	KEXPECT_EQ(rel.size[0], 4 * K4);
	KEXPECT_EQ(rel.stale_at_release, 0);
	/* Past the threshold: one flush for the space. */
	uint64_t flushes = mmu()->stats.tlb_full_flushes;
	rel.n = 0;
	mmk_mmu_batch_begin(&b, &t.u, record_release, &rel);
	KEXPECT_EQ(mmk_mmu_unmap(&t.u, t.va + 16 * K4, 48 * K4, &b), 0);
	mmk_mmu_batch_finish(&b);
	KEXPECT_EQ(mmu()->stats.tlb_full_flushes, flushes + 1);
	KEXPECT_EQ(ktest_env_stale_tlb_entries(), 0);
	KEXPECT_EQ(rel.stale_at_release, 0);
	/* The last pages, in the TLB again: their tables go, after the invalidation. */
	for (unsigned i = 4; i < 16; i++) {
		uint32_t v;
		KEXPECT_EQ(ktest_env_access(t.va + i * K4, false, &v), 0);
	}
	KEXPECT_EQ(mmk_mmu_unmap(&t.u, t.va + 4 * K4, 12 * K4, NULL), 0);
	KEXPECT_EQ(t.u.table_pages, 0);
	KEXPECT_EQ(ktest_env_stale_tlb_entries(), 0);
	KEXPECT_EQ(ktest_env_freed_table_uses(), freed_uses);
	touched_teardown(&t);
}

KTEST(mmu_contract, remap_replaces_a_frame_and_releases_the_old_one_after)
{
	struct touched t;
	KASSERT_TRUE(touched_setup(&t, 4));
	struct released rel = {.n = 0};
	struct mmk_mmu_batch b;
	mmk_mmu_batch_begin(&b, &t.u, record_release, &rel);
	KEXPECT_EQ(mmk_mmu_remap(&t.u, t.va + K4, t.pa + 3 * K4, URW, &b), 0);
	mmk_mmu_batch_finish(&b);
	KEXPECT_EQ(ktest_env_stale_tlb_entries(), 0);
	KASSERT_EQ(rel.n, 1);
	KEXPECT_EQ(rel.pa[0], t.pa + K4);
	KEXPECT_EQ(rel.stale_at_release, 0);
	uint32_t v = 0;
	KEXPECT_EQ(ktest_env_access(t.va + K4, false, &v), 0);
	KEXPECT_EQ(v, 3); /* frame 3's contents, written by touched_setup */
	touched_teardown(&t);
}

struct ad_seen {
	unsigned pages, accessed, dirty;
};

static int count_ad(void *ctx, const struct mmk_mmu_mapping *m)
{
	struct ad_seen *a = ctx;
	a->pages++;
	a->accessed += (m->flags & MMK_MAP_ACCESSED) != 0;
	a->dirty += (m->flags & MMK_MAP_DIRTY) != 0;
	return 0;
}

KTEST(mmu_contract, accessed_and_dirty_are_reported_and_cleared)
{
	struct touched t;
	KASSERT_TRUE(touched_setup(&t, 8)); /* every page written */
	struct ad_seen a = {0, 0, 0};
	KEXPECT_EQ(mmk_mmu_clear_accessed(&t.u, t.va, 8 * K4, MMK_MAP_ACCESSED | MMK_MAP_DIRTY,
					  count_ad, &a, NULL),
		   0);
	KEXPECT_EQ(a.pages, 8);
	KEXPECT_EQ(a.accessed, 8);
	KEXPECT_EQ(a.dirty, 8);
	KEXPECT_EQ(ktest_env_stale_tlb_entries(), 0);
	uint32_t v = 0;
	KEXPECT_EQ(ktest_env_access(t.va, false, &v), 0); /* read one page again */
	a = (struct ad_seen){0, 0, 0};
	KEXPECT_EQ(mmk_mmu_clear_accessed(&t.u, t.va, 8 * K4, 0, count_ad, &a, NULL), 0);
	KEXPECT_EQ(a.pages, 8);
	/* A format with A/D bits now reports one accessed, none dirty; one without them
	 * reports every writable page accessed and dirty (the documented rule). */
	KEXPECT_TRUE((a.accessed == 1 && a.dirty == 0) || (a.accessed == 8 && a.dirty == 8));
	/* Set again in software, as a fault on a clear bit does: reported again. */
	KEXPECT_EQ(mmk_mmu_set_referenced(&t.u, t.va + K4, true), 0);
	a = (struct ad_seen){0, 0, 0};
	KEXPECT_EQ(mmk_mmu_clear_accessed(&t.u, t.va + K4, K4, 0, count_ad, &a, NULL), 0);
	KEXPECT_EQ(a.accessed, 1);
	KEXPECT_EQ(a.dirty, 1);
	KEXPECT_EQ(mmk_mmu_set_referenced(&t.u, t.va + 64 * K4, false), -MMK_ENOENT);
	KEXPECT_EQ(mmk_mmu_protect(&t.u, t.va, K4, URO, NULL), 0);
	KEXPECT_EQ(mmk_mmu_set_referenced(&t.u, t.va, true), -MMK_EPERM);
	KEXPECT_EQ(ktest_env_stale_tlb_entries(), 0);
	touched_teardown(&t);
}

/* ------------------------------------------------------------ a random model */

#define MODEL_PAGES 2048u /* 8 MiB per space */
#define MODEL_SPACES 2

struct model_page {
	mmk_paddr_t pa; /* 0: unmapped */
	bool writable;
};

struct model {
	struct mmk_mmu_space space[MODEL_SPACES];
	struct model_page *page[MODEL_SPACES];
	mmk_vaddr_t va;
	mmk_paddr_t frames; /* a block of MODEL_PAGES frames, 2 MiB aligned */
	uint64_t *rng;
};

static bool all_are(const struct model_page *p, unsigned first, unsigned n, bool mapped)
{
	for (unsigned i = first; i < first + n; i++)
		if ((p[i].pa != 0) != mapped)
			return false;
	return true;
}

static bool any_mapped(const struct model_page *p, unsigned first, unsigned n)
{
	for (unsigned i = first; i < first + n; i++)
		if (p[i].pa)
			return true;
	return false;
}

/* One random operation on a random space; false when the MMU disagreed with the model. */
static bool model_step(struct model *m)
{
	unsigned si = ktest_random_below(m->rng, MODEL_SPACES);
	struct mmk_mmu_space *s = &m->space[si];
	struct model_page *p = m->page[si];
	/* Runs of 1..600 pages, aligned to 512 now and then so large pages appear. */
	unsigned n = 1 + ktest_random_below(m->rng, ktest_random_below(m->rng, 4) ? 16 : 600);
	unsigned first = ktest_random_below(m->rng, MODEL_PAGES - n + 1);
	if (ktest_random_below(m->rng, 4) == 0)
		first &= ~511u;
	if (first + n > MODEL_PAGES)
		n = MODEL_PAGES - first;
	mmk_vaddr_t va = m->va + (mmk_vaddr_t)first * K4;
	int err, want;
	switch (ktest_random_below(m->rng, 6)) {
	case 0:
	case 1: { /* map: same offset in the frame block as in the window (large pages fit) */
		bool w = ktest_random_below(m->rng, 2);
		mmk_paddr_t pa = m->frames + (mmk_paddr_t)first * K4;
		bool oom = ktest_random_below(m->rng, 8) == 0;
		if (oom)
			mmk_pmm_inject_failure(mmu()->pmm, 1);
		err = mmk_mmu_map(s, va, pa, (mmk_vsize_t)n * K4, w ? URW : URO, 0);
		mmk_pmm_inject_failure(mmu()->pmm, 0);
		want = any_mapped(p, first, n) ? -MMK_EEXIST : 0;
		if (oom && want == 0 && err == -MMK_ENOMEM)
			return true; /* it needed a table: nothing changed (checked below) */
		if (err != want)
			return false;
		for (unsigned i = first; !err && i < first + n; i++)
			p[i] = (struct model_page){m->frames + (mmk_paddr_t)i * K4, w};
		return true;
	}
	case 2: { /* unmap */
		bool oom = ktest_random_below(m->rng, 8) == 0;
		if (oom)
			mmk_pmm_inject_failure(mmu()->pmm, 1);
		err = mmk_mmu_unmap(s, va, (mmk_vsize_t)n * K4, NULL);
		mmk_pmm_inject_failure(mmu()->pmm, 0);
		want = all_are(p, first, n, true) ? 0 : -MMK_ENOENT;
		if (oom && want == 0 && err == -MMK_ENOMEM)
			return true; /* a split needed a table */
		if (err != want)
			return false;
		for (unsigned i = first; !err && i < first + n; i++)
			p[i].pa = 0;
		return true;
	}
	case 3: { /* protect */
		bool w = ktest_random_below(m->rng, 2);
		err = mmk_mmu_protect(s, va, (mmk_vsize_t)n * K4, w ? URW : URO, NULL);
		want = all_are(p, first, n, true) ? 0 : -MMK_ENOENT;
		if (err == -MMK_ENOMEM && want == 0)
			return true;
		if (err != want)
			return false;
		for (unsigned i = first; !err && i < first + n; i++)
			p[i].writable = w;
		return true;
	}
	case 4: /* switch */
		mmk_mmu_activate(s);
		return true;
	default: { /* touch mapped pages of the active space: fills the TLB */
		if (mmu()->active != s)
			return true;
		for (unsigned i = first; i < first + n && i < first + 8; i++) {
			uint32_t v = 0;
			if (p[i].pa && ktest_env_access(m->va + (mmk_vaddr_t)i * K4, false, &v))
				return false;
		}
		return true;
	}
	}
}

/* Checks sampled pages of every space against the model, through query and the
 * reference walk, and the TLB against the tables. */
static bool model_agrees(struct model *m)
{
	for (unsigned si = 0; si < MODEL_SPACES; si++) {
		for (unsigned k = 0; k < 24; k++) {
			unsigned i = ktest_random_below(m->rng, MODEL_PAGES);
			mmk_vaddr_t va = m->va + (mmk_vaddr_t)i * K4;
			const struct model_page *p = &m->page[si][i];
			bool ok = p->pa ? translates(&m->space[si], va, p->pa, p->writable)
					: unmapped(&m->space[si], va);
			if (!ok) {
				ktest_log("space %u page %u: model pa 0x%llx w %d", si, i,
					  (unsigned long long)p->pa, p->writable);
				return false;
			}
		}
	}
	return ktest_env_stale_tlb_entries() == 0;
}

KTEST(mmu_contract, random_operations_match_a_model)
{
	uint64_t rng = 0x5EED0000ABCDull;
	struct model m = {.rng = &rng, .va = user_va(22)};
	struct mmk_mmu_space *was = mmu()->active;
	uint64_t before = fingerprint();
	unsigned freed_uses = ktest_env_freed_table_uses();
	KASSERT_EQ(mmk_pmm_alloc_block(mmu()->pmm, 11, &m.frames), 0); /* 8 MiB */
	for (unsigned si = 0; si < MODEL_SPACES; si++) {
		m.page[si] = ktest_env_malloc(MODEL_PAGES * sizeof(struct model_page));
		KASSERT_TRUE(m.page[si] != NULL);
		for (unsigned i = 0; i < MODEL_PAGES; i++)
			m.page[si][i] = (struct model_page){0, false};
		KASSERT_EQ(mmk_mmu_space_create(mmu(), &m.space[si]), 0);
	}
	unsigned steps = ktest_scale(3000, 300), done = 0;
	for (; done < steps; done++) {
		uint64_t print = fingerprint();
		if (!model_step(&m)) {
			ktest_log("step %u: the MMU disagreed with the model", done);
			break;
		}
		if (!model_agrees(&m)) {
			ktest_log("step %u: a page or the TLB disagrees (print 0x%llx)", done,
				  (unsigned long long)print);
			break;
		}
	}
	KEXPECT_EQ(done, steps);
	KEXPECT_EQ(ktest_env_freed_table_uses(), freed_uses);
	mmk_mmu_activate(was);
	for (unsigned si = 0; si < MODEL_SPACES; si++) {
		KEXPECT_EQ(mmk_mmu_space_destroy(&m.space[si], NULL, NULL), 0);
		ktest_env_free(m.page[si]);
	}
	KEXPECT_EQ(mmk_pmm_free_block(mmu()->pmm, m.frames, 11), 0);
	KEXPECT_EQ(fingerprint(), before);
}
