/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The i386 backend under QEMU, with the real (emulated) MMU: memory above 4 MiB used
 * through a new mapping, the recursive window read as the CPU resolves it, and page
 * faults taken, decoded and resolved. Compiled into the i386 kernel only.
 */
#include <mmukit/errno.h>
#include <mmukit/fault.h>
#include <mmukit/ktest.h>
#include <mmukit/mmu.h>
#include <mmukit/pmm.h>

#include "platform.h"
#include "tests/kernel-common/faults.h"

#define RW (MMK_PROT_READ | MMK_PROT_WRITE)
#define TEST_VA 0xD0000000u
#define SELF_WINDOW 0xFFC00000u
#define SELF_PD 0xFFFFF000u
#define AD_BITS 0x60u /* accessed/dirty: the CPU sets them, even in the recursive slot */

static struct mmk_mmu *mmu(void)
{
	return kernel_mmu();
}

/* Unmaps kernel pages; their frames (single PMM frames) go back with the batch. */
static int unmap_freeing(struct mmk_mmu_space *space, mmk_vaddr_t va, mmk_vsize_t size)
{
	struct mmk_mmu_batch b;
	mmk_mmu_batch_begin(&b, space, mmk_pmm_release_frames, ktest_env_pmm());
	int err = mmk_mmu_unmap(space, va, size, &b);
	mmk_mmu_batch_finish(&b);
	return err;
}

/* Takes a frame at or above 4 MiB (memory beyond the 4 MiB the boot maps). */
static int frame_above_4mib(mmk_paddr_t *out)
{
	static mmk_paddr_t low[1024];
	unsigned n = 0;
	int err;
	while ((err = mmk_pmm_alloc(ktest_env_pmm(), out)) == 0 && *out < 4 * MMK_MIB && n < 1024)
		low[n++] = *out;
	while (n > 0)
		mmk_pmm_free(ktest_env_pmm(), low[--n]);
	if (err == 0 && *out < 4 * MMK_MIB) {
		mmk_pmm_free(ktest_env_pmm(), *out);
		return -MMK_ENOMEM;
	}
	return err;
}

/* Whether the machine has usable RAM at or above 4 MiB (not with MEM=4M). */
static bool ram_above_4mib(void)
{
	const struct mmk_memmap *m = ktest_env_memmap();
	for (unsigned i = 0; i < m->count; i++)
		if (m->range[i].type == MMK_MEM_USABLE &&
		    m->range[i].base + m->range[i].size > 4 * MMK_MIB)
			return true;
	return false;
}

KTEST(vm_i386, a_frame_above_4mib_mapped_and_used)
{
	if (!ram_above_4mib())
		KTEST_SKIP("no RAM at or above 4 MiB on this machine");
	struct mmk_pmm *pmm = ktest_env_pmm();
	const volatile uint32_t *pd = (const volatile uint32_t *)SELF_PD;
	bool had_table = pd[TEST_VA >> 22] & 1;
	uint64_t free_before = pmm->free_frames;
	mmk_paddr_t pa;
	KASSERT_EQ(frame_above_4mib(&pa), 0);
	KEXPECT_GE(pa, 4 * MMK_MIB);
	KASSERT_EQ(mmk_mmu_map(&mmu()->kernel, TEST_VA, pa, MMK_PAGE_SIZE, RW, 0), 0);
	volatile uint32_t *p = (volatile uint32_t *)TEST_VA;
	for (unsigned i = 0; i < 1024; i++)
		p[i] = 0xA5A50000u + i;
	unsigned wrong = 0;
	for (unsigned i = 0; i < 1024; i++)
		wrong += p[i] != 0xA5A50000u + i;
	KEXPECT_EQ(wrong, 0);
	struct mmk_mmu_mapping q;
	KASSERT_EQ(mmk_mmu_query(&mmu()->kernel, TEST_VA + 0x123, &q), 0);
	KEXPECT_EQ(q.pa, pa);
	KEXPECT_EQ(q.page_shift, 12);
	KEXPECT_EQ(unmap_freeing(&mmu()->kernel, TEST_VA, MMK_PAGE_SIZE), 0);
	KEXPECT_EQ(mmk_mmu_query(&mmu()->kernel, TEST_VA, &q), -MMK_ENOENT);
	/* Everything came back but a first kernel table there, which is kept. */
	KEXPECT_EQ(pmm->free_frames, free_before - (had_table ? 0 : 1));
}

