/*
 * The ARMv7 MMU backend: VMSAv7 short descriptors (ARM ARM B3.5) behind
 * include/mmukit/mmu.h. Bit layouts: arch/armv7/pte.h.
 *
 *   0x00000000  never mapped
 *   0x00001000  user space: TTBR0, one 8 KiB first-level table per space (TTBCR.N = 1),
 *               ASID-tagged, non-global
 *   0x80000000  kernel: TTBR1, one 16 KiB table shared by every space by the hardware
 *               itself. RAM (up to 1 GiB) linearly at 0x80000000 (seed 003), the heap
 *               up from 0xC0000000, MMIO down from 0xFFF00000, vectors at 0xFFFF0000
 *
 * Second-level tables are 1 KiB: one frame holds the four tables of four consecutive
 * first-level entries (a 4 MiB "group"), and goes back to the PMM when none of the
 * four is a table any more. Every table is reached through the linear map.
 * As the other backends, each call reserves the frames it may need before changing
 * anything. TLB: TLBIMVA (with the ASID) for user pages of the active space, TLBIMVAA
 * for kernel pages, TLBIASID for a space edited while inactive, TLBIALL past the flush
 * threshold or at an ASID roll-over. Barriers and cache maintenance live behind cpu.h
 * (arch/armv7/cpu.c): new entries are published with DSB+ISB, and frames are synced for
 * instruction fetch before they become executable.
 */
#include <mmukit/errno.h>
#include <mmukit/mmu.h>
#include <mmukit/pmm.h>
#include <mmukit/services.h>

#include "cpu.h"
#include "pte.h"

#define USER_BASE 0x00001000u
#define USER_END 0x80000000u
#define KERNEL_BASE 0x80000000u
#define KERNEL_END 0xFFFFF000u
#define LINEAR_BASE 0x80000000u
#define LINEAR_MAX (1u << 30)
#define FLUSH_THRESHOLD 32u
#define ASID_BITS 8

/* Sizes by "level": 0 small page, 1 large page, 2 section. */
static const unsigned shift_of[3] = {12, 16, 20};

static uint32_t size_of(unsigned level)
{
	return 1u << shift_of[level];
}

static pte_t *phys(mmk_paddr_t pa)
{
	return armv7_phys(pa);
}

static pte_t *l1_entry(const struct mmk_mmu_space *s, uint32_t va)
{
	return &phys(s->root)[va >> 20];
}

static pte_t *l2_table(pte_t l1)
{
	return phys(l1 & L1_TABLE_BASE);
}

static bool is_user(uint32_t va)
{
	return va < USER_END;
}

/* ------------------------------------------------------------ the reserve */

struct reserve {
	mmk_paddr_t head;
	unsigned count;
};

static void reserve_release(struct mmk_mmu *mmu, struct reserve *r)
{
	while (r->count > 0) {
		mmk_paddr_t pa = r->head;
		r->head = *phys(pa);
		r->count--;
		MMK_ASSERT(mmk_pmm_free(mmu->pmm, pa) == 0);
	}
}

static int reserve_take(struct mmk_mmu *mmu, struct reserve *r, unsigned n)
{
	*r = (struct reserve){0, 0};
	for (unsigned i = 0; i < n; i++) {
		mmk_paddr_t pa;
		int err = mmk_pmm_alloc(mmu->pmm, &pa);
		if (err) {
			reserve_release(mmu, r);
			return err;
		}
		*phys(pa) = (pte_t)r->head;
		r->head = pa;
		r->count++;
	}
	return 0;
}

static mmk_paddr_t reserve_use(struct mmk_mmu *mmu, struct reserve *r)
{
	MMK_ASSERT(r->count > 0);
	mmk_paddr_t pa = r->head;
	pte_t *t = phys(pa);
	r->head = t[0];
	r->count--;
	armv7_zero_page(t);
	mmu->stats.tables_allocated++;
	return pa;
}

/* ------------------------------------------------------------ second-level tables */

/* The frame holding the second-level tables of va's group, or 0 when it has none. */
static mmk_paddr_t group_frame(const struct mmk_mmu_space *s, uint32_t va)
{
	const pte_t *l1 = l1_entry(s, va & ~(4 * SECTION_SIZE - 1));
	for (unsigned i = 0; i < 4; i++)
		if ((l1[i] & L1_TYPE_MASK) == L1_TABLE)
			return (l1[i] & L1_TABLE_BASE) & ~(mmk_paddr_t)0xFFF;
	return 0;
}

/* The second-level table for va, making it (from the reserve when its group has none). */
static pte_t *ensure_l2(struct mmk_mmu_space *s, uint32_t va, struct reserve *r)
{
	pte_t *l1 = l1_entry(s, va);
	if ((*l1 & L1_TYPE_MASK) != L1_TABLE) {
		MMK_ASSERT(*l1 == 0);
		mmk_paddr_t frame = group_frame(s, va);
		if (!frame) {
			frame = reserve_use(s->mmu, r);
			(is_user(va) ? s : &s->mmu->kernel)->table_pages++;
		}
		mmk_paddr_t table = frame + ((va >> 20) & 3) * L2_TABLE_BYTES;
		for (unsigned i = 0; i < L2_ENTRIES; i++)
			phys(table)[i] = 0;
		*l1 = (pte_t)table | L1_TABLE; /* domain 0 */
	}
	return l2_table(*l1);
}

