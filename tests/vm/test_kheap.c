/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Tests for the kernel heap (core/kheap.c), on private heaps in the environment's
 * kernel window. Memory is reached through mmk_mmu_kernel_pointer, which is the pointer
 * itself in a kernel and the simulator's page on the host.
 */
#include <mmukit/errno.h>
#include <mmukit/kheap.h>
#include <mmukit/ktest.h>
#include <mmukit/pmm.h>

static struct mmk_kheap heap;

static uint8_t *bytes(const void *p)
{
	return mmk_mmu_kernel_pointer(ktest_env_mmu(), (mmk_vaddr_t)p);
}

/* Fills [p, p+n) with a pattern seeded by seed, a page piece at a time. */
static void fill(const void *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		bytes((const uint8_t *)p + i)[0] = (uint8_t)(seed + i);
}

static bool holds(const void *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		if (bytes((const uint8_t *)p + i)[0] != (uint8_t)(seed + i))
			return false;
	return true;
}

KTEST(kheap, small_objects_are_aligned_distinct_and_usable)
{
	mmk_kheap_init(&heap, ktest_env_kvm());
	static void *p[64];
	for (unsigned i = 0; i < 64; i++) {
		size_t size = 1 + i * 13;
		p[i] = mmk_kheap_alloc(&heap, size);
		KASSERT_TRUE(p[i] != NULL);
		KEXPECT_EQ((mmk_vaddr_t)p[i] % 16, 0);
		if (size > 32)
			KEXPECT_EQ((mmk_vaddr_t)p[i] % (size > 64 ? 64 : 16), 0);
		KEXPECT_GE(mmk_kheap_usable_size(&heap, p[i]), size);
		fill(p[i], size, (uint8_t)i);
	}
	unsigned damaged = 0;
	for (unsigned i = 0; i < 64; i++)
		damaged += !holds(p[i], 1 + i * 13, (uint8_t)i);
	KEXPECT_EQ(damaged, 0);
	KEXPECT_EQ(heap.stats.objects, 64);
	KEXPECT_EQ(mmk_kheap_check(&heap), 0);
	for (unsigned i = 0; i < 64; i++)
		KEXPECT_EQ(mmk_kheap_free(&heap, p[i]), 0);
	KEXPECT_EQ(heap.stats.objects, 0);
	KEXPECT_EQ(heap.stats.bytes, 0);
	KEXPECT_EQ(mmk_kheap_check(&heap), 0);
}

KTEST(kheap, large_objects_take_whole_pages_and_give_them_back)
{
	struct mmk_pmm *pmm = ktest_env_pmm();
	mmk_kheap_init(&heap, ktest_env_kvm());
	uint64_t free_before = pmm->free_frames;
	uint64_t tables_before = ktest_env_mmu()->kernel.table_pages;
	void *p = mmk_kheap_alloc(&heap, 3 * MMK_PAGE_SIZE);
	KASSERT_TRUE(p != NULL);
	KEXPECT_EQ(heap.stats.pages, 4); /* the header needs a fourth */
	KEXPECT_EQ((mmk_vaddr_t)p % 64, 0);
	KEXPECT_GE(mmk_kheap_usable_size(&heap, p), 3 * MMK_PAGE_SIZE);
	fill(p, 3 * MMK_PAGE_SIZE, 7);
	KEXPECT_TRUE(holds(p, 3 * MMK_PAGE_SIZE, 7));
	KEXPECT_EQ(mmk_kheap_free(&heap, p), 0);
	KEXPECT_EQ(heap.stats.pages, 0);
	/* All frames back but new kernel page tables (kept: every space shares them). */
	KEXPECT_EQ(free_before - pmm->free_frames,
		   ktest_env_mmu()->kernel.table_pages - tables_before);
}

KTEST(kheap, empty_slab_pages_go_back_to_the_pmm)
{
	mmk_kheap_init(&heap, ktest_env_kvm());
	static void *p[600];
	unsigned n = 0;
	while (n < 600 && (p[n] = mmk_kheap_alloc(&heap, 32)) != NULL)
		n++;
	KASSERT_EQ(n, 600);
	uint64_t pages_full = heap.stats.pages;
	KEXPECT_GE(pages_full, 5);
	for (unsigned i = 0; i < n; i++)
		KEXPECT_EQ(mmk_kheap_free(&heap, p[i]), 0);
	KEXPECT_EQ(heap.stats.pages, 1); /* one empty page per class is kept */
	KEXPECT_EQ(mmk_kheap_check(&heap), 0);
	/* A single alloc/free loop reuses that page: no mapping churn. */
	for (unsigned i = 0; i < 100; i++)
		KEXPECT_EQ(mmk_kheap_free(&heap, mmk_kheap_alloc(&heap, 32)), 0);
	KEXPECT_EQ(heap.stats.pages, 1);
}

KTEST(kheap, bad_frees_are_refused)
{
	mmk_kheap_init(&heap, ktest_env_kvm());
	void *p = mmk_kheap_alloc(&heap, 40);
	void *big = mmk_kheap_alloc(&heap, 5000);
	KASSERT_TRUE(p != NULL && big != NULL);
	KEXPECT_EQ(mmk_kheap_free(&heap, (uint8_t *)p + 8), -MMK_EINVAL);   /* inside an object */
	KEXPECT_EQ(mmk_kheap_free(&heap, (uint8_t *)big + 64), -MMK_EINVAL);
	KEXPECT_EQ(mmk_kheap_free(&heap, (void *)(mmk_vaddr_t)0x1000), -MMK_EINVAL); /* not the heap */
	KEXPECT_EQ(mmk_kheap_free(&heap, NULL), 0);
	KEXPECT_EQ(mmk_kheap_free(&heap, p), 0);
	KEXPECT_EQ(mmk_kheap_free(&heap, p), -MMK_ESTATE);                  /* double free */
	KEXPECT_EQ(mmk_kheap_free(&heap, big), 0);
	KEXPECT_EQ(mmk_kheap_free(&heap, big), -MMK_EINVAL);                /* its pages are gone */
	KEXPECT_EQ(mmk_kheap_alloc(&heap, 0), NULL);
	KEXPECT_EQ(mmk_kheap_calloc(&heap, (size_t)-1 / 2, 4), NULL);       /* overflow */
	KEXPECT_EQ(mmk_kheap_check(&heap), 0);
}

