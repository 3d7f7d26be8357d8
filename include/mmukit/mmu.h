/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mmu.h - mmukit's page tables: the interface the layers above (VAS, VM, kernel heap)
 * use on every machine.
 *
 * Its functions are implemented once, by the page-table engine (core/pt.c), over a
 * description of the machine's page-table format (include/mmukit/pt.h, one file per
 * machine in arch/<arch>/mmu.c). Documented after NetBSD's pmap(9): for each function,
 * what it may assume (=>), what it returns, whether it can stop part-way, and which TLB
 * entries it invalidates and when.
 *
 * Terms
 *   space    one address space: a root table (i386 page directory, x86_64 PML4,
 *            ARMv7 first-level table, ...) plus the tables below it. Every space shares
 *            the kernel half, so a kernel mapping made after a space was created is
 *            visible in it too.
 *   page     a leaf mapping of 2^shift bytes; shift 12 (4 KiB) everywhere, and the
 *            large sizes the machine has (mmk_mmu_page_shifts()).
 *   batch    what unmap and protect changed, waiting to be made true in the TLB
 *            (pmap(9)'s pmap_update, Linux's mmu_gather). Finishing a batch invalidates
 *            first, then frees the table pages that were emptied and hands the removed
 *            frames to the batch's owner. Until then a CPU may still use the old
 *            entries, so nothing they point to is reused. (An SMP shootdown belongs in
 *            the finish step; nothing else would change.)
 *
 * Common rules
 *   => The caller serialises calls on one struct mmk_mmu (no locking inside).
 *   => Addresses and sizes must be aligned to the page size used (MMK_EALIGN).
 *   => A range must not wrap and must lie in the space's half: user spaces take only
 *      user addresses, the kernel space only kernel ones (MMK_ERANGE).
 *   => A space never created (zeroed) or destroyed already is refused: MMK_EINVAL from
 *      map, unmap, protect, remap, clear_accessed, query and walk (walk_steps: 0 levels).
 *   => Every call validates the whole range before changing anything, and reserves the
 *      table pages it will need first; so a call returns an error with nothing changed,
 *      or succeeds completely. No call stops part-way.
 *   => Frames belong to the caller: the MMU layer never allocates or frees a frame it
 *      maps, only table pages. Removed frames are reported through a batch.
 *   => TLB: a removed or reduced mapping stays usable by the CPU until its batch is
 *      finished (a call given no batch finishes its own before returning). Finishing
 *      invalidates page by page, or flushes the space when more than
 *      mmu->flush_threshold pages changed; a space that is not active is invalidated
 *      by its tag (PCID, ASID) where spaces are tagged, and needs nothing where they
 *      are not. Adding a mapping where none was invalidates nothing.
 */
#ifndef MMUKIT_MMU_H
#define MMUKIT_MMU_H

#include <mmukit/asid.h>
#include <mmukit/types.h>

struct mmk_pmm;
struct mmk_memmap;
struct mmk_pt_format;
struct mmk_fault_ops;

/* Portable protection: what an access may do. READ is implied by WRITE and EXEC. */
#define MMK_PROT_READ 0x01u
#define MMK_PROT_WRITE 0x02u
#define MMK_PROT_EXEC 0x04u
#define MMK_PROT_USER 0x08u   /* accessible from user mode */
#define MMK_PROT_GLOBAL 0x10u /* kept in the TLB across space switches: kernel half only */
#define MMK_PROT_MASK 0x1Fu

/* Portable memory types (cache attributes), one per mapping. */
#define MMK_CACHE_WB 0x000u /* normal memory, write-back: the default */
#define MMK_CACHE_WT 0x100u /* write-through */
#define MMK_CACHE_WC 0x200u /* write-combining (x86 PAT; ARM normal non-cacheable) */
#define MMK_CACHE_UC 0x300u /* device / strongly ordered: MMIO */
#define MMK_CACHE_MASK 0x300u

