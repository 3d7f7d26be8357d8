/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The VM: user address spaces made of regions that map memory objects, and the
 * decisions a page fault needs. What a process's mmap, munmap, mprotect, brk, fork,
 * exec and exit need, POSIX-like.
 *
 * A struct mmk_vm_space is an MMU space (kernel half shared) plus a VAS of its regions in
 * the user half. A region maps [start, end) with one protection, either
 *   private: its pages start as the object's (or zeros without an object) and the first
 *            write to a page gives the region its own copy (copy-on-write), or
 *   shared:  every write goes to the object, seen by every mapping of it, across fork.
 * Objects (struct mmk_vm_object, reference counted):
 *   anonymous  zero-filled pages kept by the object: shared anonymous memory
 *   physical   a fixed physical range with its memory type (devices, frame buffers)
 *   pager      pages given by the caller's pager (files, swap: struct mmk_vm_pager_ops)
 * Private anonymous memory (the common case: heap, stack, mmap(MAP_PRIVATE|MAP_ANON))
 * needs no object at all.
 *
 * Private pages: anonymous maps (amaps, as in UVM), not shadow chains. Each private
 * region points at an amap: a sparse array, by page, of the frames the region owns or
 * shares after fork. Fork gives the child a copy of the array with one more PMM
 * reference per frame and write-protects the parent; the first write copies the frame,
 * or only makes it writable when its reference count says nobody else holds it. Why:
 * a frame's owners are counted where they are (no chain of shadow objects to walk or
 * collapse, so repeated forks cannot grow a chain), the PMM's per-frame count serves as
 * the anon's count (no allocation per fault but the frame), and the page table is only
 * a cache: a range can be unmapped and faulted in again with nothing lost. Its price is
 * copying the array at fork (measured in bench/).
 *
 * Read faults of untouched private anonymous pages map one shared zero page read-only;
 * the first write gets a zeroed frame of its own. A stack region grows down on demand
 * to its limit; its guard below the limit is never mapped and nothing else is placed
 * there. Writable and executable together is refused unless MMK_VM_ALLOW_WX is given.
 *
 * mmk_vm_fault decides a fault in one place: zero fill, copy-on-write, a page from the
 * object, stack growth, or fatal (outside every region, in a guard, against the
 * region's protection); mmk_vm_fault_report prints the fatal ones with the region.
 * Region, amap and object structures come from the allocator given to mmk_vm_init
 * (the kernel passes mmk_kmalloc and mmk_kfree).
 *
 * => the caller serialises every call on the spaces of one struct mmk_vm.
 */
#ifndef MMUKIT_VM_H
#define MMUKIT_VM_H

#include <mmukit/fault.h>
#include <mmukit/mmu.h>
#include <mmukit/vas.h>

/* Frames by page index: a radix tree of 64-way nodes, grown in height as indices need. */
struct mmk_vm_pages {
	void *root;
	unsigned height;     /* 0: empty; n: indices below 64^n */
	size_t count;        /* frames held */
	void *leaf;          /* the last leaf node reserved: a fault's neighbour is there */
	uint64_t leaf_block; /* its indices / 64 */
};

enum mmk_vm_object_kind { MMK_VM_OBJ_ANON = 1, MMK_VM_OBJ_PHYS, MMK_VM_OBJ_PAGER };

struct mmk_vm_object;

/*
 * A pager gives the frame holding page offset (bytes, page aligned, below the object's
 * size) with one PMM reference for the object, which keeps it until the object goes.
 * get_page returns 0, -MMK_ENOMEM, or -MMK_EFAULT (the page cannot be had: the access
 * is fatal). release is called once, with the object's last reference.
 */
struct mmk_vm_pager_ops {
	int (*get_page)(void *ctx, uint64_t offset, mmk_paddr_t *pa);
	void (*release)(void *ctx);
};

struct mmk_vm_object {
	unsigned kind;             /* enum mmk_vm_object_kind */
	uint32_t refs;             /* regions mapping it, and holders from mmk_vm_object_ref */
	uint64_t size;             /* bytes */
	struct mmk_vm_pages pages; /* anonymous and pager: the resident frames */
	mmk_paddr_t phys;          /* physical: the first byte */
	unsigned cache;            /* physical: MMK_CACHE_* */
	const struct mmk_vm_pager_ops *pager;
	void *pager_ctx;
};

/* A private region's own pages (see above); shared by the pieces of a split region. */
struct mmk_vm_amap {
	uint32_t refs;             /* regions using it */
	mmk_vaddr_t base;          /* page index = (va - base) / page size */
	struct mmk_vm_pages pages;
};

#define MMK_VM_ALLOW_WX 0x10000u /* with MMK_PROT_WRITE | MMK_PROT_EXEC: allowed on purpose */

/* mmk_vm_map flags */
#define MMK_VM_SHARED 0x1u    /* writes go to the object (else private copy-on-write) */
#define MMK_VM_FIXED 0x2u     /* exactly at *va, replacing whatever is mapped there */
#define MMK_VM_NOREPLACE 0x4u /* exactly at *va; MMK_EEXIST if anything is there */
#define MMK_VM_MAP_FLAGS 0x7u

struct mmk_vm_region {
	struct mmk_vas_range range; /* [start, end) in the space's VAS, a stack's guard included */
	unsigned prot;              /* MMK_PROT_* | MMK_CACHE_* (user regions: MMK_PROT_USER) */
	unsigned flags;             /* MMK_VM_SHARED */
	mmk_vaddr_t low;            /* pages below it are not valid (yet): an ungrown stack, a guard */
	mmk_vaddr_t grow_limit;     /* a stack: low may move down to here; 0 otherwise */
	struct mmk_vm_object *object; /* NULL: private anonymous memory */
	uint64_t offset;            /* the object's byte at range.start */
	struct mmk_vm_amap *amap;   /* private regions: NULL until a page is their own */
};

struct mmk_vm_stats {
	uint64_t zero_fills;   /* faults that gave a zeroed frame */
	uint64_t zero_maps;    /* read faults that mapped the shared zero page */
	uint64_t cow_copies;   /* copy-on-write faults that copied */
	uint64_t cow_reuses;   /* copy-on-write faults on a frame with one owner */
	uint64_t object_pages; /* pages mapped from an object */
	uint64_t stack_grows;  /* faults that grew a stack */
	uint64_t bad_faults;   /* faults found fatal */
};

struct mmk_vm {
	struct mmk_mmu *mmu;
	void *(*alloc)(size_t size); /* region structures: mmk_kmalloc in a kernel */
	int (*release)(void *ptr);   /* and mmk_kfree */
	mmk_paddr_t zero_page;       /* mapped read-only for reads of untouched pages */
	struct mmk_vm_stats stats;
};

struct mmk_vm_space {
	struct mmk_mmu_space mmu; /* its faults come to the VM: the VM owns it (fault.h) */
	struct mmk_vas regions;
	struct mmk_vm *vm;
};

/* Sets vm up over mmu and takes the zero page from mmu's PMM. Errors: MMK_ENOMEM. */
int mmk_vm_init(struct mmk_vm *vm, struct mmk_mmu *mmu, void *(*alloc)(size_t size),
		int (*release)(void *ptr));

/* Gives the zero page back. => every space of vm is destroyed. */
void mmk_vm_fini(struct mmk_vm *vm);

/*
 * An empty user space, whose faults the VM resolves (mmk_fault_dispatch sends them to
 * mmk_vm_fault). Errors: MMK_ENOMEM, MMK_ENOSPC (the machine's space limit: i386).
 */
int mmk_vm_space_create(struct mmk_vm *vm, struct mmk_vm_space *space);

/*
 * Removes every region and the space; every frame only it held goes back to the PMM.
 * Errors: MMK_EBUSY (the space is active), MMK_EINVAL (destroyed already).
 */
int mmk_vm_space_destroy(struct mmk_vm_space *space);

void mmk_vm_space_activate(struct mmk_vm_space *space);

/* ------------------------------------------------------------ objects */

/*
 * A new object with one reference (the caller's): shared anonymous memory of size
 * bytes; a physical range [pa, pa+size) with memory type cache (MMK_CACHE_*); or pages
 * from a pager. Errors: MMK_EINVAL (size 0, bad cache type, ops without get_page),
 * MMK_EALIGN (pa or size not page aligned), MMK_ERANGE (pa + size wraps), MMK_ENOMEM.
 */
int mmk_vm_object_anon(struct mmk_vm *vm, uint64_t size, struct mmk_vm_object **out);
int mmk_vm_object_phys(struct mmk_vm *vm, mmk_paddr_t pa, uint64_t size, unsigned cache,
		       struct mmk_vm_object **out);
int mmk_vm_object_pager(struct mmk_vm *vm, uint64_t size, const struct mmk_vm_pager_ops *ops,
			void *ctx, struct mmk_vm_object **out);

/* Adds a reference. Errors: MMK_ERANGE (the count would overflow). */
int mmk_vm_object_ref(struct mmk_vm_object *obj);

/* Drops a reference; the last one frees the object's frames and the object. */
void mmk_vm_object_release(struct mmk_vm *vm, struct mmk_vm_object *obj);

/*
 * The frame of the object's page at offset (bytes, page aligned), made resident if it
 * is not (zeroed for anonymous objects, from the pager; a physical object's is its
 * frame): what a fault, or a kernel's read of an object, needs. The object keeps its
 * reference. Errors: MMK_ENOMEM, MMK_EFAULT (past its end, or the pager cannot).
 */
int mmk_vm_object_page(struct mmk_vm *vm, struct mmk_vm_object *obj, uint64_t offset,
		       mmk_paddr_t *pa);

/* ------------------------------------------------------------ page arrays */

/*
 * struct mmk_vm_pages keeps frames by page index (an amap's, an object's). Nodes come
 * from the VM's allocator and go back when they empty; the array holds one PMM
 * reference per frame stored in it.
 */

/* The frame at index: true and *pa, or false. */
bool mmk_vm_pages_get(const struct mmk_vm_pages *p, uint64_t index, mmk_paddr_t *pa);

/*
 * Makes index's slot exist and gives it in *slot, for mmk_vm_pages_store; nothing is
 * stored yet. Errors: MMK_ENOMEM (nothing kept).
 */
int mmk_vm_pages_reserve(struct mmk_vm *vm, struct mmk_vm_pages *p, uint64_t index, uint64_t **slot);

/* Stores pa (its reference now the array's) in the reserved slot of index, replacing what was there. */
void mmk_vm_pages_store(struct mmk_vm_pages *p, uint64_t *slot, uint64_t index, mmk_paddr_t pa);

/* Frees what a reserve made for an index that stayed empty. */
void mmk_vm_pages_unreserve(struct mmk_vm *vm, struct mmk_vm_pages *p, uint64_t index);

/* Calls fn for each frame of [lo, hi) in index order; its first nonzero result stops the
 * walk and is returned. */
int mmk_vm_pages_visit(const struct mmk_vm_pages *p, uint64_t lo, uint64_t hi,
		       int (*fn)(void *ctx, uint64_t index, mmk_paddr_t pa), void *ctx);

/* Frames held in [lo, hi). */
uint64_t mmk_vm_pages_count(const struct mmk_vm_pages *p, uint64_t lo, uint64_t hi);

/* Empties [lo, hi), dropping the array's PMM reference to each frame.
 * => no TLB holds a mapping of a frame whose last reference this drops. */
void mmk_vm_pages_release(struct mmk_vm *vm, struct mmk_vm_pages *p, uint64_t lo, uint64_t hi);

/* Copies [lo, hi) of src into dst, one more PMM reference per frame (fork). Errors:
 * MMK_ENOMEM, MMK_ERANGE (a count would overflow); dst may then hold part of it. */
int mmk_vm_pages_copy(struct mmk_vm *vm, struct mmk_vm_pages *dst, const struct mmk_vm_pages *src,
		      uint64_t lo, uint64_t hi);

/* ------------------------------------------------------------ regions */

/*
 * Maps size bytes (page multiple) of obj from byte offset (page aligned), or private
 * anonymous memory when obj is NULL (with MMK_VM_SHARED: a new anonymous object).
 * Where: flags MMK_VM_FIXED (exactly *va; whatever is mapped there is unmapped first)
 * or MMK_VM_NOREPLACE (exactly *va), else *va is a hint (0: none): it is used if free,
 * else the lowest free place above it, else the lowest anywhere. The start is returned
 * in *va. The region takes its own
 * reference to obj. prot: MMK_PROT_* with MMK_PROT_USER for user access (a memory type
 * is taken from a physical object, not from prot).
 * Errors: MMK_EINVAL (size 0, bad prot or flags, a physical object mapped private,
 * offset + size beyond the object), MMK_EALIGN, MMK_ERANGE (outside the user half),
 * MMK_EEXIST (MMK_VM_NOREPLACE and something is mapped there),
 * MMK_EPERM (write+execute without MMK_VM_ALLOW_WX), MMK_ENOMEM; nothing changes on error.
 * A region next to one it can continue (same protection and flags, private anonymous
 * or the same object at the next offset) is merged into it.
 */
int mmk_vm_map(struct mmk_vm_space *space, mmk_vaddr_t *va, mmk_vsize_t size, unsigned prot,
	       unsigned flags, struct mmk_vm_object *obj, uint64_t offset);

/* Private anonymous memory: mmk_vm_map with NOREPLACE at *va, or anywhere if *va is 0. */
int mmk_vm_map_anon(struct mmk_vm_space *space, mmk_vaddr_t *va, mmk_vsize_t size, unsigned prot);

/*
 * A physical range shared into the space with memory type prot & MMK_CACHE_MASK:
 * mmk_vm_map of a new physical object (*va 0: anywhere, else exactly there). Its pages
 * are mapped as they are touched, 4 KiB each, like every user page (a user space has no
 * large pages, so no unmap or protect ever needs a table). Errors as mmk_vm_map
 * (MMK_EALIGN for pa too, MMK_ERANGE when pa + size wraps).
 */
int mmk_vm_map_phys(struct mmk_vm_space *space, mmk_vaddr_t *va, mmk_paddr_t pa, mmk_vsize_t size,
		    unsigned prot);

/*
 * A stack that may grow down to size bytes, above a guard of guard bytes. *va: the
 * lowest byte the stack may reach (its guard just below), or 0 to let the VM choose;
 * *va gets that byte. The region starts empty and grows down as its pages are touched;
 * the guard is never mapped. Errors as mmk_vm_map_anon, and: MMK_EINVAL (size 0, guard
 * 0 or not a page multiple), MMK_ERANGE (the guard would start at address 0 or below
 * it, or size + guard wraps).
 */
int mmk_vm_map_stack(struct mmk_vm_space *space, mmk_vaddr_t *va, mmk_vsize_t size, mmk_vsize_t guard,
		     unsigned prot);

/*
 * Unmaps every page of [va, va+size): regions partly inside are cut (split in two when
 * the range is inside one), pages outside every region are skipped. Frames only these
 * pages held go back to the PMM, after the TLB no longer holds them.
 * Errors: MMK_EINVAL (size 0), MMK_EALIGN, MMK_ERANGE (wraps or leaves the user half),
 * MMK_ENOMEM (a split needed a region structure, or a physical region's large page a
 * table). Nothing changes on error.
 */
int mmk_vm_unmap(struct mmk_vm_space *space, mmk_vaddr_t va, mmk_vsize_t size);

/*
 * Sets the protection of every page of [va, va+size) to prot (MMK_PROT_*, and
 * MMK_VM_ALLOW_WX), cutting regions at the range's ends and merging neighbours that
 * end up alike. Pages shared copy-on-write stay read-only until written.
 * Errors: MMK_EINVAL (size 0, bad prot), MMK_EALIGN, MMK_ERANGE, MMK_ENOENT (a page of
 * the range is in no region), MMK_EPERM (write+execute without MMK_VM_ALLOW_WX; user
 * access added to or taken from a region), MMK_ENOMEM. Nothing changes on error.
 */
int mmk_vm_protect(struct mmk_vm_space *space, mmk_vaddr_t va, mmk_vsize_t size, unsigned prot);

/* The region containing va, or NULL. */
struct mmk_vm_region *mmk_vm_region_at(struct mmk_vm_space *space, mmk_vaddr_t va);

/* What a region is, for people: "anonymous", "shared", "physical", "pager", "stack". */
const char *mmk_vm_region_kind(const struct mmk_vm_region *r);

/* Pages of the region that hold a frame of their own or of its object (resident). */
uint64_t mmk_vm_region_resident(const struct mmk_vm_region *r);

/*
 * Makes child, which must not exist yet, a copy of parent: the same regions; private
 * pages shared read-only until written (copy-on-write), shared ones shared.
 * Errors: MMK_ENOMEM, MMK_ENOSPC (as mmk_vm_space_create); the child then does not
 * exist and the parent is unchanged but for pages made read-only, which its next
 * write makes writable again.
 */
int mmk_vm_fork(struct mmk_vm_space *parent, struct mmk_vm_space *child);

/*
 * Decides a fault in space: MMK_FAULT_RESOLVED (the page is mapped as the access needs),
 * MMK_FAULT_OOM, or MMK_FAULT_BAD_ACCESS (no region, guard, forbidden access, a page
 * the pager cannot give).
 */
enum mmk_fault_result mmk_vm_fault(struct mmk_vm_space *space, const struct mmk_fault *fault);

/* Prints why a fault was fatal: the fault, the region (or none), and the walk. */
void mmk_vm_fault_report(struct mmk_vm_space *space, const struct mmk_fault *fault,
			 enum mmk_fault_result result);

/* Validates the space: regions against the VAS, amap and object references, every
 * mapped page against what its region says. 0 or -MMK_ESTATE after printing why. */
int mmk_vm_check(struct mmk_vm_space *space);

#endif