KTEST(kheap, calloc_zeroes_and_realloc_keeps_contents)
{
	mmk_kheap_init(&heap, ktest_env_kvm());
	uint8_t *p = mmk_kheap_alloc(&heap, 100);
	KASSERT_TRUE(p != NULL);
	fill(p, 100, 1);
	KEXPECT_EQ(mmk_kheap_free(&heap, p), 0);
	uint8_t *z = mmk_kheap_calloc(&heap, 25, 4); /* likely the same slot: must be zeroed */
	KASSERT_TRUE(z != NULL);
	unsigned nonzero = 0;
	for (unsigned i = 0; i < 100; i++)
		nonzero += bytes(z + i)[0] != 0;
	KEXPECT_EQ(nonzero, 0);
	fill(z, 100, 9);
	uint8_t *same = mmk_kheap_realloc(&heap, z, 120); /* fits the 128 class: in place */
	KEXPECT_TRUE(same == z);
	uint8_t *moved = mmk_kheap_realloc(&heap, same, 9000);
	KASSERT_TRUE(moved != NULL);
	KEXPECT_TRUE(holds(moved, 100, 9));
	KEXPECT_EQ(mmk_kheap_realloc(&heap, moved, 0), NULL);
	KEXPECT_EQ(heap.stats.objects, 0);
	KEXPECT_EQ(mmk_kheap_realloc(&heap, (void *)(mmk_vaddr_t)0x1000, 8), NULL);
}

KTEST(kheap, out_of_memory_returns_null_and_leaks_nothing)
{
	struct mmk_pmm *pmm = ktest_env_pmm();
	mmk_kheap_init(&heap, ktest_env_kvm());
	void *warm = mmk_kheap_alloc(&heap, 3 * MMK_PAGE_SIZE); /* any page table exists now */
	KASSERT_EQ(mmk_kheap_free(&heap, warm), 0);
	unsigned failures = 0;
	for (uint64_t nth = 1; nth <= 4; nth++) {
		uint64_t free_before = pmm->free_frames;
		mmk_pmm_inject_failure(pmm, nth);
		void *p = mmk_kheap_alloc(&heap, 3 * MMK_PAGE_SIZE);
		mmk_pmm_inject_failure(pmm, 0);
		if (p != NULL || pmm->free_frames != free_before || heap.stats.pages != 0)
			failures++;
	}
	KEXPECT_EQ(failures, 0);
	KEXPECT_EQ(mmk_kheap_check(&heap), 0);
}

static uint64_t rng;

static unsigned rnd(unsigned n)
{
	return ktest_random_below(&rng, n);
}

KTEST(kheap, churn_keeps_every_object_intact)
{
	static void *p[256];
	static size_t size[256];
	struct mmk_pmm *pmm = ktest_env_pmm();
	mmk_kheap_init(&heap, ktest_env_kvm());
	struct mmk_kheap *kernel_heap = mmk_kheap_set_default(&heap);
	uint64_t free_before = pmm->free_frames;
	uint64_t tables_before = ktest_env_mmu()->kernel.table_pages;
	unsigned steps = ktest_scale(20000, 4000), damaged = 0, refused = 0;
	rng = 0x2545F4914F6CDD1Dull;
	for (unsigned i = 0; i < 256; i++)
		p[i] = NULL;
	for (unsigned s = 0; s < steps; s++) {
		unsigned k = rnd(256);
		if (p[k]) {
			damaged += !holds(p[k], size[k], (uint8_t)k);
			refused += mmk_kfree(p[k]) != 0;
			p[k] = NULL;
		} else {
			size[k] = rnd(4) == 0 ? 1 + rnd(3 * MMK_PAGE_SIZE) : 1 + rnd(300);
			p[k] = rnd(8) == 0 ? mmk_kcalloc(1, size[k]) : mmk_kmalloc(size[k]);
			if (p[k])
				fill(p[k], size[k], (uint8_t)k);
		}
		if (s % 500 == 0 && mmk_kheap_check(&heap) != 0)
			damaged++;
	}
	for (unsigned i = 0; i < 256; i++) {
		if (p[i]) {
			damaged += !holds(p[i], size[i], (uint8_t)i);
			refused += mmk_kfree(p[i]) != 0;
		}
	}
	KEXPECT_EQ(damaged, 0);
	KEXPECT_EQ(refused, 0);
	KEXPECT_EQ(heap.stats.objects, 0);
	KEXPECT_LE(heap.stats.pages, MMK_KHEAP_CLASSES); /* at most the kept empty pages */
	KEXPECT_EQ(mmk_kheap_check(&heap), 0);
	/* Every frame back but the kept pages and kernel page tables made on the way. */
	KEXPECT_EQ(free_before - pmm->free_frames,
		   heap.stats.pages + ktest_env_mmu()->kernel.table_pages - tables_before);
	ktest_log("%u steps, %llu pages kept", steps, (unsigned long long)heap.stats.pages);
	mmk_kheap_set_default(kernel_heap);
}