/* ------------------------------------------------------------ flags */

static bool flags_valid(unsigned flags)
{
	return (flags & ~(MMK_PROT_MASK | MMK_CACHE_MASK)) == 0 &&
	       (flags & (MMK_PROT_READ | MMK_PROT_WRITE | MMK_PROT_EXEC)) != 0;
}

/*
 * TEX, C, B (ARM ARM B3.8.2, table B3-10). MMIO (MMK_CACHE_UC) is Device: ordered,
 * uncached, but writes may be buffered - what device registers want; Strongly-ordered
 * (TEX 000, C 0, B 0) would also wait for each write to complete, and nothing portable
 * asks for that.
 */
static void memory_type(unsigned flags, unsigned *tex, bool *c, bool *b)
{
	switch (flags & MMK_CACHE_MASK) {
	case MMK_CACHE_WT: *tex = 0; *c = true; *b = false; break;  /* normal, write-through */
	case MMK_CACHE_WC: *tex = 1; *c = false; *b = false; break; /* normal, non-cacheable */
	case MMK_CACHE_UC: *tex = 0; *c = false; *b = true; break;  /* shareable device */
	default: *tex = 1; *c = true; *b = true; break;             /* normal, write-back */
	}
}

/* AP[2:0] (ARM ARM B3.7.1, table B3-8): kernel RW 001, kernel RO 101, user RW 011, user RO 111. */
static unsigned access_bits(unsigned flags)
{
	unsigned ap = (flags & MMK_PROT_USER) ? 3 : 1;
	if (!(flags & MMK_PROT_WRITE))
		ap |= 4;
	return ap;
}

static pte_t leaf_bits(unsigned flags, unsigned level, bool user)
{
	unsigned tex, ap = access_bits(flags);
	bool c, b;
	memory_type(flags, &tex, &c, &b);
	bool xn = !(flags & MMK_PROT_EXEC);
	if (level == 2)
		return L1_SECTION | (b ? SECT_B : 0) | (c ? SECT_C : 0) | (xn ? SECT_XN : 0) |
		       (ap & 3) << SECT_AP_SHIFT | tex << SECT_TEX_SHIFT | (ap & 4 ? SECT_APX : 0) |
		       (user ? SECT_NG : 0);
	pte_t common = (b ? L2_B : 0) | (c ? L2_C : 0) | (ap & 3) << L2_AP_SHIFT |
		       (ap & 4 ? L2_APX : 0) | (user ? L2_NG : 0);
	if (level == 1)
		return L2_LARGE | common | tex << L2_LARGE_TEX_SHIFT | (xn ? L2_LARGE_XN : 0);
	return L2_SMALL | common | tex << L2_SMALL_TEX_SHIFT | (xn ? L2_SMALL_XN : 0);
}

/* The portable flags of a leaf entry. */
static unsigned leaf_flags(pte_t e, unsigned level)
{
	unsigned ap, tex;
	bool c, b, xn, ng;
	if (level == 2) {
		ap = (e >> SECT_AP_SHIFT & 3) | (e & SECT_APX ? 4 : 0);
		tex = e >> SECT_TEX_SHIFT & 7;
		xn = e & SECT_XN;
		ng = e & SECT_NG;
	} else {
		ap = (e >> L2_AP_SHIFT & 3) | (e & L2_APX ? 4 : 0);
		tex = level == 1 ? e >> L2_LARGE_TEX_SHIFT & 7 : e >> L2_SMALL_TEX_SHIFT & 7;
		xn = level == 1 ? e & L2_LARGE_XN : e & L2_SMALL_XN;
		ng = e & L2_NG;
	}
	c = e & (level == 2 ? SECT_C : L2_C);
	b = e & (level == 2 ? SECT_B : L2_B);
	unsigned f = MMK_PROT_READ;
	if (!(ap & 4))
		f |= MMK_PROT_WRITE;
	if ((ap & 3) == 3 || (ap & 3) == 2)
		f |= MMK_PROT_USER;
	if (!xn)
		f |= MMK_PROT_EXEC;
	if (!ng)
		f |= MMK_PROT_GLOBAL;
	if (tex == 0 && c && !b)
		f |= MMK_CACHE_WT;
	else if (tex == 1 && !c && !b)
		f |= MMK_CACHE_WC;
	else if (tex == 0 && !c)
		f |= MMK_CACHE_UC; /* shareable device (B), or strongly-ordered (mmukit makes none) */
	return f;
}

/* ------------------------------------------------------------ lookup */

/* The first frame of a leaf entry at its level (a section, a large or a small page). */
static mmk_paddr_t leaf_base(pte_t e, unsigned level)
{
	return level == 2 ? e & L1_SECTION_BASE : level == 1 ? e & L2_LARGE_BASE : e & L2_SMALL_BASE;
}

