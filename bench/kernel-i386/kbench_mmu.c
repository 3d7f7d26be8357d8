/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * i386 MMU benchmarks in the kernel, on QEMU's MMU:
 *   mmu_ways       map/query/unmap per 4 KiB page, three ways (rdtsc: instructions
 *                  under -icount shift=0)
 *   flush_threshold  unmapping n pages then touching a working set, with INVLPG per
 *                  page versus one full flush (rdtsc without -icount: TCG host time);
 *                  a batch lists at most MMK_MMU_BATCH_PAGES pages, so past that it
 *                  flushes whatever the threshold: INVLPG each is measured up to there
 */
#include <mmukit/kbench.h>
#include <mmukit/mmu.h>
#include <mmukit/pmm.h>
#include <mmukit/services.h>

#include "mmu_workload.h"
#include "platform.h"

#define PAGES 1024
#define VA 0x40000000u

static struct mmk_mmu_space space;

static struct mmk_mmu_space *bench_space(void)
{
	struct mmk_mmu *mmu = kernel_mmu();
	if (space.mmu == NULL && mmk_mmu_space_create(mmu, &space))
		mmk_panic("bench: no space");
	mmk_mmu_activate(&space);
	return &space;
}

KBENCH(mmu_ways)
{
	struct mmk_mmu_space *s = bench_space();
	mmk_paddr_t pa;
	if (mmk_pmm_alloc_block(kernel_mmu()->pmm, 10, &pa))
		mmk_panic("bench: no 4 MiB block");
	uint64_t cost[WAY_COUNT][OP_COUNT];
	for (int way = 0; way < WAY_COUNT; way++) {
		/* Once to warm up (tables exist alike for every way), once measured. */
		if (mmu_workload(s, way, VA, (uint32_t)pa, PAGES, arch_cycles, cost[way]) ||
		    mmu_workload(s, way, VA, (uint32_t)pa, PAGES, arch_cycles, cost[way]))
			mmk_panic("bench: workload failed");
	}
	for (int op = 0; op < OP_COUNT; op++) {
		mmk_printf("# bench %-6s per page:", mmu_op_names[op]);
		for (int way = 0; way < WAY_COUNT; way++)
			mmk_printf(" %s %llu;", mmu_way_names[way],
				   (unsigned long long)(cost[way][op] / PAGES));
		mmk_printf(" naive/one-call %llu.%02llux\n",
			   (unsigned long long)(cost[WAY_NAIVE][op] / cost[WAY_BATCHED][op]),
			   (unsigned long long)(cost[WAY_NAIVE][op] * 100 / cost[WAY_BATCHED][op] % 100));
	}
	mmk_pmm_free_block(kernel_mmu()->pmm, pa, 10);
}

/* Cycles to unmap n pages and then read a 64-page working set, with the given threshold. */
static uint64_t unmap_then_touch(struct mmk_mmu_space *s, mmk_paddr_t pa, unsigned n, unsigned threshold)
{
	const unsigned working = 64;
	volatile uint32_t sink = 0;
	if (mmk_mmu_map(s, VA, pa, (mmk_vsize_t)(n + working) * 4096, MMK_PROT_READ | MMK_PROT_WRITE, 12))
		mmk_panic("bench: map");
	for (unsigned i = 0; i < n + working; i++)
		sink += *(volatile uint32_t *)(VA + i * 4096u); /* fill the TLB */
	unsigned saved = s->mmu->flush_threshold;
	s->mmu->flush_threshold = threshold;
	uint64_t t0 = arch_cycles();
	mmk_mmu_unmap(s, VA, (mmk_vsize_t)n * 4096, NULL);
	for (unsigned i = 0; i < working; i++)
		sink += *(volatile uint32_t *)(VA + (n + i) * 4096u);
	uint64_t t1 = arch_cycles();
	s->mmu->flush_threshold = saved;
	mmk_mmu_unmap(s, VA + n * 4096u, (mmk_vsize_t)working * 4096, NULL);
	(void)sink;
	return t1 - t0;
}

KBENCH(flush_threshold)
{
	static const unsigned sizes[] = {1, 4, 8, 16, 24, 32, 48, 64, 128, 256};
	struct mmk_mmu_space *s = bench_space();
	mmk_paddr_t pa;
	if (mmk_pmm_alloc_block(kernel_mmu()->pmm, 10, &pa))
		mmk_panic("bench: no 4 MiB block");
	for (unsigned i = 0; i < MMK_ARRAY_SIZE(sizes); i++) {
		unsigned n = sizes[i];
		uint64_t best_invlpg = UINT64_MAX, best_flush = UINT64_MAX;
		for (int r = 0; r < 5; r++) {
			uint64_t a = n > MMK_MMU_BATCH_PAGES ? 0
							  : unmap_then_touch(s, pa, n, 1u << 30); /* INVLPG each */
			uint64_t b = unmap_then_touch(s, pa, n, 0); /* one full flush */
			best_invlpg = a < best_invlpg ? a : best_invlpg;
			best_flush = b < best_flush ? b : best_flush;
		}
		mmk_printf("# bench unmap %3u pages + touch 64: invlpg each %llu, full flush %llu%s\n",
			   n, (unsigned long long)best_invlpg, (unsigned long long)best_flush,
			   n > MMK_MMU_BATCH_PAGES ? " (past a batch: flushed either way)" : "");
	}
	mmk_pmm_free_block(kernel_mmu()->pmm, pa, 10);
}
