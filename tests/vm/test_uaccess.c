/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Copies to and from user spaces (include/mmukit/uaccess.h): on the host over each
 * machine's simulator, and inside each kernel. Bad user pointers give -MMK_EFAULT and
 * change nothing else; good ones fault pages in as the CPU would.
 */
#include <mmukit/errno.h>
#include <mmukit/kheap.h>
#include <mmukit/ktest.h>
#include <mmukit/pmm.h>
#include <mmukit/services.h>
#include <mmukit/uaccess.h>

#include "vm_warm.h"

#define P MMK_PAGE_SIZE
#define URW (MMK_PROT_READ | MMK_PROT_WRITE | MMK_PROT_USER)
#define URO (MMK_PROT_READ | MMK_PROT_USER)
#define UVA 0x40000000u

static struct mmk_vm vm;
static struct mmk_kheap heap;

static void setup(struct mmk_vm_space *a)
{
	mmk_kheap_init(&heap, ktest_env_kvm());
	MMK_ASSERT(mmk_vm_init(&vm, ktest_env_mmu(), ktest_env_malloc, ktest_env_free) == 0);
	ktest_vm_warm_up(&vm);
	MMK_ASSERT(mmk_vm_space_create(&vm, a) == 0);
}

static void teardown(void)
{
	mmk_vm_fini(&vm);
}

KTEST(uaccess, copies_fault_pages_in_and_cross_pages)
{
	struct mmk_vm_space a;
	mmk_kheap_init(&heap, ktest_env_kvm());
	MMK_ASSERT(mmk_vm_init(&vm, ktest_env_mmu(), ktest_env_malloc, ktest_env_free) == 0);
	ktest_vm_warm_up(&vm); /* the heap's slab pages for the VM's structures exist now */
	mmk_vm_fini(&vm);
	uint64_t free_before = ktest_env_pmm()->free_frames;
	setup(&a);
	mmk_vaddr_t va = UVA;
	KASSERT_EQ(mmk_vm_map_anon(&a, &va, 4 * P, URW), 0);
	char out[64], in[64];
	for (unsigned i = 0; i < sizeof(out); i++)
		out[i] = (char)(i * 7 + 1);
	/* Across the first page boundary, into pages never touched: demand-zero. */
	KEXPECT_EQ(mmk_copy_to_user(&a, UVA + P - 20, out, sizeof(out)), 0);
	KEXPECT_EQ(vm.stats.zero_fills, 2);
	KEXPECT_EQ(mmk_copy_from_user(&a, in, UVA + P - 20, sizeof(in)), 0);
	bool same = true;
	for (unsigned i = 0; i < sizeof(in); i++)
		same = same && in[i] == out[i];
	KEXPECT_TRUE(same);
	KEXPECT_EQ(mmk_copy_from_user(&a, in, UVA + 3 * P, 8), 0); /* zero-filled */
	KEXPECT_EQ(in[0] | in[7], 0);
	KEXPECT_EQ(mmk_copy_to_user(&a, UVA, out, 0), 0);
	KEXPECT_EQ(mmk_vm_space_destroy(&a), 0);
	teardown();
	KEXPECT_EQ(ktest_env_pmm()->free_frames, free_before); /* every frame back */
}

