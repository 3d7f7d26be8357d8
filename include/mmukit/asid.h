/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Address-space identifiers with generation roll-over: ARMv7 ASIDs (8 bits) and x86
 * PCIDs (12 bits) tag TLB entries so a switch need not flush them. Used by the x86_64
 * and ARMv7 backends; portable.
 *
 * Each space keeps a 64-bit tag: generation | asid (0 = never had one). On activation,
 * a tag of the current generation is used as is; otherwise the space gets a free
 * number of this generation. When none is left, the generation advances: every number
 * becomes free again behind ONE full TLB flush (the flush callback), and the incoming
 * space takes the first. Numbers are never handed back one by one (a destroyed space
 * just keeps its tag until the next roll-over): a number is reused only after a flush,
 * so a new owner can never hit the entries of an old one. (Linux's arm64 and x86
 * allocators work the same way.) ASID 0 is never handed out: it stays the kernel's /
 * untagged. Single CPU; not thread-safe.
 */
#ifndef MMUKIT_ASID_H
#define MMUKIT_ASID_H

#include <mmukit/types.h>

#define MMK_ASID_MAX_BITS 12

struct mmk_asid_allocator {
	unsigned bits;        /* ASIDs are 1 .. 2^bits - 1 */
	uint64_t generation;  /* a multiple of 2^bits, starting at 2^bits */
	unsigned next;        /* where to look for a free number first */
	uint32_t used[(1u << MMK_ASID_MAX_BITS) / 32];
	void (*flush_all)(void *ctx); /* invalidate every TLB entry of every ASID */
	void *ctx;
	uint64_t rollovers;
};

/* Errors: MMK_EINVAL (bits not in 1..MMK_ASID_MAX_BITS). */
int mmk_asid_init(struct mmk_asid_allocator *a, unsigned bits, void (*flush_all)(void *ctx),
	      void *ctx);

/*
 * The ASID to load for a space whose tag is *tag (updated). Calls flush_all (once)
 * when the generation rolls over; *flushed says whether it did.
 */
unsigned mmk_asid_activate(struct mmk_asid_allocator *a, uint64_t *tag, bool *flushed);

/* The ASID in a tag (0 when it has none). */
static inline unsigned asid_of(const struct mmk_asid_allocator *a, uint64_t tag)
{
	return (unsigned)(tag & ((1u << a->bits) - 1));
}

#endif
