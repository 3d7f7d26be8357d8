/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Kernel heap benchmark on the host: mmk_kmalloc+mmk_kfree pairs of 16..1024-byte and 8 KiB
 * objects with 1000 objects live, mmukit's heap on the simulated i386 beside the
 * host's malloc, same sizes and order. Every heap access of mmukit's goes through the
 * simulator's TLB (mmk_mmu_kernel_pointer), which the kernel does not pay; the in-kernel
 * instruction counts (make bench, i386 kernel) show the heap's own cost.
 */
#include <stdio.h>
#include <stdlib.h>

#include <mmukit/kheap.h>

#include "sim.h"
#include "util_time.h"

#define LIVE 1000
#define OPS 200000
#define RUNS 5

static struct sim_machine m;
static struct mmk_kvm kvm;
static struct mmk_kheap heap;
static void *live[LIVE];
static size_t sizes[OPS];

static double run(bool mine)
{
	for (unsigned i = 0; i < LIVE; i++)
		live[i] = mine ? mmk_kheap_alloc(&heap, 64) : malloc(64);
	uint64_t t0 = bench_now_ns();
	for (unsigned i = 0; i < OPS; i++) {
		unsigned k = i % LIVE;
		if (mine) {
			mmk_kheap_free(&heap, live[k]);
			live[k] = mmk_kheap_alloc(&heap, sizes[i]);
		} else {
			free(live[k]);
			live[k] = malloc(sizes[i]);
		}
	}
	double ns = (double)(bench_now_ns() - t0) / OPS;
	for (unsigned i = 0; i < LIVE; i++)
		mine ? (void)mmk_kheap_free(&heap, live[i]) : free(live[i]);
	return ns;
}

int main(void)
{
	if (sim_machine_boot(&m, 64 * MMK_MIB, true, true))
		return 1;
	mmk_kvm_init(&kvm, &m.mmu, 0xC0400000u, 0xFF400000u);
	mmk_kheap_init(&heap, &kvm);
	uint64_t r = 1;
	for (unsigned i = 0; i < OPS; i++) {
		r = r * 6364136223846793005ull + 1442695040888963407ull;
		sizes[i] = (r >> 60) == 0 ? 8192 : 16u << ((r >> 33) % 7);
	}
	double a[RUNS], b[RUNS];
	for (int i = 0; i < RUNS; i++) {
		a[i] = run(true);
		b[i] = run(false);
	}
	double mine = bench_median(a, RUNS), libc = bench_median(b, RUNS);
	printf("\nkernel heap (host): free+alloc with %d live, 16-1024 B and 1/16 8 KiB, ns per pair\n",
	       LIVE);
	printf("  mmukit kheap (simulated i386) %8.1f\n  host malloc (glibc)           %8.1f\n"
	       "  malloc/kheap                  %8.2fx\n", mine, libc, libc / mine);
	sim_machine_free(&m);
	return 0;
}