/* Reported (never accepted) in mmk_mmu_mapping.flags: the leaf's accessed / dirty state
 * (see mmk_mmu_clear_accessed for what each machine can tell). */
#define MMK_MAP_ACCESSED 0x1000u
#define MMK_MAP_DIRTY 0x2000u

/* One leaf mapping, as mmk_mmu_query and mmk_mmu_walk report it. */
struct mmk_mmu_mapping {
	mmk_vaddr_t va;      /* start of the page (aligned to 2^page_shift) */
	mmk_paddr_t pa;      /* start of the frame */
	unsigned flags;      /* MMK_PROT_* | MMK_CACHE_* | MMK_MAP_* */
	unsigned page_shift; /* 12, 16, 20, 21, 22, 30 */
};

struct mmk_mmu;

/* One address space. */
struct mmk_mmu_space {
	struct mmk_mmu *mmu;      /* the machine it belongs to */
	mmk_paddr_t root;         /* physical address of the root table */
	bool is_kernel;           /* the kernel space: maps only the kernel half */
	unsigned asid;            /* address-space tag (PCID, ASID); 0 where there is none */
	uint64_t asid_generation; /* the allocator's tag for it (generation | asid) */
	bool tlb_stale;           /* edited while inactive: drop its tagged entries on activation */
	uint64_t table_pages;     /* table pages owned by this space (the kernel space: the
				   * shared kernel tables) */
	const struct mmk_fault_ops *fault_ops; /* who resolves its faults, and owner is */
	void *owner;              /* theirs (include/mmukit/fault.h); NULL: nobody */
	struct mmk_mmu_space *next; /* every space of the machine, kernel space first */
	struct {                  /* the backend's own; not an interface */
		void *root_va;    /* i386: the directory's address in the PD slots window */
	} md;
};

/* Counters, for tests (what was invalidated) and benchmarks. */
struct mmk_mmu_stats {
	uint64_t tables_allocated;
	uint64_t tables_freed;
	uint64_t tlb_page_invalidations;
	uint64_t tlb_full_flushes;
	uint64_t space_switches;
	uint64_t batches_finished;
};

#define MMK_MMU_LEAF_SIZES 6 /* page sizes a format may have (pt.h MMK_PT_MAX_SIZES) */

/* The machine: one per running kernel (tests make private ones on simulated RAM). */
struct mmk_mmu {
	const struct mmk_pt_format *fmt; /* its page-table format */
	struct mmk_pmm *pmm;          /* where table pages come from */
	struct mmk_mmu_space kernel;  /* the kernel space; its kernel half is in every space */
	struct mmk_mmu_space *active; /* the space the CPU translates with now (NULL in init) */
	struct mmk_mmu_space *spaces; /* list of every space, through mmk_mmu_space.next */
	unsigned page_shifts;         /* bit n set: pages of 2^n bytes are supported */
	unsigned flush_threshold;     /* pages past which a batch flushes the whole space */
	uint64_t features;            /* backend-defined feature bits (PSE, PGE, NX, PCID...) */
	struct mmk_asid_allocator asids; /* where spaces are tagged (PCID, ASID) */
	uintptr_t direct_base;        /* nonzero: every table page pa is at direct_base + pa
				       * (a direct map), read without the format's hook */
	struct {                      /* the engine's own; not an interface */
		const struct mmk_mmu_space *space; /* the last table a walk ended in */
		mmk_vaddr_t base, span; /* never the root's: a span fits the address width */
		void *table;
		mmk_paddr_t pa;
		unsigned level;
	} walk_cache;
	struct {                      /* the engine's own: each page size's leaf encoding, made
				       * from the format's attrs and this machine's features */
		uint64_t prot[MMK_MMU_LEAF_SIZES][32]; /* bits for flags & MMK_PROT_MASK */
		uintptr_t set[MMK_MMU_LEAF_SIZES][5];   /* decoding, in the machine's width: a */
		uintptr_t clear[MMK_MMU_LEAF_SIZES][5]; /* flag is reported when all of set (or
							 * not all of clear) are there */
		uintptr_t read[MMK_MMU_LEAF_SIZES];     /* every bit decoding reads */
		uintptr_t last_bits[MMK_MMU_LEAF_SIZES]; /* the last decoded (its read bits) */
		unsigned last_flags[MMK_MMU_LEAF_SIZES]; /* and what they decoded to */
		unsigned kernel_flags[MMK_MMU_LEAF_SIZES]; /* added to a kernel-space leaf's */
	} leaf;
	struct mmk_mmu_stats stats;
	struct {                      /* the backend's own; not an interface */
		mmk_paddr_t table_limit; /* nonzero while table pages must lie below it (init) */
		mmk_paddr_t idle_root;   /* ARMv7/AArch64: the empty user root used while the
					  * kernel space is active */
		uint64_t word[4];        /* anything else a backend keeps (documented there) */
	} md;
};

