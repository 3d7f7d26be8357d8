/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Map, query and unmap of 4 KiB pages in a user space, in one call and page by page:
 * instructions per page under -icount shift=0, the same code on every machine with a
 * VM, so backends compare in one make bench.
 */
#include <mmukit/kbench.h>
#include <mmukit/mmu.h>
#include <mmukit/pmm.h>
#include <mmukit/services.h>

#include "platform.h"

#define PAGES 1024
#define VA 0x40000000u
#define URW (MMK_PROT_READ | MMK_PROT_WRITE | MMK_PROT_USER)

static uint64_t per_page(uint64_t t0)
{
	return (arch_cycles() - t0) / PAGES;
}

KBENCH(pages)
{
	struct mmk_mmu *mmu = kernel_mmu();
	struct mmk_mmu_space s;
	mmk_paddr_t pa;
	struct mmk_mmu_mapping m;
	if (mmk_mmu_space_create(mmu, &s) || mmk_pmm_alloc_block(mmu->pmm, 10, &pa))
		mmk_panic("bench: set-up");
	uint64_t cost[2][3];
	for (int round = 0; round < 2; round++) { /* the first builds the tables once */
		uint64_t t0 = arch_cycles();
		mmk_mmu_map(&s, VA, pa, PAGES * MMK_PAGE_SIZE, URW, 12);
		cost[0][0] = per_page(t0);
		t0 = arch_cycles();
		for (unsigned i = 0; i < PAGES; i++)
			mmk_mmu_query(&s, VA + i * MMK_PAGE_SIZE, &m);
		cost[0][1] = cost[1][1] = per_page(t0);
		t0 = arch_cycles();
		mmk_mmu_unmap(&s, VA, PAGES * MMK_PAGE_SIZE, NULL);
		cost[0][2] = per_page(t0);
		t0 = arch_cycles();
		for (unsigned i = 0; i < PAGES; i++)
			mmk_mmu_map(&s, VA + i * MMK_PAGE_SIZE, pa + i * MMK_PAGE_SIZE, MMK_PAGE_SIZE, URW, 12);
		cost[1][0] = per_page(t0);
		t0 = arch_cycles();
		for (unsigned i = 0; i < PAGES; i++)
			mmk_mmu_unmap(&s, VA + i * MMK_PAGE_SIZE, MMK_PAGE_SIZE, NULL);
		cost[1][2] = per_page(t0);
	}
	mmk_printf("# bench pages per 4 KiB page: map %llu, query %llu, unmap %llu in one call; "
		   "map %llu, unmap %llu page by page\n",
		   (unsigned long long)cost[0][0], (unsigned long long)cost[0][1],
		   (unsigned long long)cost[0][2], (unsigned long long)cost[1][0],
		   (unsigned long long)cost[1][2]);
	mmk_mmu_space_destroy(&s, NULL, NULL);
	mmk_pmm_free_block(mmu->pmm, pa, 10);
}