/* Maps frame pa read-only at a second address, to compare a window with the frame. */
static const volatile uint32_t *physical_copy(mmk_paddr_t pa)
{
	if (mmk_mmu_map(&mmu()->kernel, TEST_VA + 0x10000, pa, MMK_PAGE_SIZE, MMK_PROT_READ, 0))
		return NULL;
	return (const volatile uint32_t *)(TEST_VA + 0x10000);
}

static void drop_physical_copy(void)
{
	mmk_mmu_unmap(&mmu()->kernel, TEST_VA + 0x10000, MMK_PAGE_SIZE, NULL);
}

KTEST(vm_i386, the_directory_through_0xfffff000_matches_the_frame)
{
	const volatile uint32_t *pd = (const volatile uint32_t *)SELF_PD;
	KEXPECT_EQ(pd[1023] & ~0xFFFu & ~AD_BITS, mmu()->active->root);
	const volatile uint32_t *copy = physical_copy(mmu()->active->root);
	KASSERT_TRUE(copy != NULL);
	unsigned differ = 0;
	for (unsigned i = 0; i < 1024; i++)
		differ += (pd[i] & ~AD_BITS) != (copy[i] & ~AD_BITS);
	drop_physical_copy();
	KEXPECT_EQ(differ, 0);
}

KTEST(vm_i386, a_table_through_0xffc00000_matches_the_frame)
{
	/* Make sure directory entry 832 (0xD0000000) has a table, then read it both ways. */
	mmk_paddr_t pa;
	KASSERT_EQ(mmk_pmm_alloc(ktest_env_pmm(), &pa), 0);
	KASSERT_EQ(mmk_mmu_map(&mmu()->kernel, TEST_VA + 0x5000, pa, MMK_PAGE_SIZE, RW, 0), 0);
	const volatile uint32_t *pd = (const volatile uint32_t *)SELF_PD;
	unsigned pdi = TEST_VA >> 22;
	const volatile uint32_t *table = (const volatile uint32_t *)(SELF_WINDOW + pdi * 4096);
	KEXPECT_EQ(table[5] & ~0xFFFu, pa);
	const volatile uint32_t *copy = physical_copy(pd[pdi] & ~0xFFFu);
	KASSERT_TRUE(copy != NULL);
	unsigned differ = 0;
	for (unsigned i = 0; i < 1024; i++)
		differ += (table[i] & ~AD_BITS) != (copy[i] & ~AD_BITS);
	drop_physical_copy();
	KEXPECT_EQ(differ, 0);
	KEXPECT_EQ(unmap_freeing(&mmu()->kernel, TEST_VA + 0x5000, MMK_PAGE_SIZE), 0);
}

/* ------------------------------------------------------------ faults */

KTEST(vm_i386, a_not_present_fault_is_decoded_and_resolved)
{
	struct seen_fault seen;
	uint64_t free_before = ktest_env_pmm()->free_frames;
	catch_kernel_faults(&seen, RW);
	volatile uint32_t *p = (volatile uint32_t *)(TEST_VA + 0x20010);
	*p = 0x1234; /* faults: nothing mapped there */
	uint32_t back = *p;
	stop_catching_kernel_faults(&seen);
	KEXPECT_EQ(back, 0x1234);
	KEXPECT_EQ(seen.count, 1);
	KEXPECT_EQ(seen.last.addr, TEST_VA + 0x20010); /* CR2 */
	KEXPECT_EQ(seen.last.access, MMK_ACCESS_WRITE);
	KEXPECT_FALSE(seen.last.present);
	KEXPECT_FALSE(seen.last.user);
	KEXPECT_EQ(seen.last.arch_code, 0x2); /* error code: write, supervisor, not present */
	KEXPECT_EQ(unmap_freeing(&mmu()->kernel, TEST_VA + 0x20000, MMK_PAGE_SIZE), 0);
	KEXPECT_EQ(ktest_env_pmm()->free_frames, free_before);
}