/* The leaf mapping va, its level, or NULL. For a large page, its first entry. */
static pte_t *leaf_of(const struct mmk_mmu_space *s, uint32_t va, unsigned *level)
{
	pte_t *l1 = l1_entry(s, va);
	switch (*l1 & L1_TYPE_MASK) {
	case L1_SECTION:
		*level = 2;
		return l1;
	case L1_TABLE: {
		pte_t *e = &l2_table(*l1)[(va >> 12) & (L2_ENTRIES - 1)];
		if (*e & L2_SMALL) {
			*level = 0;
			return e;
		}
		if ((*e & L2_TYPE_MASK) == L2_LARGE) {
			*level = 1;
			return &l2_table(*l1)[((va >> 12) & (L2_ENTRIES - 1)) & ~15u];
		}
		return NULL;
	}
	default:
		return NULL;
	}
}

/* ------------------------------------------------------------ ranges, TLB */

static int check_range(const struct mmk_mmu_space *s, mmk_vaddr_t va, mmk_vsize_t size)
{
	if (!mmk_is_aligned(va, MMK_PAGE_SIZE) || !mmk_is_aligned(size, MMK_PAGE_SIZE))
		return -MMK_EALIGN;
	if (size == 0)
		return -MMK_EINVAL;
	uint64_t lo = s->is_kernel ? KERNEL_BASE : USER_BASE;
	uint64_t hi = s->is_kernel ? KERNEL_END : USER_END;
	if ((uint64_t)va + size > hi || va < lo)
		return -MMK_ERANGE;
	return 0;
}

struct flush {
	uint32_t count;
	bool needed;
	struct mmk_mmu_space *space;
};

static struct flush flush_begin(struct mmk_mmu_space *s)
{
	return (struct flush){0, s->is_kernel || s == s->mmu->active, s};
}

static void flush_page(struct mmk_mmu *mmu, struct flush *f, uint32_t va)
{
	f->count++;
	if (!f->needed || f->count > mmu->flush_threshold)
		return;
	if (f->space->is_kernel)
		armv7_tlbi_va_all_asids(va);
	else
		armv7_tlbi_va_asid(va, f->space->asid);
}

static void flush_end(struct mmk_mmu *mmu, struct flush *f)
{
	if (f->count == 0)
		return;
	if (!f->needed) { /* an inactive space: its ASID's entries, if it has one */
		if (f->space->asid)
			armv7_tlbi_asid(f->space->asid);
		return;
	}
	if (f->count <= mmu->flush_threshold) {
		mmu->stats.tlb_page_invalidations += f->count;
		return;
	}
	if (f->space->is_kernel)
		armv7_tlbi_all();
	else
		armv7_tlbi_asid(f->space->asid);
	mmu->stats.tlb_full_flushes++;
}

/* ------------------------------------------------------------ code */

/* The frame behind leaf e (at its level) for address va inside it. */
static mmk_paddr_t leaf_frame_at(pte_t e, unsigned level, uint32_t va)
{
	return leaf_base(e, level) + (va & (size_of(level) - 1) & ~(MMK_PAGE_SIZE - 1));
}

/* Frames [pa, pa+size) about to become executable: their code made visible (cpu.h). */
static void sync_code_frames(mmk_paddr_t pa, uint64_t size)
{
	for (uint64_t off = 0; off < size; off += MMK_PAGE_SIZE)
		armv7_sync_code(pa + off);
	armv7_sync_code_done();
}

/* The same for what [va, va+size) of s maps now (mmk_mmu_protect adding execute). */
static void sync_code_mapped(const struct mmk_mmu_space *s, uint32_t va, uint64_t size)
{
	for (uint64_t at = va; at < (uint64_t)va + size; at += MMK_PAGE_SIZE) {
		unsigned level;
		const pte_t *e = leaf_of(s, (uint32_t)at, &level);
		armv7_sync_code(leaf_frame_at(*e, level, (uint32_t)at));
	}
	armv7_sync_code_done();
}

/* ------------------------------------------------------------ map */

/* The largest page that fits at va: a section only where the first level is empty. */
static unsigned piece_level(const struct mmk_mmu_space *s, uint32_t va, uint64_t pa,
			    uint64_t remaining, unsigned page_shift)
{
	if (page_shift)
		return page_shift == 20 ? 2 : page_shift == 16 ? 1 : 0;
	if (mmk_is_aligned(va, SECTION_SIZE) && mmk_is_aligned(pa, SECTION_SIZE) &&
	    remaining >= SECTION_SIZE && *l1_entry(s, va) == 0)
		return 2;
	if (mmk_is_aligned(va, LARGE_SIZE) && mmk_is_aligned(pa, LARGE_SIZE) &&
	    remaining >= LARGE_SIZE)
		return 1;
	return 0;
}

/* Bytes of small or large pages from va to the end of its 1 MiB, or remaining. */
static uint64_t l2_run(uint32_t va, uint64_t remaining, unsigned level)
{
	uint64_t to_end = SECTION_SIZE - (va & (SECTION_SIZE - 1));
	uint64_t run = remaining < to_end ? remaining : to_end;
	return run - run % size_of(level);
}

/*
 * Writes n consecutive second-level entries from e for frames from pa (below 4 GiB,
 * checked by mmk_mmu_map); a large page repeats its 64 KiB frame in each of its 16 entries.
 */
