/*
 * mmu.h - the one machine-dependent interface of mmukit.
 *
 * Everything above it (VAS, VM, fault decisions, kernel heap) is portable; everything
 * below it (arch/<arch>/mmu.c) knows one page-table format. Documented after NetBSD's
 * pmap(9): for each function, what it may assume (=>), what it returns, whether it can
 * stop part-way, and which TLB entries it invalidates.
 *
 * Terms
 *   space    one address space: a top-level table (i386 page directory, x86_64 PML4,
 *            ARMv7 L1 table) plus the tables below it. Every space shares the kernel
 *            half: its kernel-half entries point at the same kernel tables, so a kernel
 *            mapping made after a space was created is visible in it too.
 *   window   how the backend reaches table memory: the recursive slot on i386, the
 *            direct map on x86_64, the linear remap on ARMv7.
 *   page     a leaf mapping of 2^shift bytes; shift 12 (4 KiB) everywhere, and the
 *            large sizes the machine has (mmk_mmu_page_shifts()).
 *
 * Common rules
 *   => The caller serialises calls on one struct mmk_mmu (no locking inside).
 *   => Addresses and sizes must be aligned to the page size used (MMK_EALIGN).
 *   => A range must not wrap and must lie in the space's half: user spaces take only
 *      user addresses, the kernel space only kernel ones (MMK_ERANGE).
 *   => Every call validates the whole range before changing anything, and reserves the
 *      table pages it will need first; so a call returns an error with nothing changed,
 *      or succeeds completely. No call stops part-way.
 *   => TLB: every call that removes or reduces a mapping of the ACTIVE space invalidates
 *      the affected entries before returning (one invalidation per page, or one full
 *      flush when the range is longer than mmu->flush_threshold pages). Edits of a space
 *      that is not active need no invalidation on a machine without address-space tags;
 *      where spaces are tagged (PCID, ASID) the backend invalidates by tag. Adding a
 *      mapping where none was invalidates nothing (no valid entry can be cached).
 */
#ifndef MMUKIT_MMU_H
#define MMUKIT_MMU_H

#include <mmukit/asid.h>
#include <mmukit/types.h>

struct mmk_pmm;
struct mmk_memmap;

/* Portable protection: what an access may do. READ is implied by WRITE and EXEC. */
#define MMK_PROT_READ 0x01u
#define MMK_PROT_WRITE 0x02u
#define MMK_PROT_EXEC 0x04u
#define MMK_PROT_USER 0x08u   /* accessible from user mode */
#define MMK_PROT_GLOBAL 0x10u /* kept in the TLB across space switches (kernel half) */
#define MMK_PROT_MASK 0x1Fu

/* Portable memory types (cache attributes), one per mapping. */
#define MMK_CACHE_WB 0x000u /* normal memory, write-back: the default */
#define MMK_CACHE_WT 0x100u /* write-through */
#define MMK_CACHE_WC 0x200u /* write-combining (x86 PAT; ARM normal non-cacheable) */
#define MMK_CACHE_UC 0x300u /* device / strongly ordered: MMIO */
#define MMK_CACHE_MASK 0x300u

/* One leaf mapping, as mmk_mmu_query and mmk_mmu_walk report it. */
struct mmk_mmu_mapping {
	mmk_vaddr_t va;          /* start of the page (aligned to 2^page_shift) */
	mmk_paddr_t pa;          /* start of the frame */
	unsigned flags;      /* MMK_PROT_* | MMK_CACHE_* */
	unsigned page_shift; /* 12, 16, 20, 21, 22, 30 */
};

struct mmk_mmu;

/* One address space. Portable fields; the tables themselves are the backend's. */
struct mmk_mmu_space {
	struct mmk_mmu *mmu;      /* the machine it belongs to */
	mmk_paddr_t root;         /* physical address of the top-level table */
	void *root_va;        /* a kernel pointer to it where the backend keeps one (seed 004) */
	bool is_kernel;       /* the kernel space: maps only the kernel half */
	unsigned asid;        /* address-space tag (PCID, ASID); 0 where there is none */
	uint64_t asid_generation; /* the allocator's tag for it (generation | asid) */
	bool tlb_stale;       /* edited while inactive: drop its tagged entries on activation */
	uint64_t table_pages; /* table pages owned by this space (the kernel space: the
			       * shared kernel tables) */
	struct mmk_mmu_space *next; /* every space of the machine, kernel space first */
};

/* Counters, for tests (what was invalidated) and benchmarks. */
struct mmk_mmu_stats {
	uint64_t tables_allocated;
	uint64_t tables_freed;
	uint64_t tlb_page_invalidations;
	uint64_t tlb_full_flushes;
	uint64_t space_switches;
};