/* One part of the kernel image with its own protection (text RX, rodata R, data RW). */
struct mmk_mmu_boot_section {
	mmk_vaddr_t va;
	mmk_paddr_t pa;
	mmk_vsize_t size;
	unsigned flags; /* MMK_PROT_* */
};

#define MMK_MMU_BOOT_SECTIONS 4
#define MMK_MMU_BOOT_FIXED 4

/* What the boot hands mmk_mmu_init: what must stay mapped in the kernel space. */
struct mmk_mmu_boot {
	mmk_paddr_t kernel_pa; /* the kernel image (all sections, .bss included) */
	mmk_vaddr_t kernel_va;
	mmk_vsize_t kernel_size;
	mmk_paddr_t window_limit; /* physical memory [0, window_limit) the kernel reaches
				   * directly now. x86_64, ARMv7 and later: 0 means all of it,
				   * and new tables lie below it until mmk_mmu_init has switched.
				   * i386: required (0: MMK_EINVAL): the low memory its window maps
				   * at 0xC0000000; its tables, reached through its own recursive
				   * windows, may lie anywhere below 4 GiB. */
	void *(*phys_to_virt)(mmk_paddr_t pa); /* the boot's early window, used during init */
	const struct mmk_memmap *memmap;       /* what RAM there is (a direct map covers it) */
	/* When given, the image is mapped section by section with these protections
	 * (page aligned, inside [kernel_va, kernel_va + kernel_size)) instead of as one
	 * read-write-execute range. (The i386 backend maps its low-memory window with 4 MiB
	 * pages and without NX, so it has no use for them.) */
	struct mmk_mmu_boot_section sections[MMK_MMU_BOOT_SECTIONS];
	unsigned section_count;
	/* Further kernel mappings made before the switch, outside the image and the direct
	 * window, for what the kernel cannot be without even for an instant: an MMIO
	 * console (flags with MMK_CACHE_UC), the ARM high vector page. Each as mmk_mmu_map
	 * with page_shift 0 (page-aligned; kernel flags, no MMK_PROT_USER). */
	struct mmk_mmu_boot_section fixed[MMK_MMU_BOOT_FIXED];
	unsigned fixed_count;
};

/*
 * Builds the kernel space from the boot state and switches to it (the backend's).
 * => pmm is initialised; the boot's own tables are still active.
 * Allocates a fresh root and every kernel table from the PMM (nothing at a static
 * address the PMM does not know), maps the kernel image, the machine's direct window
 * and boot->fixed, makes it active and drops the boot identity map; page 0 stays
 * unmapped.
 * Returns 0, MMK_ENOMEM, MMK_EINVAL (a boot field the machine cannot use), or a fixed
 * mapping's mmk_mmu_map error; on error nothing is kept: every page taken is returned
 * and the boot tables stay active. Flushes the whole TLB (the switch).
 */
int mmk_mmu_init(struct mmk_mmu *mmu, struct mmk_pmm *pmm, const struct mmk_mmu_boot *boot);

