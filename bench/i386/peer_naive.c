/* SPDX-License-Identifier: BSD-2-Clause */
/* The naive way of mapping pages, for comparison (see the header). */
#include <mmukit/errno.h>

#include "cpu.h"
#include "peer_naive.h"

#define PD ((uint32_t)0xFFFFF000u)
#define TABLES ((uint32_t)0xFFC00000u)

int naive_map_page(struct mmk_pmm *pmm, uint32_t va, uint32_t pa, uint32_t pte_flags)
{
	uint32_t *pd = i386_window(PD);
	unsigned pdi = va >> 22;
	if (!(pd[pdi] & 1)) {
		mmk_paddr_t table;
		if (mmk_pmm_alloc(pmm, &table))
			return -MMK_ENOMEM;
		pd[pdi] = (uint32_t)table | 7;
		uint32_t *t = i386_window(TABLES + pdi * 4096);
		for (unsigned i = 0; i < 1024; i++)
			t[i] = 0;
	}
	uint32_t *t = i386_window(TABLES + pdi * 4096);
	t[(va >> 12) & 1023] = pa | pte_flags | 1;
	i386_write_cr3(i386_read_cr3());
	return 0;
}

int naive_unmap_page(uint32_t va)
{
	uint32_t *pd = i386_window(PD);
	if (!(pd[va >> 22] & 1))
		return -MMK_ENOENT;
	uint32_t *t = i386_window(TABLES + (va >> 22) * 4096);
	t[(va >> 12) & 1023] = 0;
	i386_write_cr3(i386_read_cr3());
	return 0;
}

int64_t naive_translate(uint32_t va)
{
	uint32_t *pd = i386_window(PD);
	if (!(pd[va >> 22] & 1))
		return -1;
	uint32_t pte = ((uint32_t *)i386_window(TABLES + (va >> 22) * 4096))[(va >> 12) & 1023];
	if (!(pte & 1))
		return -1;
	return (pte & 0xFFFFF000u) | (va & 0xFFFu);
}
