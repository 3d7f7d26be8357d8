/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pt.h - the page-table engine's view of a machine: a description of one page-table
 * format, and the few hooks a machine must write itself.
 *
 * core/pt.c implements every algorithm of include/mmukit/mmu.h once (walk, reserve
 * before map, map / unmap / protect over ranges with the largest pages alignment allows,
 * split, prune, iterate, accessed/dirty test-and-clear, batched invalidation) by reading
 * a struct mmk_pt_format. A machine's backend (arch/<arch>/mmu.c) is that description -
 * levels, sizes, the bits of its entries and of each portable flag (struct
 * mmk_pt_attrs) - plus what only the machine knows: how its tables are reached where no
 * direct map does it, TLB and cache maintenance, switching spaces, and what mmk_mmu_init
 * maps at boot.
 * Adding a machine means writing one such file; nothing in core/ changes.
 *
 * Levels are numbered from the leaves: level 0 holds the smallest pages, level
 * levels-1 is the root. "A table at level L" is a table whose entries are level-L
 * entries, each covering 2^level[L].shift bytes.
 */
#ifndef MMUKIT_PT_H
#define MMUKIT_PT_H

#include <mmukit/mmu.h>

#define MMK_PT_MAX_LEVELS 5
#define MMK_PT_MAX_SIZES MMK_MMU_LEAF_SIZES
#define MMK_PT_FLUSH_THRESHOLD 32 /* pages; bench/kernel-i386 shows where INVLPG stops paying */

typedef uint64_t mmk_pte_t; /* an entry, widened to 64 bits (4-byte formats: the low half) */

struct mmk_pt_level {
	uint8_t shift;      /* bytes one entry covers: 2^shift */
	uint8_t bits;       /* index bits: a table has 2^bits entries */
	uint8_t table_log2; /* bytes of one table at this level: 2^table_log2 (ARMv7's second
			     * level: 10; tables smaller than a page share one frame, below) */
	mmk_pte_t table_mask;  /* an entry at this level points to a table when */
	mmk_pte_t table_match; /* (e & table_mask) == table_match; mask 0: never */
	mmk_pte_t table_addr;  /* bits of a table entry that hold the next table's address */
	const char *name;      /* what the manual calls its entries ("PDE", "L1", "PTE") */
};

/*
 * How a leaf holds the portable flags (MMK_PROT_*, MMK_CACHE_*): a table the engine
 * encodes and decodes with (mmk_pt_leaf_bits), so a format states bits, not code.
 */
struct mmk_pt_flag {
	unsigned flag;   /* one MMK_PROT_* bit; 0 ends the list */
	mmk_pte_t set;   /* bits a leaf has when the flag is given (read back: all of them, */
	mmk_pte_t clear; /* but the accessed / dirty ones), and when it is not (execute-never, */
	uint64_t needs;  /* read-only, non-global); mmu->features the bits need (else none) */
};

struct mmk_pt_attrs {
	mmk_pte_t base;          /* bits every leaf has, beside its size's kind_match */
	unsigned always;         /* flags every leaf reports (READ; i386: EXEC too) */
	unsigned kernel_flags;   /* flags every kernel-space leaf gets (GLOBAL where kernel */
	uint64_t kernel_needs;   /* leaves are always global), with these mmu->features */
	struct mmk_pt_flag flag[6];
	mmk_pte_t cache[4];      /* the memory type's bits, by MMK_CACHE_* >> 8 (WB WT WC UC) */
	mmk_pte_t cache_mask;    /* the bits a memory type takes (decoded: WB if none match) */
	mmk_pte_t cache_read[4]; /* the bits decoding compares per type (0: cache_mask) */
};

/* One page size the format can map. */
struct mmk_pt_size {
	uint8_t shift;        /* 2^shift bytes: 12, 16, 20, 21, 22, 30 */
	uint8_t level;        /* the level whose entries hold it. When shift is larger than
			       * that level's, the entry is repeated in 2^(shift - level shift)
			       * consecutive slots (ARMv7 64 KiB large pages) */
	mmk_pte_t kind_mask;  /* a valid, non-table entry at that level is a leaf of this */
	mmk_pte_t kind_match; /* size when (e & kind_mask) == kind_match */
	mmk_pte_t addr;       /* bits of such a leaf that hold the frame's address */
	uint64_t needs;       /* mmu->features bits the size needs (0: always there) */
	const struct mmk_pt_attrs *attrs; /* its flag bits */
};