static void fill_l2_run(pte_t *e, uint32_t pa, uint32_t n, unsigned level, pte_t bits)
{
	uint32_t mask = level == 1 ? ~(LARGE_SIZE - 1) : ~0u;
	for (uint32_t i = 0; i < n; i++, pa += MMK_PAGE_SIZE)
		e[i] = (pa & mask) | bits;
}

/* Checks the range is free and counts the group frames a map will take. */
static int plan_map(const struct mmk_mmu_space *s, uint32_t va, uint64_t pa, uint64_t size,
		    unsigned page_shift, unsigned *frames)
{
	uint32_t last_group = UINT32_MAX;
	*frames = 0;
	for (uint64_t done = 0; done < size;) {
		uint32_t at = va + (uint32_t)done;
		unsigned level = piece_level(s, at, pa + done, size - done, page_shift);
		pte_t l1 = *l1_entry(s, at);
		if (level == 2) {
			if (l1)
				return -MMK_EEXIST;
			done += SECTION_SIZE;
			continue;
		}
		uint64_t step = l2_run(at, size - done, level);
		if ((l1 & L1_TYPE_MASK) == L1_SECTION)
			return -MMK_EEXIST;
		if ((l1 & L1_TYPE_MASK) == L1_TABLE) {
			const pte_t *t = l2_table(l1);
			for (uint64_t off = 0; off < step; off += MMK_PAGE_SIZE)
				if (t[((at + off) >> 12) & (L2_ENTRIES - 1)])
					return -MMK_EEXIST;
		} else if (!group_frame(s, at) && (at >> 22) != last_group) {
			last_group = at >> 22;
			(*frames)++;
		}
		done += step;
	}
	return 0;
}

int mmk_mmu_map(struct mmk_mmu_space *s, mmk_vaddr_t va, mmk_paddr_t pa, mmk_vsize_t size, unsigned flags,
	    unsigned page_shift)
{
	if (!flags_valid(flags))
		return -MMK_EINVAL;
	if (page_shift != 0 && page_shift != 12 && page_shift != 16 && page_shift != 20)
		return -MMK_EINVAL;
	int err = check_range(s, va, size);
	if (err)
		return err;
	uint32_t align = page_shift ? 1u << page_shift : MMK_PAGE_SIZE;
	if (!mmk_is_aligned(pa, align) || !mmk_is_aligned(va, align) || !mmk_is_aligned(size, align))
		return -MMK_EALIGN;
	if (pa + size < pa || pa + size > (1ull << 32))
		return -MMK_ERANGE;
	if (s->is_kernel && (flags & MMK_PROT_USER))
		return -MMK_EPERM;
	unsigned frames;
	err = plan_map(s, (uint32_t)va, pa, size, page_shift, &frames);
	if (err)
		return err;
	struct reserve r;
	err = reserve_take(s->mmu, &r, frames);
	if (err)
		return err;
	if (flags & MMK_PROT_EXEC)
		sync_code_frames(pa, size);
	bool user = !s->is_kernel;
	for (uint64_t done = 0; done < size;) {
		uint32_t at = (uint32_t)va + (uint32_t)done;
		unsigned level = piece_level(s, at, pa + done, size - done, page_shift);
		if (level == 2) {
			*l1_entry(s, at) = (pte_t)(pa + done) | leaf_bits(flags, 2, user);
			done += SECTION_SIZE;
			continue;
		}
		uint64_t step = l2_run(at, size - done, level);
		pte_t *t = ensure_l2(s, at, &r);
		pte_t bits = leaf_bits(flags, level, user);
		fill_l2_run(&t[(at >> 12) & (L2_ENTRIES - 1)], (uint32_t)(pa + done),
			    (uint32_t)(step / MMK_PAGE_SIZE), level, bits);
		done += step;
	}
	MMK_ASSERT(r.count == 0);
	armv7_tables_written();
	return 0;
}

/* ------------------------------------------------------------ unmap, protect */

static int check_mapped(const struct mmk_mmu_space *s, uint32_t va, uint64_t size)
{
	for (uint64_t at = va; at < va + size;) {
		unsigned level;
		if (!leaf_of(s, (uint32_t)at, &level))
			return -MMK_ENOENT;
		at = mmk_align_down(at, size_of(level)) + size_of(level);
	}
	return 0;
}

/* Frames a cut at boundary b needs: a section around b becomes a table. */
static unsigned splits_at(const struct mmk_mmu_space *s, uint64_t b)
{
	unsigned level;
	if (b >= KERNEL_END || !leaf_of(s, (uint32_t)b, &level))
		return 0;
	return level == 2 && !mmk_is_aligned(b, SECTION_SIZE) ? 1 : 0;
}

