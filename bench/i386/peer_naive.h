/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The peer for the i386 MMU benchmarks: page mapping done the naive way many hobby kernels do it -
 * one page per call through the recursive window of the active directory, a table
 * allocated and zeroed when missing, and the whole TLB flushed (CR3 reload) after
 * every change. No batching, no overlap checks, no table freeing. Written by us for
 * the comparison.
 */
#ifndef MMUKIT_BENCH_PEER_NAIVE_H
#define MMUKIT_BENCH_PEER_NAIVE_H

#include <mmukit/pmm.h>

int naive_map_page(struct mmk_pmm *pmm, uint32_t va, uint32_t pa, uint32_t pte_flags);
int naive_unmap_page(uint32_t va);
/* The physical address va maps to, or -1. */
int64_t naive_translate(uint32_t va);

#endif