/* The machine: one per running kernel (tests make private ones on simulated RAM). */
struct mmk_mmu {
	struct mmk_pmm *pmm;          /* where table pages come from */
	struct mmk_mmu_space kernel;  /* the kernel space; its kernel half is in every space */
	struct mmk_mmu_space *active; /* the space the CPU translates with now (NULL in mmk_mmu_init) */
	struct mmk_mmu_space *spaces; /* list of every space, through mmu_space.next */
	unsigned page_shifts;     /* bit n set: pages of 2^n bytes are supported */
	unsigned flush_threshold; /* range length in pages above which a full flush is used */
	uint64_t features;        /* backend-defined feature bits (PSE, PGE, NX, PCID...) */
	mmk_paddr_t table_limit;      /* nonzero while table pages must lie below it (mmk_mmu_init) */
	struct mmk_asid_allocator asids; /* where spaces are tagged (PCID, ASID) */
	mmk_paddr_t idle_root;        /* a backend's spare root (ARMv7: the empty TTBR0 table
				   * in use while the kernel space is active) */
	mmk_vaddr_t window_start;     /* the direct window mmk_mmu_init maps, [start, end): i386's */
	mmk_vaddr_t window_end;       /* low-memory window, x86_64's HHDM, ARMv7's linear map */
	struct mmk_mmu_stats stats;
};

/*
 * Whether kernel address va lies in the machine's direct window. Its large pages show
 * memory they do not own: splitting one leaves the PMM alone, where splitting any
 * other large page also splits the PMM block behind it into single frames (so they can
 * be freed one by one).
 */
static inline bool mmk_mmu_in_window(const struct mmk_mmu *mmu, mmk_vaddr_t va)
{
	return va >= mmu->window_start && va < mmu->window_end;
}

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
	mmk_paddr_t kernel_pa;    /* the kernel image (all sections, .bss included) */
	mmk_vaddr_t kernel_va;
	mmk_vsize_t kernel_size;
	mmk_paddr_t window_limit; /* physical memory [0, window_limit) the kernel reaches directly
			       * now (0: all of it); new tables must lie there until mmk_mmu_init
			       * has switched to its own */
	void *(*phys_to_virt)(mmk_paddr_t pa); /* the boot's early window, used during mmk_mmu_init */
	const struct mmk_memmap *memmap;   /* what RAM there is (a direct map covers it) */
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
 * Builds the kernel space from the boot state and switches to it.
 * => pmm is initialised; the boot's own tables are still active.
 * Allocates a fresh top-level table and every kernel table from the PMM (nothing at a
 * static address the PMM does not know), maps the kernel image, the machine's direct
 * window and boot->fixed, makes it active and drops the boot identity map; page 0 stays
 * unmapped.
 * Returns 0, MMK_ENOMEM, or a fixed mapping's mmk_mmu_map error (MMK_EALIGN, MMK_ERANGE,
 * MMK_EEXIST, MMK_EPERM, MMK_EINVAL); on error nothing is kept: every page taken is
 * returned and the boot tables stay active. Flushes the whole TLB (the switch).
 */
int mmk_mmu_init(struct mmk_mmu *mmu, struct mmk_pmm *pmm, const struct mmk_mmu_boot *boot);

/* Bit n set when pages of 2^n bytes can be mapped (12 always). */
unsigned mmk_mmu_page_shifts(const struct mmk_mmu *mmu);

/*
 * Creates an empty user space sharing the kernel half.
 * Returns 0 or MMK_ENOMEM (nothing allocated). Invalidates nothing.
 */
int mmk_mmu_space_create(struct mmk_mmu *mmu, struct mmk_mmu_space *space);

/*
 * Destroys a user space: every table page it owns returns to the PMM; with free_frames,
 * so does every frame still mapped in its user half (one reference each).
 * => space is not active, and is not the kernel space (else MMK_EBUSY / MMK_EINVAL).
 * Invalidates this space's tag where spaces are tagged.
 */
int mmk_mmu_space_destroy(struct mmk_mmu_space *space, bool free_frames);

/*
 * Maps [va, va+size) to [pa, pa+size) with flags (MMK_PROT_* | MMK_CACHE_*).
 * page_shift 0 picks, for each piece, the largest page size the machine has that
 * alignment of va and pa and the remaining size allow; a nonzero page_shift forces
 * that size (MMK_EINVAL if unsupported, MMK_EALIGN if va, pa or size are not aligned
 * to it).
 * Returns 0, or: MMK_EALIGN, MMK_ERANGE (wraps, or outside the space's half),
 * MMK_EINVAL (unknown flag bits, size 0, no READ/WRITE/EXEC), MMK_EEXIST (something is
 * already mapped in the range), MMK_ENOMEM (a table page could not be allocated).
 * On error nothing is mapped and no table page is kept.
 * Invalidates nothing (nothing was mapped there).
 */