struct mmk_pt_format {
	const char *name;
	unsigned levels;
	struct mmk_pt_level level[MMK_PT_MAX_LEVELS];
	unsigned size_count; /* sizes, smallest first; sizes[0] is the 4 KiB page */
	struct mmk_pt_size sizes[MMK_PT_MAX_SIZES];
	uint8_t entry_bytes;      /* 4 or 8 */
	uint8_t pa_shift;         /* an entry holds address pa as pa >> pa_shift (RISC-V: 2) */
	uint8_t va_bits;          /* translated bits; above them addresses are sign-extended
				   * copies of the top one (x86_64: 48) - or 32 / 64: none */
	mmk_pte_t valid;          /* an entry is in use when (e & valid) != 0 */
	mmk_pte_t accessed;       /* hardware accessed / dirty bits of a leaf, 0 when the */
	mmk_pte_t dirty;          /* format has none (see mmk_mmu_clear_accessed) */
	mmk_paddr_t table_pa_limit; /* table pages must lie below (0: anywhere) */
	mmk_paddr_t pa_limit;     /* frames must lie below (the format's physical reach) */
	mmk_vaddr_t user_base, user_end;     /* the user half, [base, end) */
	mmk_vaddr_t kernel_base, kernel_end; /* the kernel half */
	bool shared_kernel_root;  /* kernel-half root entries are copied into every space's
				   * root (x86, RISC-V); false: the kernel has a root of its
				   * own that the hardware uses beside the user one (TTBR1) */
	bool break_before_make;   /* a valid entry is made invalid and invalidated before it
				   * is replaced by a different kind (AArch64, ARM ARM D8.14) */
	uint8_t user_root_order;  /* PMM block order of a user space's root (ARMv7: 1) */
	uint8_t kernel_root_order;
	unsigned flush_threshold; /* pages past which a batch flushes everything (0: the
				   * engine's MMK_PT_FLUSH_THRESHOLD) */

	/*
	 * The attribute bits of a leaf of sizes[size] for flags (MMK_PROT_* | MMK_CACHE_*,
	 * already validated), without its address; user: the leaf is in a user space.
	 * Every format here sets mmk_pt_leaf_bits (its sizes' attrs), which the engine also
	 * calls directly; the pointer serves code that has only the format (a summary).
	 */
	mmk_pte_t (*leaf_bits)(const struct mmk_mmu *mmu, unsigned flags, unsigned size, bool user);
	/* The bits of an entry at level pointing to a table (address excluded), covering va. */
	mmk_pte_t (*table_bits)(const struct mmk_mmu *mmu, unsigned level, mmk_vaddr_t va);

	/*
	 * Where mmu->direct_base is 0, how tables are reached: a format whose tables all lie
	 * in a direct map (x86_64, AArch64, RISC-V; ARMv7's linear map) gives phys, a pointer
	 * to physical memory pa (the host simulators check every access there); i386 gives
	 * table, a pointer to the table at level holding va's entry, whose memory is at pa
	 * (for the root level space->root), through its recursive or alternate window, and
	 * frame (below). The engine keeps the last pointer a walk ended at (the walk cache):
	 * a format whose pointers change meaning calls mmk_pt_cache_drop when they do.
	 */
	void *(*phys)(mmk_paddr_t pa);
	void *(*table)(const struct mmk_mmu_space *space, unsigned level, mmk_vaddr_t va,
		       mmk_paddr_t pa);
	/* A pointer to frame pa that is not (yet) a table in use: to zero a new table or fill
	 * one before it is linked in (i386: a scratch page; NULL: phys). */
	void *(*frame)(struct mmk_mmu *mmu, mmk_paddr_t pa);

	/* A pointer for kernel address va as the CPU translates it now (mmk_mmu_kernel_pointer). */
	void *(*kernel_pointer)(mmk_vaddr_t va);
	/* Optional: one page cleared / copied at these pointers (string instructions, which
	 * QEMU's TCG runs fast); NULL: the engine's word loop. */
	void (*zero_page)(void *page);
	void (*copy_page)(void *dst, const void *src);
	/* Optional: a pointer to frame pa valid together with frame()'s, a copy's source
	 * (i386: a second scratch page); NULL: frame(). */
	void *(*source_frame)(struct mmk_mmu *mmu, mmk_paddr_t pa);

	/* Optional: a space's root, just allocated, filled by the format (a recursive slot,
	 * a slot of its own...); may refuse with an error (MMK_ENOSPC). NULL: the engine
	 * zeroes it and, where the kernel root is shared, copies the kernel's entries. */
	int (*root_init)(struct mmk_mmu *mmu, struct mmk_mmu_space *space);
	/* Optional: a space's root about to be freed (nothing mapped in its user half). */
	void (*root_fini)(struct mmk_mmu *mmu, struct mmk_mmu_space *space);

