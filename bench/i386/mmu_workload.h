/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The i386 MMU workload shared by the host benchmark (simulated machine, ns) and the
 * kernel benchmark (QEMU, rdtsc: instructions under -icount shift=0): N pages mapped,
 * queried and unmapped in the active user space, by mmukit in one call, by mmukit a
 * page per call, and by the naive peer.
 */
#ifndef MMUKIT_BENCH_I386_MMU_WORKLOAD_H
#define MMUKIT_BENCH_I386_MMU_WORKLOAD_H

#include <mmukit/mmu.h>

enum mmu_way { WAY_BATCHED, WAY_PER_PAGE, WAY_NAIVE, WAY_COUNT };
enum mmu_op { OP_MAP, OP_QUERY, OP_UNMAP, OP_COUNT };

extern const char *const mmu_way_names[WAY_COUNT];
extern const char *const mmu_op_names[OP_COUNT];

/*
 * Runs map, query and unmap of pages 4 KiB pages at va (to frames from pa) the given
 * way in space (active), timing each phase with clock(); cost[op] gets the clock
 * difference. Returns 0 or an error.
 */
int mmu_workload(struct mmk_mmu_space *space, enum mmu_way way, uint32_t va, uint32_t pa,
		 unsigned pages, uint64_t (*clock)(void), uint64_t cost[OP_COUNT]);

#endif
