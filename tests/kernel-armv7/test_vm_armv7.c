/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The ARMv7 backend under QEMU, with the real (emulated) MMU: the kernel's layout as the
 * CPU sees it (TTBR0/TTBR1 split, RAM at 2 GiB, no identity map, the console and the
 * high vectors), the image's protections, data and prefetch aborts decoded and
 * resolved, a user space switched to with its ASID, and MMIO mapped down from
 * 0xFFF00000. Compiled into the ARMv7 kernel only.
 */
#include <mmukit/errno.h>
#include <mmukit/fault.h>
#include <mmukit/kheap.h>
#include <mmukit/ktest.h>
#include <mmukit/kvm.h>
#include <mmukit/mmu.h>
#include <mmukit/pmm.h>

#include "platform.h"
#include "tests/kernel-common/faults.h"
#include "trap.h"
#include "virt.h"

#define RW (MMK_PROT_READ | MMK_PROT_WRITE)
#define TEST_VA 0xE0000000u /* in the heap/MMIO window, far from both ends */
#define USER_VA 0x10000000u

extern char _start[], _vectors_start[], _vectors_end[];

static const uint32_t constant = 0xC0FFEE;
static uint32_t variable = 1;

static struct mmk_mmu *mmu(void)
{
	return kernel_mmu();
}

static uint32_t read_ttbcr(void)
{
	uint32_t v;
	__asm__ volatile("mrc p15, 0, %0, c2, c0, 2" : "=r"(v));
	return v;
}

static uint32_t read_ttbr0(void)
{
	uint32_t v;
	__asm__ volatile("mrc p15, 0, %0, c2, c0, 0" : "=r"(v));
	return v;
}

static uint32_t read_ttbr1(void)
{
	uint32_t v;
	__asm__ volatile("mrc p15, 0, %0, c2, c0, 1" : "=r"(v));
	return v;
}

static uint32_t read_contextidr(void)
{
	uint32_t v;
	__asm__ volatile("mrc p15, 0, %0, c13, c0, 1" : "=r"(v));
	return v;
}

/* ------------------------------------------------------------ the layout */

KTEST(vm_armv7, ttbr1_holds_the_kernel_and_ttbr0_the_active_space)
{
	KEXPECT_EQ(read_ttbcr() & 7u, 1); /* N = 1: TTBR0 below 2 GiB */
	KEXPECT_EQ(read_ttbr1() & ~0x3FFFu, mmu()->kernel.root);
	KEXPECT_EQ(read_ttbr0() & ~0x1FFFu, mmu()->md.idle_root); /* the kernel space is active */
	KEXPECT_EQ(read_contextidr() & 0xFFu, 0);
}

KTEST(vm_armv7, ram_is_linear_at_2_gib_and_the_identity_map_is_gone)
{
	mmk_paddr_t pa;
	KASSERT_EQ(mmk_pmm_alloc(ktest_env_pmm(), &pa), 0);
	volatile uint32_t *linear = arch_phys_to_virt(pa);
	KEXPECT_EQ((uintptr_t)linear, LINEAR_BASE_VA + (pa - VIRT_RAM_BASE));
	struct mmk_mmu_mapping m;
	KASSERT_EQ(mmk_mmu_query(&mmu()->kernel, (mmk_vaddr_t)(uintptr_t)linear, &m), 0);
	KEXPECT_EQ(m.pa + ((uintptr_t)linear - m.va), pa);
	KEXPECT_FALSE(m.flags & MMK_PROT_EXEC); /* data, not code */
	/* The same frame seen at a second address: one memory. */
	KASSERT_EQ(mmk_mmu_map(&mmu()->kernel, TEST_VA, pa, MMK_PAGE_SIZE, RW, 0), 0);
	linear[3] = 0x5EED;
	KEXPECT_EQ(((volatile uint32_t *)TEST_VA)[3], 0x5EED);
	KEXPECT_EQ(kernel_unmap_and_free(TEST_VA, MMK_PAGE_SIZE), 0);
	/* The stub ran at its physical address; nothing translates there now. */
	uint32_t v;
	KEXPECT_EQ(ktest_env_access((uintptr_t)_start, false, &v), -MMK_EFAULT);
	KEXPECT_EQ(ktest_env_access(VIRT_RAM_BASE, false, &v), -MMK_EFAULT);
}

KTEST(vm_armv7, the_image_has_its_own_protection)
{
	unsigned text = kernel_flags_at((mmk_vaddr_t)(uintptr_t)kernel_flags_at);
	unsigned ro = kernel_flags_at((mmk_vaddr_t)(uintptr_t)&constant);
	unsigned rw = kernel_flags_at((mmk_vaddr_t)(uintptr_t)&variable);
	KEXPECT_TRUE(text & MMK_PROT_EXEC);
	KEXPECT_FALSE(text & MMK_PROT_WRITE);
	KEXPECT_FALSE(ro & (MMK_PROT_WRITE | MMK_PROT_EXEC));
	KEXPECT_TRUE(rw & MMK_PROT_WRITE);
	KEXPECT_FALSE(rw & MMK_PROT_EXEC);
	KEXPECT_TRUE(text & ro & rw & MMK_PROT_GLOBAL);
	uint32_t v = 7;
	KEXPECT_EQ(ktest_env_access((uintptr_t)&constant, true, &v), -MMK_EFAULT);
	KEXPECT_EQ(constant, 0xC0FFEE);
	KEXPECT_EQ(ktest_env_access((uintptr_t)&variable, true, &v), 0);
	KEXPECT_EQ(variable, 7);
}

