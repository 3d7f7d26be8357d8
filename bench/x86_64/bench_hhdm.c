/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Building a direct map of 8 GiB on the simulated x86_64 with 1 GiB, 2 MiB and 4 KiB
 * pages (the x86_64 backend picks 1 GiB where CPUID has it, else 2 MiB): time and page-table
 * memory, median of several runs.
 */
#include <stdio.h>

#include <mmukit/mmu.h>

#include "sim.h"
#include "util_time.h"

#define MAP_BYTES (8ull << 30)
#define WHERE 0xFFFFA00000000000ull /* free PML4 slots of the kernel half */
#define SLOT (512ull << 30)
#define RUNS 3

static struct sim64_machine m;

int main(void)
{
	static const unsigned shifts[] = {30, 21, 12};
	if (sim64_machine_boot(&m, 256ull << 20, true, true, true))
		return 1;
	printf("\nx86_64 direct map of 8 GiB (host, simulated x86_64), median of %d runs\n", RUNS);
	printf("  %-10s %12s %14s\n", "page size", "time (ms)", "tables (KiB)");
	for (unsigned i = 0; i < 3; i++) {
		double ms[RUNS];
		uint64_t tables = 0;
		for (int r = 0; r < RUNS; r++) {
			/* A fresh PML4 slot each time: built from nothing, tables included. */
			uint64_t where = WHERE + (i * RUNS + (unsigned)r) * SLOT;
			uint64_t before = m.mmu.stats.tables_allocated;
			uint64_t t0 = bench_now_ns();
			if (mmk_mmu_map(&m.mmu.kernel, where, 0, MAP_BYTES, MMK_PROT_READ | MMK_PROT_WRITE,
				    shifts[i]))
				return 1;
			ms[r] = (double)(bench_now_ns() - t0) / 1e6;
			tables = m.mmu.stats.tables_allocated - before;
			/* Kernel tables stay (shared by every space): unmap, keep the memory. */
			if (mmk_mmu_unmap(&m.mmu.kernel, where, MAP_BYTES, NULL))
				return 1;
		}
		printf("  %-10s %12.3f %14llu\n", shifts[i] == 30 ? "1 GiB" : shifts[i] == 21 ? "2 MiB" : "4 KiB",
		       bench_median(ms, RUNS), (unsigned long long)(tables * 4));
	}
	sim64_machine_free(&m);
	return 0;
}