/* Replaces the leaf at va (a section or a large page) by small pages, same rights. */
static void split(struct mmk_mmu_space *s, uint32_t va, unsigned level, struct reserve *r)
{
	unsigned level_found;
	pte_t *e = leaf_of(s, va, &level_found);
	unsigned flags = leaf_flags(*e, level);
	bool user = !(flags & MMK_PROT_GLOBAL);
	pte_t small = leaf_bits(flags, 0, user);
	if (level == 2) {
		mmk_paddr_t base = *e & L1_SECTION_BASE;
		pte_t old = *e;
		*e = 0; /* ensure_l2 installs a table here; same translations after */
		pte_t *t = ensure_l2(s, va, r);
		for (unsigned i = 0; i < L2_ENTRIES; i++)
			t[i] = (pte_t)(base + i * MMK_PAGE_SIZE) | small;
		if (!mmk_mmu_in_window(s->mmu, va))
			(void)mmk_pmm_split_block(s->mmu->pmm, old & L1_SECTION_BASE, 8);
		return;
	}
	mmk_paddr_t base = *e & L2_LARGE_BASE;
	for (unsigned i = 0; i < 16; i++)
		e[i] = (pte_t)(base + i * MMK_PAGE_SIZE) | small;
	if (!mmk_mmu_in_window(s->mmu, va))
		(void)mmk_pmm_split_block(s->mmu->pmm, base, 4);
}

static pte_t *leaf_inside(struct mmk_mmu_space *s, uint32_t va, uint64_t lo, uint64_t hi,
			  unsigned *level, struct reserve *r)
{
	for (;;) {
		pte_t *e = leaf_of(s, va, level);
		MMK_ASSERT(e != NULL);
		uint64_t start = mmk_align_down(va, size_of(*level));
		if (start >= lo && start + size_of(*level) <= hi)
			return e;
		split(s, va, *level, r);
	}
}

static int prepare_change(struct mmk_mmu_space *s, mmk_vaddr_t va, mmk_vsize_t size, struct reserve *r)
{
	int err = check_range(s, va, size);
	if (!err)
		err = check_mapped(s, (uint32_t)va, size);
	if (err)
		return err;
	return reserve_take(s->mmu, r, splits_at(s, va) + splits_at(s, va + size));
}

static void free_leaf_frames(struct mmk_mmu *mmu, mmk_paddr_t pa, unsigned level)
{
	static const unsigned order[3] = {0, 4, 8};
	int err = mmk_pmm_free_block(mmu->pmm, pa, order[level]);
	if (err != -MMK_EINVAL || level == 0) {
		MMK_ASSERT(err == 0);
		return;
	}
	for (uint32_t off = 0; off < size_of(level); off += MMK_PAGE_SIZE)
		MMK_ASSERT(mmk_pmm_free(mmu->pmm, pa + off) == 0);
}

/*
 * Whether a second-level table is empty, looking outward from entry `from` (the last
 * one cleared): when pages are unmapped one by one, in either direction, a live
 * neighbour is found in a step or two instead of a scan from entry 0 each time.
 */
static bool l2_empty(const pte_t *t, unsigned from)
{
	for (unsigned d = 0; d < L2_ENTRIES; d++) {
		if (from + d < L2_ENTRIES && t[from + d])
			return false;
		if (d < from && t[from - d - 1])
			return false;
		if (from + d >= L2_ENTRIES && d >= from)
			break;
	}
	return true;
}

/* Removes the user second-level tables emptied in [lo, hi), and group frames left unused. */
static void prune(struct mmk_mmu_space *s, uint32_t lo, uint64_t hi, struct flush *f)
{
	for (uint64_t sect = mmk_align_down(lo, SECTION_SIZE); sect < hi; sect += SECTION_SIZE) {
		pte_t *l1 = l1_entry(s, (uint32_t)sect);
		uint32_t from = sect > lo ? (uint32_t)sect : lo;
		if ((*l1 & L1_TYPE_MASK) != L1_TABLE ||
		    !l2_empty(l2_table(*l1), (from >> 12) & (L2_ENTRIES - 1)))
			continue;
		mmk_paddr_t frame = (*l1 & L1_TABLE_BASE) & ~(mmk_paddr_t)0xFFF;
		*l1 = 0;
		flush_page(s->mmu, f, (uint32_t)sect); /* walk caches hold first-level entries too */
		if (!group_frame(s, (uint32_t)sect)) {
			MMK_ASSERT(mmk_pmm_free(s->mmu->pmm, frame) == 0);
			s->mmu->stats.tables_freed++;
			s->table_pages--;
		}
	}
}

/*
 * Clears the small pages from e (mapping va) up to end or the end of its table, stopping
 * at a large page; returns the bytes unmapped.
 */
static uint64_t unmap_small_run(struct mmk_mmu_space *s, pte_t *e, uint32_t va, uint64_t end,
				bool free_frames, struct flush *f)
{
	uint64_t stop = mmk_align_down(va, SECTION_SIZE) + SECTION_SIZE;
	if (end < stop)
		stop = end;
	uint64_t at = va;
	for (; at < stop && (*e & L2_SMALL); at += MMK_PAGE_SIZE, e++) {
		if (free_frames)
			free_leaf_frames(s->mmu, *e & L2_SMALL_BASE, 0);
		*e = 0;
		flush_page(s->mmu, f, (uint32_t)at);
	}
	return at - va;
}

