/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * i386 MMU benchmark on the host: the real backend on the simulated i386, mapping,
 * querying and unmapping 4096 pages (16 MiB) in the active user space three ways.
 * ns per page, median of several runs, ratios to the naive way. The simulator's
 * TLB flush is cheap next to hardware's refill cost; see the in-kernel figures too.
 */
#include <stdio.h>

#include <mmukit/mmu.h>

#include "mmu_workload.h"
#include "sim.h"
#include "util_time.h"

#define PAGES 4096
#define RUNS 9

static struct sim_machine m;

int main(void)
{
	struct mmk_mmu_space u;
	double ns[WAY_COUNT][OP_COUNT];
	if (sim_machine_boot(&m, 64 * MMK_MIB, true, true) || mmk_mmu_space_create(&m.mmu, &u))
		return 1;
	mmk_mmu_activate(&u);
	for (int way = 0; way < WAY_COUNT; way++) {
		double runs[OP_COUNT][RUNS];
		for (int r = 0; r < RUNS; r++) {
			uint64_t cost[OP_COUNT];
			if (mmu_workload(&u, way, 0x40000000u, 0x1000000u, PAGES, bench_now_ns, cost))
				return 1;
			for (int op = 0; op < OP_COUNT; op++)
				runs[op][r] = (double)cost[op] / PAGES;
		}
		for (int op = 0; op < OP_COUNT; op++)
			ns[way][op] = bench_median(runs[op], RUNS);
	}
	printf("\ni386 MMU (host, simulated i386): ns per 4 KiB page, %d pages, median of %d runs\n",
	       PAGES, RUNS);
	printf("%-7s %18s %22s %14s %16s\n", "op", mmu_way_names[0], mmu_way_names[1],
	       mmu_way_names[2], "naive/one-call");
	for (int op = 0; op < OP_COUNT; op++)
		printf("%-7s %18.1f %22.1f %14.1f %15.2fx\n", mmu_op_names[op], ns[0][op],
		       ns[1][op], ns[2][op], ns[2][op] / ns[0][op]);
	sim_machine_free(&m);
	return 0;
}