KTEST(vm_armv7, vectors_are_high_and_the_console_is_a_device_page)
{
	struct mmk_mmu_mapping m;
	KEXPECT_TRUE(armv7_high_vectors());
	KASSERT_EQ(mmk_mmu_query(&mmu()->kernel, ARMV7_HIGH_VECTORS, &m), 0);
	KEXPECT_EQ(m.pa, (uintptr_t)_vectors_start - LINEAR_BASE_VA + VIRT_RAM_BASE);
	KEXPECT_EQ(m.page_shift, 12);
	KEXPECT_EQ(m.flags & (MMK_PROT_WRITE | MMK_PROT_EXEC | MMK_PROT_USER), MMK_PROT_EXEC);
	const volatile uint32_t *high = (const volatile uint32_t *)ARMV7_HIGH_VECTORS;
	const uint32_t *image = (const uint32_t *)_vectors_start;
	unsigned differ = 0;
	for (unsigned i = 0; i < 16; i++) /* the eight entries and their literals */
		differ += high[i] != image[i];
	KEXPECT_EQ(differ, 0);
	KASSERT_EQ(mmk_mmu_query(&mmu()->kernel, CONSOLE_VA, &m), 0);
	KEXPECT_EQ(m.pa, VIRT_UART_PA);
	KEXPECT_EQ(m.flags & MMK_CACHE_MASK, MMK_CACHE_UC);
	KEXPECT_FALSE(m.flags & MMK_PROT_EXEC);
}

/* ------------------------------------------------------------ aborts */

/* DFSR/IFSR status (B4.1.52): FS[4] is bit 10. */
static unsigned status_of(const struct mmk_fault *f)
{
	return (unsigned)((f->arch_code & 0xF) | ((f->arch_code >> 6) & 0x10));
}

KTEST(vm_armv7, a_translation_fault_is_decoded_and_resolved)
{
	struct seen_fault seen;
	uint64_t free_before = ktest_env_pmm()->free_frames;
	catch_kernel_faults(&seen, 0);
	volatile uint32_t *p = (volatile uint32_t *)(TEST_VA + 0x20010);
	uint32_t first = *p; /* faults: nothing mapped there */
	*p = 0x1234;         /* mapped writable by the handler: no fault */
	uint32_t back = *p;
	stop_catching_kernel_faults(&seen);
	KEXPECT_EQ(first, 0);
	KEXPECT_EQ(back, 0x1234);
	KEXPECT_EQ(seen.count, 1);
	KEXPECT_EQ(seen.last.addr, TEST_VA + 0x20010); /* DFAR */
	KEXPECT_EQ(seen.last.access, MMK_ACCESS_READ); /* DFSR.WnR clear */
	KEXPECT_FALSE(seen.last.present);
	KEXPECT_FALSE(seen.last.user);
	unsigned fs = status_of(&seen.last);
	KEXPECT_TRUE(fs == 0x05 || fs == 0x07); /* translation, section or page */
	KEXPECT_EQ(kernel_unmap_and_free(TEST_VA + 0x20000, MMK_PAGE_SIZE), 0);
	KEXPECT_EQ(ktest_env_pmm()->free_frames, free_before);
}

KTEST(vm_armv7, a_write_to_a_read_only_page_is_a_permission_fault)
{
	struct seen_fault seen;
	mmk_paddr_t pa;
	KASSERT_EQ(mmk_pmm_alloc(ktest_env_pmm(), &pa), 0);
	KASSERT_EQ(mmk_mmu_map(&mmu()->kernel, TEST_VA + 0x30000, pa, MMK_PAGE_SIZE, MMK_PROT_READ, 0), 0);
	volatile uint32_t *p = (volatile uint32_t *)(TEST_VA + 0x30008);
	uint32_t before = *p; /* reading is fine */
	catch_kernel_faults(&seen, RW);
	*p = before + 1; /* APX: read-only for the kernel too */
	stop_catching_kernel_faults(&seen);
	KEXPECT_EQ(*p, before + 1);
	KEXPECT_EQ(seen.count, 1);
	KEXPECT_EQ(seen.last.addr, TEST_VA + 0x30008);
	KEXPECT_EQ(seen.last.access, MMK_ACCESS_WRITE); /* DFSR.WnR set */
	KEXPECT_TRUE(seen.last.present);
	KEXPECT_EQ(status_of(&seen.last), 0x0F); /* permission fault, page */
	KEXPECT_EQ(kernel_unmap_and_free(TEST_VA + 0x30000, MMK_PAGE_SIZE), 0);
}