int mmk_mmu_unmap(struct mmk_mmu_space *s, mmk_vaddr_t va, mmk_vsize_t size, bool free_frames)
{
	struct reserve r;
	int err = prepare_change(s, va, size, &r);
	if (err)
		return err;
	struct flush f = flush_begin(s);
	for (uint64_t at = va; at < va + size;) {
		unsigned level;
		pte_t *e = leaf_inside(s, (uint32_t)at, va, va + size, &level, &r);
		if (level == 0) { /* the run of small pages from here in this table */
			at += unmap_small_run(s, e, (uint32_t)at, va + size, free_frames, &f);
			continue;
		}
		mmk_paddr_t frame = leaf_base(*e, level);
		for (unsigned i = 0; i < (level == 1 ? 16u : 1u); i++)
			e[i] = 0;
		if (free_frames)
			free_leaf_frames(s->mmu, frame, level);
		for (uint32_t off = 0; off < size_of(level); off += MMK_PAGE_SIZE)
			flush_page(s->mmu, &f, (uint32_t)at + off);
		at += size_of(level);
	}
	if (!s->is_kernel) /* kernel tables are kept */
		prune(s, (uint32_t)va, va + size, &f);
	flush_end(s->mmu, &f);
	reserve_release(s->mmu, &r);
	return 0;
}

int mmk_mmu_protect(struct mmk_mmu_space *s, mmk_vaddr_t va, mmk_vsize_t size, unsigned flags)
{
	if (!flags_valid(flags))
		return -MMK_EINVAL;
	if (s->is_kernel && (flags & MMK_PROT_USER))
		return -MMK_EPERM;
	struct reserve r;
	int err = prepare_change(s, va, size, &r);
	if (err)
		return err;
	if (flags & MMK_PROT_EXEC)
		sync_code_mapped(s, (uint32_t)va, size);
	struct flush f = flush_begin(s);
	for (uint64_t at = va; at < va + size;) {
		unsigned level;
		pte_t *e = leaf_inside(s, (uint32_t)at, va, va + size, &level, &r);
		pte_t bits = leaf_bits(flags, level, !s->is_kernel);
		if (level == 2) {
			*e = (*e & L1_SECTION_BASE) | bits;
		} else {
			pte_t base = level == 1 ? *e & L2_LARGE_BASE : *e & L2_SMALL_BASE;
			for (unsigned i = 0; i < (level == 1 ? 16u : 1u); i++)
				e[i] = base | bits;
		}
		for (uint32_t off = 0; off < size_of(level); off += MMK_PAGE_SIZE)
			flush_page(s->mmu, &f, (uint32_t)at + off);
		at += size_of(level);
	}
	flush_end(s->mmu, &f);
	reserve_release(s->mmu, &r);
	return 0;
}

/* ------------------------------------------------------------ query, walk */

int mmk_mmu_query(const struct mmk_mmu_space *s, mmk_vaddr_t va, struct mmk_mmu_mapping *out)
{
	unsigned level;
	if (va > 0xFFFFFFFFu || (s->is_kernel && va < USER_END))
		return -MMK_ENOENT; /* the kernel space has no user half */
	/* Kernel addresses translate through TTBR1, whichever space is loaded. */
	const struct mmk_mmu_space *table = va >= KERNEL_BASE ? &s->mmu->kernel : s;
	pte_t *e = leaf_of(table, (uint32_t)va, &level);
	if (!e)
		return -MMK_ENOENT;
	mmk_paddr_t frame = leaf_base(*e, level);
	*out = (struct mmk_mmu_mapping){mmk_align_down(va, size_of(level)), frame,
				    leaf_flags(*e, level), shift_of[level]};
	return 0;
}

int mmk_mmu_walk(const struct mmk_mmu_space *s, mmk_vaddr_t start, mmk_vaddr_t end,
	     int (*visit)(void *ctx, const struct mmk_mmu_mapping *m), void *ctx)
{
	uint64_t lo = s->is_kernel ? KERNEL_BASE : USER_BASE;
	uint64_t hi = s->is_kernel ? (uint64_t)KERNEL_END : USER_END;
	if (start > lo)
		lo = mmk_align_down(start, MMK_PAGE_SIZE);
	if (end < hi)
		hi = end;
	for (uint64_t at = lo; at < hi;) {
		struct mmk_mmu_mapping m;
		if (mmk_mmu_query(s, at, &m) != 0) {
			pte_t l1 = *l1_entry(s, (uint32_t)at);
			at = l1 ? at + MMK_PAGE_SIZE : mmk_align_down(at, SECTION_SIZE) + SECTION_SIZE;
			continue;
		}
		int r = visit(ctx, &m);
		if (r)
			return r;
		at = m.va + ((uint64_t)1 << m.page_shift);
	}
	return 0;
}

void mmk_mmu_print_walk(const struct mmk_mmu_space *s, mmk_vaddr_t va)
{
	pte_t l1 = *l1_entry(s, (uint32_t)va);
	mmk_printf("walk of 0x%08lx (%s table 0x%llx):\n", (unsigned long)va,
		   s->is_kernel ? "TTBR1" : "TTBR0", (unsigned long long)s->root);
	mmk_printf("  L1[%4u] = 0x%08x %s\n", (unsigned)(va >> 20), (unsigned)l1,
		   (l1 & 3) == L1_TABLE ? "table" : (l1 & 3) == L1_SECTION ? "section" : "fault");
	if ((l1 & 3) == L1_TABLE)
		mmk_printf("  L2[%3u] = 0x%08x\n", (unsigned)((va >> 12) & 255),
			   (unsigned)l2_table(l1)[(va >> 12) & 255]);
}

