/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The AArch64 backend under QEMU, with the real (emulated) MMU: the kernel's layout as
 * the CPU sees it (TTBR1 kernel / TTBR0 empty under the kernel space, the direct map of
 * RAM, no identity map, the console page), the image's protections, data and
 * instruction aborts decoded and resolved, a user space switched to with its ASID, and
 * the heap/MMIO window. Compiled into the AArch64 kernel only.
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
#include "virt.h"

#define RW (MMK_PROT_READ | MMK_PROT_WRITE)
#define TEST_VA (KVM_BASE + 0x0000400000000000ull) /* in the window, far from both ends */
#define USER_VA 0x0000000010000000ull
#define ADDR_BITS 0x0000FFFFFFFFF000ull

extern char _start[];

static const uint32_t constant = 0xC0FFEE;
static uint32_t variable = 1;

static struct mmk_mmu *mmu(void)
{
	return kernel_mmu();
}

static uint64_t read_ttbr0(void)
{
	uint64_t v;
	__asm__ volatile("mrs %0, ttbr0_el1" : "=r"(v));
	return v;
}

static uint64_t read_ttbr1(void)
{
	uint64_t v;
	__asm__ volatile("mrs %0, ttbr1_el1" : "=r"(v));
	return v;
}

static uint64_t read_tcr(void)
{
	uint64_t v;
	__asm__ volatile("mrs %0, tcr_el1" : "=r"(v));
	return v;
}

/* ------------------------------------------------------------ the layout */

KTEST(vm_aarch64, ttbr1_holds_the_kernel_and_ttbr0_an_empty_root)
{
	KEXPECT_EQ(read_ttbr1() & ADDR_BITS, mmu()->kernel.root);
	KEXPECT_EQ(read_ttbr0(), mmu()->md.idle_root); /* ASID 0 */
	KEXPECT_EQ(read_tcr() & 0x3F, 16);             /* T0SZ: 48-bit user half */
	KEXPECT_EQ((read_tcr() >> 16) & 0x3F, 16);     /* T1SZ */
	KEXPECT_GE(mmu()->asids.bits, 8);
}

KTEST(vm_aarch64, ram_is_in_the_direct_map_and_the_identity_map_is_gone)
{
	mmk_paddr_t pa;
	KASSERT_EQ(mmk_pmm_alloc(ktest_env_pmm(), &pa), 0);
	volatile uint32_t *direct = arch_phys_to_virt(pa);
	KEXPECT_EQ((uintptr_t)direct, DIRECT_MAP + pa);
	struct mmk_mmu_mapping m;
	KASSERT_EQ(mmk_mmu_query(&mmu()->kernel, (mmk_vaddr_t)(uintptr_t)direct, &m), 0);
	KEXPECT_EQ(m.pa + ((uintptr_t)direct - m.va), pa);
	KEXPECT_FALSE(m.flags & MMK_PROT_EXEC); /* data, not code */
	KEXPECT_GE(m.page_shift, 21);           /* blocks */
	/* The same frame seen at a second address: one memory. */
	KASSERT_EQ(mmk_mmu_map(&mmu()->kernel, TEST_VA, pa, MMK_PAGE_SIZE, RW, 0), 0);
	direct[3] = 0x5EED;
	KEXPECT_EQ(((volatile uint32_t *)TEST_VA)[3], 0x5EED);
	KEXPECT_EQ(kernel_unmap_and_free(TEST_VA, MMK_PAGE_SIZE), 0);
	/* The stub ran at its physical address; nothing translates there now. */
	uint32_t v;
	KEXPECT_EQ(ktest_env_access((uintptr_t)_start, false, &v), -MMK_EFAULT);
	KEXPECT_EQ(ktest_env_access(VIRT_RAM_BASE, false, &v), -MMK_EFAULT);
	KEXPECT_EQ(ktest_env_access(DEVICE_VA, false, &v), -MMK_EFAULT); /* the boot's GiB */
}

KTEST(vm_aarch64, the_image_has_its_own_protection)
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

KTEST(vm_aarch64, the_console_is_a_device_page)
{
	struct mmk_mmu_mapping m;
	KASSERT_EQ(mmk_mmu_query(&mmu()->kernel, CONSOLE_VA, &m), 0);
	KEXPECT_EQ(m.pa, VIRT_UART_PA);
	KEXPECT_EQ(m.page_shift, 12);
	KEXPECT_EQ(m.flags & MMK_CACHE_MASK, MMK_CACHE_UC);
	KEXPECT_FALSE(m.flags & MMK_PROT_EXEC);
	uint32_t v;
	KEXPECT_EQ(ktest_env_access(CONSOLE_VA + MMK_PAGE_SIZE, false, &v), -MMK_EFAULT);
}

/* ------------------------------------------------------------ aborts */

/* ESR_EL1 (ARM ARM D13.2): EC bits 31:26, the fault status code bits 5:0. */
static unsigned class_of(const struct mmk_fault *f)
{
	return (unsigned)(f->arch_code >> 26) & 0x3F;
}

static unsigned status_of(const struct mmk_fault *f)
{
	return (unsigned)f->arch_code & 0x3F;
}