/* Bit n set when pages of 2^n bytes can be mapped (12 always). */
unsigned mmk_mmu_page_shifts(const struct mmk_mmu *mmu);

/*
 * Creates an empty user space sharing the kernel half.
 * Returns 0, MMK_ENOMEM, or MMK_ENOSPC (i386: all 1021 directory slots in use);
 * nothing allocated on error. Invalidates nothing.
 */
int mmk_mmu_space_create(struct mmk_mmu *mmu, struct mmk_mmu_space *space);

/*
 * Destroys a user space: every table page it owns returns to the PMM, after its tagged
 * TLB entries are dropped; the frames still mapped in its user half are handed to
 * release(ctx, pa, size) (release may be NULL: the frames are the caller's business). The struct may be reused for mmk_mmu_space_create afterwards.
 * => space was created and not yet destroyed.
 * Returns 0, MMK_EBUSY (space is active) or MMK_EINVAL (the kernel space); on error
 * nothing changed.
 */
int mmk_mmu_space_destroy(struct mmk_mmu_space *space,
			  void (*release)(void *ctx, mmk_paddr_t pa, uint64_t size),
			  void *ctx);

/* A kernel pointer to the space's root table: what a process table keeps in each
 * process's entry. */
void *mmk_mmu_root_pointer(const struct mmk_mmu_space *space);

/*
 * Maps [va, va+size) to [pa, pa+size) with flags (MMK_PROT_* | MMK_CACHE_*).
 * page_shift 0 picks, for each piece, the largest page size the machine has that
 * alignment of va and pa and the remaining size allow; a nonzero page_shift forces
 * that size (MMK_EINVAL if unsupported, MMK_EALIGN if va, pa or size are not aligned
 * to it). In a user space MMK_PROT_GLOBAL is ignored: a user mapping is never global.
 * Returns 0, or: MMK_EALIGN, MMK_ERANGE (wraps, outside the space's half, or pa beyond
 * what the format can address), MMK_EINVAL (unknown flag bits, size 0, no
 * READ/WRITE/EXEC), MMK_EPERM (MMK_PROT_USER in the kernel space), MMK_EEXIST
 * (something is already mapped in the range), MMK_ENOMEM (a table page could not be
 * allocated). On error nothing is mapped and no table page is kept.
 * Invalidates nothing (nothing was mapped there).
 */
int mmk_mmu_map(struct mmk_mmu_space *space, mmk_vaddr_t va, mmk_paddr_t pa, mmk_vsize_t size,
		unsigned flags, unsigned page_shift);

/*
 * A batch: begin it on a space, pass it to any number of mmk_mmu_unmap / protect /
 * clear_accessed calls on that space, finish it. release(ctx, pa, size) is called for
 * the frames of every removed leaf, always after the TLB no longer holds them (physically
 * contiguous frames of neighbouring leaves may come in one call); release may be NULL. A batch holds at most
 * MMK_MMU_BATCH_FREES pending frames and tables: when full, the engine finishes what it
 * has early (invalidates, frees, releases) and goes on - the rule above still holds.
 */
#define MMK_MMU_BATCH_PAGES 32
#define MMK_MMU_BATCH_FREES 32

struct mmk_mmu_batch_page {
	mmk_vaddr_t va;
	uint8_t level; /* the level of the entry that changed */
	bool table;    /* the entry pointed to a table, freed with this batch */
};

struct mmk_mmu_batch_free {
	mmk_paddr_t pa;
	uint64_t size; /* bytes of frames from pa; 0: pa is a table page of the space */
};

struct mmk_mmu_batch {
	struct mmk_mmu_space *space;
	void (*release)(void *ctx, mmk_paddr_t pa, uint64_t size);
	void *ctx;
	unsigned page_count;  /* pages[] to invalidate; all: past the threshold */
	bool all;
	unsigned free_count;
	struct mmk_mmu_batch_page pages[MMK_MMU_BATCH_PAGES];
	struct mmk_mmu_batch_free frees[MMK_MMU_BATCH_FREES];
};