KTEST(uaccess, bad_user_pointers_are_refused)
{
	struct mmk_vm_space a;
	setup(&a);
	mmk_vaddr_t rw = UVA, ro = UVA + 16 * P, kernel_only = UVA + 32 * P;
	KASSERT_EQ(mmk_vm_map_anon(&a, &rw, 2 * P, URW), 0);
	KASSERT_EQ(mmk_vm_map_anon(&a, &ro, P, URO), 0);
	KASSERT_EQ(mmk_vm_map_anon(&a, &kernel_only, P, MMK_PROT_READ | MMK_PROT_WRITE), 0);
	char buf[16] = "0123456789abcde";
	uint64_t fills = vm.stats.zero_fills;
	struct mmk_mmu *mmu = ktest_env_mmu();
	KEXPECT_EQ(mmk_copy_to_user(&a, UVA + 8 * P, buf, 4), -MMK_EFAULT);     /* no region */
	KEXPECT_EQ(mmk_copy_to_user(&a, ro, buf, 4), -MMK_EFAULT);              /* read-only */
	KEXPECT_EQ(mmk_copy_from_user(&a, buf, kernel_only, 4), -MMK_EFAULT);   /* no USER */
	KEXPECT_EQ(mmk_copy_from_user(&a, buf, mmk_mmu_kernel_base(mmu), 4), -MMK_EFAULT);
	KEXPECT_EQ(mmk_copy_from_user(&a, buf, 0, 4), -MMK_EFAULT);             /* page 0 */
	KEXPECT_EQ(mmk_copy_from_user(&a, buf, mmk_mmu_user_end(mmu) - 2, 4), -MMK_EFAULT);
	KEXPECT_EQ(mmk_copy_from_user(&a, buf, (mmk_vaddr_t)-2, 4), -MMK_EFAULT); /* wraps */
	KEXPECT_EQ(mmk_copy_to_user(&a, rw + 2 * P - 2, buf, 4), -MMK_EFAULT);  /* runs off */
	KEXPECT_EQ(vm.stats.zero_fills, fills + 1); /* only the good page before it */
	KEXPECT_EQ(mmk_copy_from_user(&a, buf, ro, 4), 0); /* reading read-only is fine */
	KEXPECT_EQ(mmk_vm_space_destroy(&a), 0);
	teardown();
}

KTEST(uaccess, a_write_after_fork_copies_and_the_parent_keeps_its_data)
{
	struct mmk_vm_space a, b;
	setup(&a);
	mmk_vaddr_t va = UVA;
	KASSERT_EQ(mmk_vm_map_anon(&a, &va, P, URW), 0);
	KASSERT_EQ(mmk_copy_to_user(&a, UVA, "parent", 7), 0);
	KASSERT_EQ(mmk_vm_fork(&a, &b), 0);
	KEXPECT_EQ(mmk_copy_to_user(&b, UVA, "child!", 7), 0);
	char in[8];
	KEXPECT_EQ(mmk_copy_from_user(&a, in, UVA, 7), 0);
	KEXPECT_EQ(in[0], 'p');
	KEXPECT_EQ(mmk_copy_from_user(&b, in, UVA, 7), 0);
	KEXPECT_EQ(in[5], '!');
	KEXPECT_EQ(mmk_vm_space_destroy(&b), 0);
	KEXPECT_EQ(mmk_vm_space_destroy(&a), 0);
	teardown();
}

KTEST(uaccess, strings_stop_at_their_end_or_the_limit)
{
	struct mmk_vm_space a;
	setup(&a);
	mmk_vaddr_t va = UVA;
	KASSERT_EQ(mmk_vm_map_anon(&a, &va, 2 * P, URW), 0);
	KASSERT_EQ(mmk_copy_to_user(&a, UVA + P - 3, "hello", 6), 0); /* across pages */
	char s[16];
	KEXPECT_EQ(mmk_strncpy_from_user(&a, s, UVA + P - 3, sizeof(s)), 5);
	KEXPECT_EQ(s[4], 'o');
	KEXPECT_EQ(s[5], '\0');
	KEXPECT_EQ(mmk_strncpy_from_user(&a, s, UVA + P - 3, 3), -MMK_ERANGE);
	KASSERT_EQ(mmk_copy_to_user(&a, UVA + 2 * P - 2, "ab", 2), 0); /* no NUL before the end */
	KEXPECT_EQ(mmk_strncpy_from_user(&a, s, UVA + 2 * P - 2, sizeof(s)), -MMK_EFAULT);
	KEXPECT_EQ(mmk_vm_space_destroy(&a), 0);
	teardown();
}