	/*
	 * The TLB side of a finished batch (mmk_mmu_batch_page, mmu.h): invalidate pages[0..n)
	 * of space, or everything of space when all; the hook knows whether space is active,
	 * tagged or the kernel's (global). Called before any removed frame or table is freed.
	 */
	void (*invalidate)(struct mmk_mmu_space *space, const struct mmk_mmu_batch_page *pages,
			   unsigned n, bool all);
	/* Optional: entries were written (ARM: DSB + ISB before they are used). */
	void (*publish)(struct mmk_mmu *mmu);
	/* Optional: frames [pa, pa+size) are about to become executable (ARMv7: clean the
	 * data cache to the point of unification, invalidate the instruction cache). */
	void (*sync_exec)(struct mmk_mmu *mmu, mmk_paddr_t pa, uint64_t size);
};

/* The attribute bits of a leaf of sizes[size] for flags (MMK_PROT_* | MMK_CACHE_*,
 * valid ones), from that size's attrs and mmu->features; user: in a user space. Every
 * format's leaf_bits. */
mmk_pte_t mmk_pt_leaf_bits(const struct mmk_mmu *mmu, unsigned flags, unsigned size, bool user);
/* The portable flags (MMK_PROT_* | MMK_CACHE_*) of a valid leaf e of sizes[size]. */
unsigned mmk_pt_leaf_flags(const struct mmk_mmu *mmu, mmk_pte_t e, unsigned size);

/* For backends: the engine's entry accessors and helpers (core/pt.c). */
mmk_pte_t mmk_pt_load(const struct mmk_pt_format *f, const void *table, unsigned index);
void mmk_pt_store(const struct mmk_pt_format *f, void *table, unsigned index, mmk_pte_t e);
unsigned mmk_pt_index(const struct mmk_pt_format *f, unsigned level, mmk_vaddr_t va);

/* Starts mmu on the format, mmk_mmu_init's first step in every backend: everything
 * zeroed, then the format, the PMM, the backend's feature bits (which decide the page
 * sizes usable and the leaf bits written), the flush threshold, the leaf encodings. */
void mmk_pt_setup(struct mmk_mmu *mmu, const struct mmk_pt_format *format, struct mmk_pmm *pmm,
		  uint64_t features);

/* A space's root for the backend's mmu_init: allocated and filled with root_init. */
int mmk_pt_root_create(struct mmk_mmu *mmu, struct mmk_mmu_space *space, bool kernel);
/* Forgets where the last walk ended (a format whose table pointers just changed meaning). */
void mmk_pt_cache_drop(struct mmk_mmu *mmu);

/* For mmk_mmu_activate: a user space's tag from mmu->asids, stored in space->asid and
 * returned. */
unsigned mmk_pt_space_tag(struct mmk_mmu_space *space);
/* For mmk_mmu_activate, its last step: space is the active one (counted). */
void mmk_pt_activated(struct mmk_mmu_space *space);
/* The ASID allocator's roll-over callback (ctx: the mmu): the kernel space's full
 * invalidation, which drops every tag's entries and the global ones. */
void mmk_pt_flush_all(void *mmu);

/* Frees every table of the kernel space, and its root (mmu_init failing). */
void mmk_pt_kernel_teardown(struct mmk_mmu *mmu);

/*
 * For mmu_init (core/pt_boot.c): a direct window onto RAM - every range of the boot map
 * whose type is not in skip_types (bit 1 << MMK_MEM_*), clipped to [pa_start, pa_end),
 * at va + (pa - pa_start), read-write, global, with the largest pages that fit.
 * Returns 0 or mmk_mmu_map's error.
 */
struct mmk_pt_window {
	mmk_vaddr_t va;
	mmk_paddr_t pa_start, pa_end;
	unsigned skip_types;
};
int mmk_pt_map_ram(struct mmk_mmu *mmu, const struct mmk_memmap *map,
		   const struct mmk_pt_window *window);

/* The kernel image: boot->sections with their rights (global), or all of it
 * read-write-execute when there are none; mapped, or with in_place its rights set
 * where a direct window already maps it (ARMv7's linear map). Returns 0, MMK_EINVAL
 * (too many sections) or the first mmk_mmu_map / mmk_mmu_protect error. */
int mmk_pt_map_image(struct mmk_mmu *mmu, const struct mmk_mmu_boot *boot, bool in_place);

/* All three above, in that order, for a kernel space just created; on error the kernel
 * space is torn down (mmk_pt_kernel_teardown) and the error returned. */
int mmk_pt_map_boot(struct mmk_mmu *mmu, const struct mmk_mmu_boot *boot,
		    const struct mmk_pt_window *window, bool image_in_window);

/* Makes boot->fixed in the kernel space, each as mmk_mmu_map with page_shift 0.
 * Returns 0, MMK_EINVAL (more than MMK_MMU_BOOT_FIXED) or the first mmk_mmu_map error;
 * the caller unwinds what its mmu_init built. */
int mmk_pt_map_fixed(struct mmk_mmu *mmu, const struct mmk_mmu_boot *boot);

#endif