void mmk_mmu_batch_begin(struct mmk_mmu_batch *batch, struct mmk_mmu_space *space,
			 void (*release)(void *ctx, mmk_paddr_t pa, uint64_t size),
			 void *ctx);
void mmk_mmu_batch_finish(struct mmk_mmu_batch *batch);

/*
 * Removes every mapping in [va, va+size). A table page left empty is freed with the
 * batch, except kernel-half tables, which every space shares. A large page only partly
 * inside the range is split first (needing a table page); the pages outside stay mapped
 * to the same frames.
 * batch NULL: the call uses a batch of its own, finished before it returns, whose
 * removed frames go to nobody. Else batch->space must be space (MMK_EINVAL).
 * Returns 0, or: MMK_EALIGN, MMK_ERANGE, MMK_EINVAL, MMK_ENOENT (some page of the range
 * is not mapped), MMK_ENOMEM (a split needed a table page). On error nothing changed.
 */
int mmk_mmu_unmap(struct mmk_mmu_space *space, mmk_vaddr_t va, mmk_vsize_t size,
		  struct mmk_mmu_batch *batch);

/*
 * Replaces the frame of the page mapped at va (aligned to its size) by pa, with flags:
 * what a copy-on-write fault needs. No table is needed, so it cannot fail for lack of
 * memory; the old frame goes to the batch (NULL: a batch of its own, frames to nobody)
 * and stays usable by the CPU until the batch is finished.
 * Returns 0, or: MMK_EALIGN (va or pa not aligned to the page), MMK_ERANGE, MMK_EINVAL
 * (flags, batch), MMK_EPERM, MMK_ENOENT (nothing mapped at va). On error nothing changed.
 */
int mmk_mmu_remap(struct mmk_mmu_space *space, mmk_vaddr_t va, mmk_paddr_t pa, unsigned flags,
		  struct mmk_mmu_batch *batch);

/*
 * Sets the protection and memory type of every mapping in [va, va+size) to flags,
 * keeping accessed/dirty state. Splits a large page only partly inside the range.
 * batch: as mmk_mmu_unmap.
 * Returns 0, or: MMK_EALIGN, MMK_ERANGE, MMK_EINVAL, MMK_EPERM, MMK_ENOENT (a page of
 * the range is not mapped), MMK_ENOMEM (split). On error nothing changed.
 */
int mmk_mmu_protect(struct mmk_mmu_space *space, mmk_vaddr_t va, mmk_vsize_t size,
		    unsigned flags, struct mmk_mmu_batch *batch);

/*
 * Calls visit(ctx, mapping) for every leaf in [va, va+size) with its accessed/dirty
 * state as it was (MMK_MAP_ACCESSED, MMK_MAP_DIRTY in flags), after clearing the state
 * named by clear (MMK_MAP_ACCESSED | MMK_MAP_DIRTY) in the entry; cleared leaves are
 * invalidated with the batch (NULL: one of its own). Unmapped pages are skipped.
 * Where the format has no such bits (ARMv7 short descriptors with the access flag off)
 * every leaf reports accessed, and dirty when it is writable, and nothing is cleared.
 * Returns 0, the first nonzero visit result, or MMK_EALIGN / MMK_ERANGE / MMK_EINVAL.
 */
int mmk_mmu_clear_accessed(struct mmk_mmu_space *space, mmk_vaddr_t va, mmk_vsize_t size,
			   unsigned clear,
			   int (*visit)(void *ctx, const struct mmk_mmu_mapping *m), void *ctx,
			   struct mmk_mmu_batch *batch);

/*
 * Sets the accessed bit (and dirty, for a write) of the leaf mapping va, where the
 * format keeps them in software: what a page fault raised for a clear A or D bit needs
 * (RISC-V harts without hardware A/D update); the access may then be retried. A
 * kernel-half va is looked up in the kernel space. The caller has checked the access
 * is otherwise allowed (user / supervisor rules are the machine's).
 * Returns 0 (set, or nothing to set), MMK_ENOENT (nothing mapped there) or MMK_EPERM
 * (a write to a leaf without write permission: a real fault). Invalidates va's page.
 */