KTEST(vm_armv7, fetching_from_a_never_execute_page_is_a_prefetch_abort)
{
	struct seen_fault seen;
	mmk_paddr_t pa;
	mmk_vaddr_t code = TEST_VA + 0x40000;
	KASSERT_EQ(mmk_pmm_alloc(ktest_env_pmm(), &pa), 0);
	KASSERT_EQ(mmk_mmu_map(&mmu()->kernel, code, pa, MMK_PAGE_SIZE, RW, 0), 0);
	volatile uint32_t *insn = (volatile uint32_t *)code;
	insn[0] = 0xE3A0002Au; /* mov r0, #42 */
	insn[1] = 0xE12FFF1Eu; /* bx lr */
	/* No cache maintenance here: mmk_mmu_protect cleans the frame to the point of
	 * unification and invalidates the instruction cache before it grants execute. */
	catch_kernel_faults(&seen, MMK_PROT_READ | MMK_PROT_EXEC);
	int (*fn)(void) = (int (*)(void))code;
	int r = fn(); /* XN: aborts; the handler makes the page executable (and read-only) */
	stop_catching_kernel_faults(&seen);
	KEXPECT_EQ(r, 42);
	KEXPECT_EQ(seen.count, 1);
	KEXPECT_EQ(seen.last.addr, code); /* IFAR */
	KEXPECT_EQ(seen.last.pc, code);
	KEXPECT_EQ(seen.last.access, MMK_ACCESS_EXEC);
	KEXPECT_TRUE(seen.last.present);
	KEXPECT_EQ(status_of(&seen.last), 0x0F); /* IFSR: permission fault, page */
	KEXPECT_EQ(kernel_unmap_and_free(code, MMK_PAGE_SIZE), 0);
}

/* ------------------------------------------------------------ spaces, MMIO */

KTEST(vm_armv7, a_user_space_is_switched_to_with_its_asid)
{
	struct mmk_mmu_space u;
	struct mmk_pmm *pmm = ktest_env_pmm();
	uint64_t free_before = pmm->free_frames;
	mmk_paddr_t pa;
	KASSERT_EQ(mmk_mmu_space_create(mmu(), &u), 0);
	KASSERT_EQ(mmk_pmm_alloc(pmm, &pa), 0);
	KASSERT_EQ(mmk_mmu_map(&u, USER_VA, pa, MMK_PAGE_SIZE, RW | MMK_PROT_USER, 0), 0);
	struct mmk_mmu_space *previous = mmu()->active;
	mmk_mmu_activate(&u);
	uint32_t ttbr0 = read_ttbr0(), asid = read_contextidr() & 0xFFu;
	*(volatile uint32_t *)USER_VA = 77;
	uint32_t in_frame = *(volatile uint32_t *)arch_phys_to_virt(pa);
	mmk_mmu_activate(previous);
	uint32_t v;
	KEXPECT_EQ(ktest_env_access(USER_VA, false, &v), -MMK_EFAULT); /* not in this space */
	KEXPECT_EQ(in_frame, 77);
	KEXPECT_EQ(ttbr0 & ~0x1FFFu, u.root);
	KEXPECT_NE(u.asid, 0);
	KEXPECT_EQ(asid, u.asid);
	KEXPECT_EQ(read_contextidr() & 0xFFu, 0);
	KEXPECT_EQ(mmk_mmu_space_destroy(&u, mmk_pmm_release_frames, pmm), 0);
	KEXPECT_EQ(pmm->free_frames, free_before);
}

KTEST(vm_armv7, heap_grows_up_from_0xc0000000_and_mmio_down_from_0xfff00000)
{
	void *p = mmk_kmalloc(64);
	KASSERT_TRUE(p != NULL);
	KEXPECT_TRUE((uintptr_t)p >= KVM_BASE && (uintptr_t)p < KVM_BASE + 0x10000000u);
	KEXPECT_EQ(mmk_kfree(p), 0);
	/* The PL011 again, through the window: its identification registers (PL011 TRM
	 * 3.3.14-3.3.15: UARTPeriphID0 0x11, UARTPCellID0 0x0D). */
	struct mmk_kvm_pages uart;
	mmk_vaddr_t va;
	KASSERT_EQ(mmk_kvm_map_mmio(kernel_kvm(), &uart, VIRT_UART_PA, MMK_PAGE_SIZE, MMK_CACHE_UC, &va), 0);
	KEXPECT_TRUE(va < KVM_TOP && va >= KVM_TOP - 0x100000u);
	KEXPECT_EQ(*(volatile uint32_t *)(va + 0xFE0) & 0xFFu, 0x11);
	KEXPECT_EQ(*(volatile uint32_t *)(va + 0xFF0) & 0xFFu, 0x0D);
	KEXPECT_EQ(kernel_flags_at(va) & MMK_CACHE_MASK, MMK_CACHE_UC);
	KEXPECT_EQ(mmk_kvm_pages_release(&uart, false), 0);
}
