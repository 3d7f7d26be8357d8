/* SPDX-License-Identifier: BSD-2-Clause */
/* Kernel heap in the kernel: instructions (-icount) per mmk_kfree+mmk_kmalloc pair, 1000 live. */
#include <mmukit/kbench.h>
#include <mmukit/kheap.h>
#include <mmukit/services.h>

#define LIVE 1000
#define OPS 20000

static void *live[LIVE];

static uint64_t pairs(size_t (*size_of)(unsigned i))
{
	for (unsigned i = 0; i < LIVE; i++)
		live[i] = mmk_kmalloc(64);
	uint64_t t0 = arch_cycles();
	for (unsigned i = 0; i < OPS; i++) {
		unsigned k = i % LIVE;
		mmk_kfree(live[k]);
		live[k] = mmk_kmalloc(size_of(i));
	}
	uint64_t t1 = arch_cycles();
	for (unsigned i = 0; i < LIVE; i++)
		mmk_kfree(live[i]);
	return (t1 - t0) / OPS;
}

static size_t small_size(unsigned i)
{
	return (size_t)16 << (i * 2654435761u >> 29) % 7;
}

static size_t large_size(unsigned i)
{
	return 8192 + (i % 3) * 4096;
}

KBENCH(kheap)
{
	mmk_printf("# bench kheap free+alloc per pair, 1000 live: small (16-1024 B) %llu, "
		   "large (2-4 pages) %llu\n", (unsigned long long)pairs(small_size),
		   (unsigned long long)pairs(large_size));
}