KTEST(vm_i386, a_write_to_a_read_only_page_is_decoded_and_resolved)
{
	struct seen_fault seen;
	mmk_paddr_t pa;
	KASSERT_EQ(mmk_pmm_alloc(ktest_env_pmm(), &pa), 0);
	KASSERT_EQ(mmk_mmu_map(&mmu()->kernel, TEST_VA + 0x30000, pa, MMK_PAGE_SIZE, MMK_PROT_READ, 0), 0);
	volatile uint32_t *p = (volatile uint32_t *)(TEST_VA + 0x30008);
	uint32_t before = *p; /* reading is fine */
	catch_kernel_faults(&seen, RW);
	*p = before + 1; /* CR0.WP: the kernel cannot write a read-only page either */
	stop_catching_kernel_faults(&seen);
	KEXPECT_EQ(*p, before + 1);
	KEXPECT_EQ(seen.count, 1);
	KEXPECT_EQ(seen.last.addr, TEST_VA + 0x30008);
	KEXPECT_EQ(seen.last.access, MMK_ACCESS_WRITE);
	KEXPECT_TRUE(seen.last.present);
	KEXPECT_EQ(seen.last.arch_code, 0x3); /* write, supervisor, protection */
	KEXPECT_EQ(unmap_freeing(&mmu()->kernel, TEST_VA + 0x30000, MMK_PAGE_SIZE), 0);
}

KTEST(vm_i386, a_user_space_is_switched_to_and_back)
{
	struct mmk_mmu_space u;
	struct mmk_pmm *pmm = ktest_env_pmm();
	uint64_t free_before = pmm->free_frames;
	mmk_paddr_t pa;
	KASSERT_EQ(mmk_mmu_space_create(mmu(), &u), 0);
	KASSERT_EQ(mmk_pmm_alloc(pmm, &pa), 0);
	/* Mapped while the kernel space is active: through the alternate window. */
	KASSERT_EQ(mmk_mmu_map(&u, 0x40000000u, pa, MMK_PAGE_SIZE, RW | MMK_PROT_USER, 0), 0);
	struct mmk_mmu_space *previous = mmu()->active;
	mmk_mmu_activate(&u);
	volatile uint32_t *p = (volatile uint32_t *)0x40000000u;
	*p = 77;
	const volatile uint32_t *pd = (const volatile uint32_t *)SELF_PD;
	uint32_t self = pd[1023] & ~0xFFFu & ~AD_BITS;
	uint32_t value = *p;
	mmk_mmu_activate(previous);
	KEXPECT_EQ(value, 77);
	KEXPECT_EQ(self, u.root);
	KEXPECT_EQ(mmk_mmu_space_destroy(&u, mmk_pmm_release_frames, pmm), 0);
	KEXPECT_EQ(pmm->free_frames, free_before);
}

/* One map/unmap of 8 pages at va; returns the number of failed steps. */
static unsigned map_touch_unmap(mmk_vaddr_t va, unsigned round)
{
	struct mmk_pmm *pmm = ktest_env_pmm();
	unsigned errors = 0;
	mmk_paddr_t pa;
	if (mmk_pmm_alloc_block(pmm, 3, &pa))
		return 1;
	if (mmk_mmu_map(&mmu()->kernel, va, pa, 8 * MMK_PAGE_SIZE, RW, 0))
		errors++;
	else
		((volatile uint32_t *)va)[round] = round;
	if (mmk_mmu_unmap(&mmu()->kernel, va, 8 * MMK_PAGE_SIZE, NULL))
		errors++;
	if (mmk_pmm_free_block(pmm, pa, 3))
		errors++;
	return errors;
}

KTEST(vm_i386, map_unmap_cycles_leave_free_frames_unchanged)
{
	struct mmk_pmm *pmm = ktest_env_pmm();
	mmk_vaddr_t va = 0xE0000000u;
	/* The first map there adds a kernel table, kept for good: shared by every space. */
	uint64_t free_before = pmm->free_frames;
	KEXPECT_EQ(map_touch_unmap(va, 0), 0);
	KEXPECT_EQ(pmm->free_frames, free_before - 1);
	free_before = pmm->free_frames;
	unsigned errors = 0;
	for (unsigned round = 1; round < 50; round++)
		errors += map_touch_unmap(va + (round % 4) * 0x10000, round);
	KEXPECT_EQ(errors, 0);
	KEXPECT_EQ(pmm->free_frames, free_before);
	KEXPECT_EQ(mmk_pmm_check(pmm), 0);
}