KTEST(vm_aarch64, a_translation_fault_is_decoded_and_resolved)
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
	KEXPECT_EQ(seen.last.addr, TEST_VA + 0x20010); /* FAR_EL1 */
	KEXPECT_EQ(seen.last.access, MMK_ACCESS_READ); /* WnR clear */
	KEXPECT_FALSE(seen.last.present);
	KEXPECT_FALSE(seen.last.user);
	KEXPECT_EQ(class_of(&seen.last), 0x25);        /* data abort, same EL */
	KEXPECT_EQ(status_of(&seen.last) >> 2, 1);     /* translation fault, some level */
	KEXPECT_EQ(kernel_unmap_and_free(TEST_VA + 0x20000, MMK_PAGE_SIZE), 0);
	KEXPECT_EQ(ktest_env_pmm()->free_frames, free_before);
}

KTEST(vm_aarch64, a_write_to_a_read_only_page_is_a_permission_fault)
{
	struct seen_fault seen;
	mmk_paddr_t pa;
	KASSERT_EQ(mmk_pmm_alloc(ktest_env_pmm(), &pa), 0);
	KASSERT_EQ(mmk_mmu_map(&mmu()->kernel, TEST_VA + 0x30000, pa, MMK_PAGE_SIZE, MMK_PROT_READ, 0), 0);
	volatile uint32_t *p = (volatile uint32_t *)(TEST_VA + 0x30008);
	uint32_t before = *p; /* reading is fine */
	catch_kernel_faults(&seen, RW);
	*p = before + 1; /* AP[2]: read-only for EL1 too */
	stop_catching_kernel_faults(&seen);
	KEXPECT_EQ(*p, before + 1);
	KEXPECT_EQ(seen.count, 1);
	KEXPECT_EQ(seen.last.addr, TEST_VA + 0x30008);
	KEXPECT_EQ(seen.last.access, MMK_ACCESS_WRITE); /* WnR set */
	KEXPECT_TRUE(seen.last.present);
	KEXPECT_EQ(status_of(&seen.last), 0x0F); /* permission fault, level 3 */
	KEXPECT_EQ(kernel_unmap_and_free(TEST_VA + 0x30000, MMK_PAGE_SIZE), 0);
}

KTEST(vm_aarch64, fetching_from_a_never_execute_page_is_an_instruction_abort)
{
	struct seen_fault seen;
	mmk_paddr_t pa;
	mmk_vaddr_t code = TEST_VA + 0x40000;
	KASSERT_EQ(mmk_pmm_alloc(ktest_env_pmm(), &pa), 0);
	KASSERT_EQ(mmk_mmu_map(&mmu()->kernel, code, pa, MMK_PAGE_SIZE, RW, 0), 0);
	volatile uint32_t *insn = (volatile uint32_t *)code;
	insn[0] = 0x52800540u; /* mov w0, #42 */
	insn[1] = 0xD65F03C0u; /* ret */
	/* No cache maintenance here: mmk_mmu_protect cleans the frame to the point of
	 * unification and invalidates the instruction cache before it grants execute. */
	catch_kernel_faults(&seen, MMK_PROT_READ | MMK_PROT_EXEC);
	int (*fn)(void) = (int (*)(void))code;
	int r = fn(); /* PXN: aborts; the handler makes the page executable (and read-only) */
	stop_catching_kernel_faults(&seen);
	KEXPECT_EQ(r, 42);
	KEXPECT_EQ(seen.count, 1);
	KEXPECT_EQ(seen.last.addr, code);
	KEXPECT_EQ(seen.last.pc, code);
	KEXPECT_EQ(seen.last.access, MMK_ACCESS_EXEC);
	KEXPECT_TRUE(seen.last.present);
	KEXPECT_EQ(class_of(&seen.last), 0x21);  /* instruction abort, same EL */
	KEXPECT_EQ(status_of(&seen.last), 0x0F); /* permission fault, level 3 */
	KEXPECT_EQ(kernel_unmap_and_free(code, MMK_PAGE_SIZE), 0);
}

/* ------------------------------------------------------------ spaces, MMIO */

KTEST(vm_aarch64, a_user_space_is_switched_to_with_its_asid)
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
	uint64_t ttbr0 = read_ttbr0();
	*(volatile uint32_t *)USER_VA = 77;
	uint32_t in_frame = *(volatile uint32_t *)arch_phys_to_virt(pa);
	mmk_mmu_activate(previous);
	uint32_t v;
	KEXPECT_EQ(ktest_env_access(USER_VA, false, &v), -MMK_EFAULT); /* not in this space */
	KEXPECT_EQ(in_frame, 77);
	KEXPECT_EQ(ttbr0 & ADDR_BITS, u.root);
	KEXPECT_NE(u.asid, 0);
	KEXPECT_EQ(ttbr0 >> 48, u.asid);
	KEXPECT_EQ(read_ttbr0() >> 48, 0);
	KEXPECT_EQ(mmk_mmu_space_destroy(&u, mmk_pmm_release_frames, pmm), 0);
	KEXPECT_EQ(pmm->free_frames, free_before);
}

KTEST(vm_aarch64, heap_grows_up_and_mmio_down_in_the_kernel_window)
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