int mmk_mmu_map(struct mmk_mmu_space *space, mmk_vaddr_t va, mmk_paddr_t pa, mmk_vsize_t size,
	    unsigned flags, unsigned page_shift);

/*
 * Removes every mapping in [va, va+size); with free_frames each removed page's frame
 * loses one PMM reference (a large page: its whole block). A table page left empty is
 * freed, except kernel-half tables, which every space shares.
 * A large page only partly inside the range is split first (needing a table page); the
 * PMM block behind it, if it is one, becomes single frames - except in the direct
 * window (mmk_mmu_in_window), which owns nothing.
 * Returns 0, or: MMK_EALIGN, MMK_ERANGE, MMK_ENOENT (some page of the range is not
 * mapped), MMK_ENOMEM (a split needed a table page). On error nothing changed.
 * Invalidates the removed pages in the active space (or flushes, see above).
 */
int mmk_mmu_unmap(struct mmk_mmu_space *space, mmk_vaddr_t va, mmk_vsize_t size, bool free_frames);

/*
 * Sets the protection and memory type of every mapping in [va, va+size) to flags.
 * Splits a large page only partly inside the range.
 * Returns 0, or: MMK_EALIGN, MMK_ERANGE, MMK_EINVAL, MMK_ENOENT (a page of the range is
 * not mapped), MMK_ENOMEM (split). On error nothing changed.
 * Invalidates the changed pages in the active space.
 */
int mmk_mmu_protect(struct mmk_mmu_space *space, mmk_vaddr_t va, mmk_vsize_t size, unsigned flags);

/*
 * Looks up the mapping containing va (any alignment).
 * Returns 0 and fills *out (out->va, out->pa are the page's start), or MMK_ENOENT.
 * Invalidates nothing.
 */
int mmk_mmu_query(const struct mmk_mmu_space *space, mmk_vaddr_t va, struct mmk_mmu_mapping *out);

/*
 * Makes space the one the CPU translates with (CR3 / TTBR0 and CONTEXTIDR).
 * Flushes non-global TLB entries unless spaces are tagged.
 */
void mmk_mmu_activate(struct mmk_mmu_space *space);

/*
 * Calls visit(ctx, mapping) for every leaf mapping of space in [start, end), in address
 * order; stops early when visit returns nonzero and returns that value, else 0.
 * visit must not change the space. Invalidates nothing.
 */
int mmk_mmu_walk(const struct mmk_mmu_space *space, mmk_vaddr_t start, mmk_vaddr_t end,
	     int (*visit)(void *ctx, const struct mmk_mmu_mapping *m), void *ctx);

/*
 * A pointer through which the kernel reads and writes kernel address va of the active
 * space, valid to the end of va's page. In a kernel this is va itself; on the host it
 * is where the simulator keeps that page, so the portable layers above (the heap) run
 * unchanged on both. => va is mapped.
 */
void *mmk_mmu_kernel_pointer(struct mmk_mmu *mmu, mmk_vaddr_t va);

/*
 * Fills frame pa with zeros / copies frame src to frame dst (pmap(9)'s
 * pmap_zero_page and pmap_copy_page), through whatever window the backend has.
 * => the frames are RAM; invalidates only the backend's own window pages.
 */
void mmk_mmu_zero_frame(struct mmk_mmu *mmu, mmk_paddr_t pa);
void mmk_mmu_copy_frame(struct mmk_mmu *mmu, mmk_paddr_t dst, mmk_paddr_t src);

/*
 * For backends' mmk_mmu_init (core/mmu_boot.c): makes boot->fixed in the kernel space, each
 * as mmk_mmu_map with page_shift 0. Returns 0, MMK_EINVAL (more than MMK_MMU_BOOT_FIXED) or the
 * first mmk_mmu_map error; the caller unwinds what its mmk_mmu_init built.
 */
int mmk_mmu_boot_map_fixed(struct mmk_mmu *mmu, const struct mmk_mmu_boot *boot);

/* For backends: the list of every space of a machine (mmu->spaces), kept in order. */
void mmk_mmu_space_list_add(struct mmk_mmu *mmu, struct mmk_mmu_space *space);
void mmk_mmu_space_list_remove(struct mmk_mmu *mmu, struct mmk_mmu_space *space);

/* Prints the table walk for va in space (each level's entry, decoded). */
void mmk_mmu_print_walk(const struct mmk_mmu_space *space, mmk_vaddr_t va);

/* The lowest and highest+1 user address, and the start of the kernel half. */
mmk_vaddr_t mmk_mmu_user_base(void);
mmk_vaddr_t mmk_mmu_user_end(void);
mmk_vaddr_t mmk_mmu_kernel_base(void);

#endif