void *mmk_mmu_kernel_pointer(struct mmk_mmu *mmu, mmk_vaddr_t va)
{
	(void)mmu;
	return armv7_kernel_pointer((uint32_t)va);
}

void mmk_mmu_zero_frame(struct mmk_mmu *mmu, mmk_paddr_t pa)
{
	(void)mmu;
	armv7_zero_page(phys(pa));
}

void mmk_mmu_copy_frame(struct mmk_mmu *mmu, mmk_paddr_t dst, mmk_paddr_t src)
{
	(void)mmu;
	armv7_copy_page(phys(dst), phys(src));
}

/* ------------------------------------------------------------ spaces */

int mmk_mmu_space_create(struct mmk_mmu *mmu, struct mmk_mmu_space *space)
{
	mmk_paddr_t pa;
	int err = mmk_pmm_alloc_block(mmu->pmm, 1, &pa); /* 8 KiB, 8 KiB aligned (TTBR0, N = 1) */
	if (err)
		return err;
	for (unsigned i = 0; i < USER_L1_ENTRIES; i++)
		phys(pa + (i / 1024) * MMK_PAGE_SIZE)[i % 1024] = 0;
	*space = (struct mmk_mmu_space){.mmu = mmu, .root = pa, .root_va = phys(pa)};
	mmk_mmu_space_list_add(mmu, space);
	return 0;
}

int mmk_mmu_space_destroy(struct mmk_mmu_space *space, bool free_frames)
{
	struct mmk_mmu *mmu = space->mmu;
	if (space->is_kernel)
		return -MMK_EINVAL;
	if (space == mmu->active)
		return -MMK_EBUSY;
	for (uint32_t sect = 0; sect < USER_END; sect += SECTION_SIZE) {
		pte_t *l1 = l1_entry(space, sect);
		if ((*l1 & 3) == L1_SECTION && free_frames)
			free_leaf_frames(mmu, *l1 & L1_SECTION_BASE, 2);
		if ((*l1 & 3) == L1_TABLE) {
			pte_t *t = l2_table(*l1);
			for (unsigned i = 0; i < L2_ENTRIES && free_frames; i++) {
				if (t[i] & L2_SMALL)
					free_leaf_frames(mmu, t[i] & L2_SMALL_BASE, 0);
				else if ((t[i] & 3) == L2_LARGE && (i & 15) == 0)
					free_leaf_frames(mmu, t[i] & L2_LARGE_BASE, 1);
			}
		}
		mmk_paddr_t frame = (*l1 & 3) == L1_TABLE ? (*l1 & L1_TABLE_BASE) & ~(mmk_paddr_t)0xFFF : 0;
		*l1 = 0;
		if (frame && !group_frame(space, sect)) {
			MMK_ASSERT(mmk_pmm_free(mmu->pmm, frame) == 0);
			mmu->stats.tables_freed++;
		}
	}
	space->table_pages = 0;
	if (space->asid)
		armv7_tlbi_asid(space->asid); /* numbers are reused only after a roll-over anyway */
	mmk_mmu_space_list_remove(mmu, space);
	MMK_ASSERT(mmk_pmm_free_block(mmu->pmm, space->root, 1) == 0);
	space->root_va = NULL;
	return 0;
}

static void flush_all_asids(void *ctx)
{
	struct mmk_mmu *mmu = ctx;
	armv7_tlbi_all();
	mmu->stats.tlb_full_flushes++;
}

void mmk_mmu_activate(struct mmk_mmu_space *space)
{
	struct mmk_mmu *mmu = space->mmu;
	if (space->is_kernel) {
		armv7_switch_user_table((uint32_t)mmu->idle_root, 0);
	} else {
		bool rolled_over;
		space->asid = mmk_asid_activate(&mmu->asids, &space->asid_generation, &rolled_over);
		armv7_switch_user_table((uint32_t)space->root, space->asid);
	}
	mmu->active = space;
	mmu->stats.space_switches++;
}

unsigned mmk_mmu_page_shifts(const struct mmk_mmu *mmu)
{
	return mmu->page_shifts;
}

mmk_vaddr_t mmk_mmu_user_base(void)
{
	return USER_BASE;
}

mmk_vaddr_t mmk_mmu_user_end(void)
{
	return USER_END;
}

mmk_vaddr_t mmk_mmu_kernel_base(void)
{
	return KERNEL_BASE;
}

/* ------------------------------------------------------------ init */

/*
 * RAM linearly at 0x80000000 (seed 003): up to 1 GiB from ram_base, read/write and
 * never executable; the image gets its own rights after (protect_image).
 */
