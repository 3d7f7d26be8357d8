/* SPDX-License-Identifier: BSD-2-Clause */
/* The shared i386 MMU workload (see the header). */
#include <mmukit/errno.h>
#include <mmukit/pmm.h>

#include "mmu_workload.h"
#include "peer_naive.h"

#define RW_USER (MMK_PROT_READ | MMK_PROT_WRITE | MMK_PROT_USER)

const char *const mmu_way_names[WAY_COUNT] = {"mmukit, one call", "mmukit, page by page",
					      "naive way"};
const char *const mmu_op_names[OP_COUNT] = {"map", "query", "unmap"};

static int map_phase(struct mmk_mmu_space *s, enum mmu_way way, uint32_t va, uint32_t pa,
		     unsigned pages)
{
	if (way == WAY_BATCHED)
		return mmk_mmu_map(s, va, pa, (mmk_vsize_t)pages * 4096, RW_USER, 12);
	for (unsigned i = 0; i < pages; i++) {
		uint32_t off = i * 4096u;
		int err = way == WAY_PER_PAGE
				  ? mmk_mmu_map(s, va + off, pa + off, 4096, RW_USER, 12)
				  : naive_map_page(s->mmu->pmm, va + off, pa + off, 0x6);
		if (err)
			return err;
	}
	return 0;
}

static int query_phase(struct mmk_mmu_space *s, enum mmu_way way, uint32_t va, uint32_t pa,
		       unsigned pages)
{
	for (unsigned i = 0; i < pages; i++) {
		uint32_t off = i * 4096u;
		struct mmk_mmu_mapping m;
		uint64_t got;
		if (way == WAY_NAIVE) {
			int64_t t = naive_translate(va + off);
			got = t < 0 ? 0 : (uint64_t)t;
		} else {
			got = mmk_mmu_query(s, va + off, &m) ? 0 : m.pa;
		}
		if (got != pa + off)
			return -MMK_ENOENT;
	}
	return 0;
}

static int unmap_phase(struct mmk_mmu_space *s, enum mmu_way way, uint32_t va, unsigned pages)
{
	if (way == WAY_BATCHED)
		return mmk_mmu_unmap(s, va, (mmk_vsize_t)pages * 4096, NULL);
	for (unsigned i = 0; i < pages; i++) {
		int err = way == WAY_PER_PAGE ? mmk_mmu_unmap(s, va + i * 4096u, 4096, NULL)
					      : naive_unmap_page(va + i * 4096u);
		if (err)
			return err;
	}
	return 0;
}

int mmu_workload(struct mmk_mmu_space *s, enum mmu_way way, uint32_t va, uint32_t pa,
		 unsigned pages, uint64_t (*clock)(void), uint64_t cost[OP_COUNT])
{
	uint64_t t0 = clock();
	int err = map_phase(s, way, va, pa, pages);
	uint64_t t1 = clock();
	if (!err)
		err = query_phase(s, way, va, pa, pages);
	uint64_t t2 = clock();
	if (!err)
		err = unmap_phase(s, way, va, pages);
	uint64_t t3 = clock();
	cost[OP_MAP] = t1 - t0;
	cost[OP_QUERY] = t2 - t1;
	cost[OP_UNMAP] = t3 - t2;
	return err;
}