int mmk_mmu_set_referenced(struct mmk_mmu_space *space, mmk_vaddr_t va, bool write);

/*
 * Looks up the mapping containing va (any alignment).
 * Returns 0 and fills *out (out->va, out->pa are the page's start), MMK_ENOENT
 * (nothing mapped, or va in no half: non-canonical, or user in the kernel space), or
 * MMK_EINVAL (a space destroyed or never created). A
 * kernel address in a user space is answered from the kernel space, which the CPU uses
 * there too. Invalidates nothing.
 */
int mmk_mmu_query(const struct mmk_mmu_space *space, mmk_vaddr_t va, struct mmk_mmu_mapping *out);

/*
 * Makes space the one the CPU translates with (CR3 / TTBR0 and its ASID / satp).
 * Flushes non-global TLB entries unless spaces are tagged.
 */
void mmk_mmu_activate(struct mmk_mmu_space *space);

/*
 * Calls visit(ctx, mapping) for every leaf mapping of space in [start, end) (clipped to
 * the space's half), in address order; stops early when visit returns nonzero and
 * returns that value, else 0. visit must not change the space. Invalidates nothing.
 */
int mmk_mmu_walk(const struct mmk_mmu_space *space, mmk_vaddr_t start, mmk_vaddr_t end,
		 int (*visit)(void *ctx, const struct mmk_mmu_mapping *m), void *ctx);

/*
 * One step of the walk to va: the entry read at each level, from the root down.
 * Returns how many levels were read (the last one is a leaf, invalid, or a table
 * whose level is 0).
 */
struct mmk_mmu_walk_step {
	unsigned level;
	unsigned index;
	uint64_t entry;  /* as stored */
	mmk_paddr_t table; /* the table it was read from */
	bool valid, is_table;
	unsigned page_shift; /* a leaf: its size */
};
unsigned mmk_mmu_walk_steps(const struct mmk_mmu_space *space, mmk_vaddr_t va,
			    struct mmk_mmu_walk_step *steps, unsigned max);

/* Prints the table walk for va in space (each level's entry, decoded). */
void mmk_mmu_print_walk(const struct mmk_mmu_space *space, mmk_vaddr_t va);

/*
 * A pointer through which the kernel reads and writes kernel address va of the active
 * space, valid to the end of va's page. In a kernel this is va itself; on the host it
 * is where the simulator keeps that page, so the portable layers above (the heap) run
 * unchanged on both. => va is mapped.
 */
void *mmk_mmu_kernel_pointer(struct mmk_mmu *mmu, mmk_vaddr_t va);

/*
 * A kernel pointer to frame pa (to the end of its page), valid until the next call on
 * this machine's MMU: the direct map where the machine has one, a scratch page on i386.
 * => pa is RAM. Invalidates only the backend's own window page.
 */
void *mmk_mmu_frame_pointer(struct mmk_mmu *mmu, mmk_paddr_t pa);

/*
 * Fills frame pa with zeros / copies frame src to frame dst (pmap(9)'s
 * pmap_zero_page and pmap_copy_page), through whatever window the backend has.
 * => the frames are RAM; invalidates only the backend's own window pages.
 */
void mmk_mmu_zero_frame(struct mmk_mmu *mmu, mmk_paddr_t pa);
void mmk_mmu_copy_frame(struct mmk_mmu *mmu, mmk_paddr_t dst, mmk_paddr_t src);

/* The lowest and highest+1 user address, and the start of the kernel half. */
mmk_vaddr_t mmk_mmu_user_base(const struct mmk_mmu *mmu);
mmk_vaddr_t mmk_mmu_user_end(const struct mmk_mmu *mmu);
mmk_vaddr_t mmk_mmu_kernel_base(const struct mmk_mmu *mmu);

#endif