static int map_linear(struct mmk_mmu *mmu, const struct mmk_memmap *map, mmk_paddr_t ram_base)
{
	for (unsigned i = 0; i < map->count; i++) {
		const struct mmk_memrange *r = &map->range[i];
		if (r->type == MMK_MEM_RESERVED || r->type == MMK_MEM_BAD ||
		    r->type == MMK_MEM_UNREACHABLE || r->base < ram_base)
			continue;
		mmk_paddr_t lo = mmk_align_down(r->base, MMK_PAGE_SIZE);
		mmk_paddr_t hi = mmk_align_up(r->base + r->size, MMK_PAGE_SIZE);
		if (hi > ram_base + LINEAR_MAX)
			hi = ram_base + LINEAR_MAX;
		struct mmk_mmu_mapping m;
		if (lo < hi && mmk_mmu_query(&mmu->kernel, LINEAR_BASE + (lo - ram_base), &m) == 0)
			lo += MMK_PAGE_SIZE; /* a page shared with the previous range */
		if (lo >= hi)
			continue;
		int err = mmk_mmu_map(&mmu->kernel, LINEAR_BASE + (mmk_vaddr_t)(lo - ram_base), lo, hi - lo,
				  MMK_PROT_READ | MMK_PROT_WRITE | MMK_PROT_GLOBAL, 0);
		if (err)
			return err;
	}
	return 0;
}

/*
 * The image inside the linear map: section by section when the boot gives them (text
 * RX, rodata R, data RW), else all of it RWX. The sections around it become 4 KiB pages.
 */
static int protect_image(struct mmk_mmu *mmu, const struct mmk_mmu_boot *boot)
{
	if (boot->section_count > MMK_MMU_BOOT_SECTIONS)
		return -MMK_EINVAL;
	if (boot->section_count == 0 && boot->kernel_size == 0)
		return 0;
	if (boot->section_count == 0)
		return mmk_mmu_protect(&mmu->kernel, mmk_align_down(boot->kernel_va, MMK_PAGE_SIZE),
				   mmk_align_up(boot->kernel_va + boot->kernel_size, MMK_PAGE_SIZE) -
					   mmk_align_down(boot->kernel_va, MMK_PAGE_SIZE),
				   MMK_PROT_READ | MMK_PROT_WRITE | MMK_PROT_EXEC | MMK_PROT_GLOBAL);
	for (unsigned i = 0; i < boot->section_count; i++) {
		const struct mmk_mmu_boot_section *sec = &boot->sections[i];
		int err = mmk_mmu_protect(&mmu->kernel, sec->va, sec->size, sec->flags | MMK_PROT_GLOBAL);
		if (err)
			return err;
	}
	return 0;
}

int mmk_mmu_init(struct mmk_mmu *mmu, struct mmk_pmm *pmm, const struct mmk_mmu_boot *boot)
{
	*mmu = (struct mmk_mmu){.pmm = pmm, .flush_threshold = FLUSH_THRESHOLD,
			    .window_start = LINEAR_BASE, .window_end = LINEAR_BASE + LINEAR_MAX};
	mmu->page_shifts = 1u << 12 | 1u << 16 | 1u << 20;
	MMK_ASSERT(mmk_asid_init(&mmu->asids, ASID_BITS, flush_all_asids, mmu) == 0);
	mmk_paddr_t kernel_table, empty_user;
	int err = mmk_pmm_alloc_block(pmm, 2, &kernel_table); /* 16 KiB, aligned (TTBR1) */
	if (err)
		return err;
	err = mmk_pmm_alloc_block(pmm, 1, &empty_user);       /* TTBR0 while the kernel runs */
	if (err) {
		MMK_ASSERT(mmk_pmm_free_block(pmm, kernel_table, 2) == 0);
		return err;
	}
	for (unsigned i = 0; i < L1_ENTRIES; i++)
		phys(kernel_table + (i / 1024) * MMK_PAGE_SIZE)[i % 1024] = 0;
	for (unsigned i = 0; i < USER_L1_ENTRIES; i++)
		phys(empty_user + (i / 1024) * MMK_PAGE_SIZE)[i % 1024] = 0;
	mmu->kernel = (struct mmk_mmu_space){.mmu = mmu, .root = kernel_table,
					 .root_va = phys(kernel_table), .is_kernel = true};
	mmu->idle_root = empty_user;
	mmk_mmu_space_list_add(mmu, &mmu->kernel);
	err = map_linear(mmu, boot->memmap, boot->kernel_pa & ~(mmk_paddr_t)(LINEAR_MAX - 1));
	if (!err)
		err = protect_image(mmu, boot);
	if (!err)
		err = mmk_mmu_boot_map_fixed(mmu, boot);
	if (err) { /* give back every table frame the half-built kernel space took */
		for (uint32_t sect = KERNEL_BASE; sect >= KERNEL_BASE; sect += 4 * SECTION_SIZE) {
			mmk_paddr_t frame = group_frame(&mmu->kernel, sect);
			if (frame)
				MMK_ASSERT(mmk_pmm_free(pmm, frame) == 0);
		}
		MMK_ASSERT(mmk_pmm_free_block(pmm, empty_user, 1) == 0);
		MMK_ASSERT(mmk_pmm_free_block(pmm, kernel_table, 2) == 0);
		return err;
	}
	/* TTBR1 first, then TTBR0: the code running now is in the kernel half. The boot's
	 * entries (global, identity included) go with one TLBIALL after both. */
	armv7_set_kernel_table((uint32_t)kernel_table);
	mmk_mmu_activate(&mmu->kernel);
	armv7_tlbi_all();
	mmu->stats.tlb_full_flushes++;
	return 0;
}
