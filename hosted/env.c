/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The host's ktest environment (include/mmukit/ktest.h), its PMM: in a binary with a
 * simulated machine (hosted/<arch>/env.c defines hosted_sim, hosted/hosted.h) that
 * machine's, whose MMU the rest of the environment serves (hosted/env_sim.c). Without
 * one: a simulated boot memory map shaped like QEMU's pc machine with 128 MiB, with the
 * reservations a kernel boot adds, and a PMM over it (metadata from malloc: the PMM
 * never touches the frames themselves).
 */
#include <stdlib.h>

#include <mmukit/ktest.h>
#include <mmukit/pmm.h>
#include <mmukit/services.h>

#include "hosted.h"

static struct mmk_memmap env_map;
static struct mmk_pmm env_pmm;
static bool env_ready;

__attribute__((weak)) const struct hosted_sim *hosted_sim(void)
{
	return NULL;
}

static void env_add(mmk_paddr_t base, mmk_psize_t size, unsigned type)
{
	MMK_ASSERT(mmk_memmap_add(&env_map, base, size, type) == 0);
}

static void env_init(void)
{
	if (env_ready)
		return;
	mmk_memmap_init(&env_map);
	env_add(0x0, 0x9FC00, MMK_MEM_USABLE);
	env_add(0x9FC00, 0x400, MMK_MEM_RESERVED);
	env_add(0xF0000, 0x10000, MMK_MEM_RESERVED);
	env_add(0x100000, 0x7EE0000, MMK_MEM_USABLE);
	env_add(0x7FE0000, 0x20000, MMK_MEM_RESERVED);
	env_add(0xFFFC0000, 0x40000, MMK_MEM_RESERVED);
	MMK_ASSERT(mmk_memmap_set(&env_map, 0x0, 0x100000, MMK_MEM_FIRMWARE) == 0);
	MMK_ASSERT(mmk_memmap_set(&env_map, 0x100000, 0x100000, MMK_MEM_KERNEL) == 0);
	size_t size = mmk_pmm_metadata_size(&env_map);
	void *meta = malloc(size);
	MMK_ASSERT(meta != NULL);
	MMK_ASSERT(mmk_pmm_init(&env_pmm, &env_map, meta, size) == 0);
	env_ready = true;
}

struct mmk_pmm *ktest_env_pmm(void)
{
	if (hosted_sim())
		return hosted_sim()->pmm;
	env_init();
	return &env_pmm;
}

const struct mmk_memmap *ktest_env_memmap(void)
{
	if (hosted_sim())
		return hosted_sim()->map;
	env_init();
	return &env_map;
}

