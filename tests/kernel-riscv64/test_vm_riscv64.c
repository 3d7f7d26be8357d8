/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The riscv64 backend under QEMU, on the real (emulated) hart: satp as the backend set
 * it (MODE, ASID, root), the direct map and no identity map, the image's protections,
 * load / store / instruction page faults decoded and resolved, accessed bits cleared and
 * set again, a user space switched to with its ASID, and MMIO mapped down from KVM_TOP.
 * Compiled into the riscv64 kernel only.
 */
#include <mmukit/errno.h>
#include <mmukit/fault.h>
#include <mmukit/kheap.h>
#include <mmukit/ktest.h>
#include <mmukit/kvm.h>
#include <mmukit/mmu.h>
#include <mmukit/pmm.h>
#include <mmukit/pt.h>

#include "layout.h"
#include "platform.h"
#include "tests/kernel-common/faults.h"
#include "pte.h"

#define RW (MMK_PROT_READ | MMK_PROT_WRITE)
#define TEST_VA (KVM_BASE + 0x40000000ull) /* in the window, far from both ends */
#define USER_VA 0x10000000ull
#define SSTATUS_SUM (1ull << 18)

extern char _start[];

static const uint32_t constant = 0xC0FFEE;
static uint32_t variable = 1;

static struct mmk_mmu *mmu(void)
{
	return kernel_mmu();
}

static uint64_t read_satp(void)
{
	uint64_t v;
	__asm__ volatile("csrr %0, satp" : "=r"(v));
	return v;
}

static uint64_t read_sstatus(void)
{
	uint64_t v;
	__asm__ volatile("csrr %0, sstatus" : "=r"(v));
	return v;
}

/* ------------------------------------------------------------ the layout */

KTEST(vm_riscv64, satp_holds_the_kernel_root_with_asid_0)
{
	uint64_t satp = read_satp();
	unsigned mode = (unsigned)(satp >> SATP_MODE_SHIFT);
	KEXPECT_TRUE(mode == SATP_MODE_SV39 || mode == SATP_MODE_SV48);
	KEXPECT_EQ(mode, mmu()->fmt->levels == 4 ? SATP_MODE_SV48 : SATP_MODE_SV39);
	KEXPECT_EQ((satp & SATP_PPN_MASK) << 12, mmu()->kernel.root);
	KEXPECT_EQ((satp >> SATP_ASID_SHIFT) & SATP_ASID_MASK, 0u);
	KEXPECT_FALSE(read_sstatus() & SSTATUS_SUM); /* set only inside the probes */
	ktest_log("%s, %u-bit ASIDs", mmu()->fmt->name, mmu()->asids.bits);
}

KTEST(vm_riscv64, ram_is_in_the_direct_map_and_the_identity_map_is_gone)
{
	mmk_paddr_t pa;
	KASSERT_EQ(mmk_pmm_alloc(ktest_env_pmm(), &pa), 0);
	volatile uint32_t *direct = arch_phys_to_virt(pa);
	KEXPECT_EQ((uintptr_t)direct, DIRECT_BASE + pa);
	struct mmk_mmu_mapping m;
	KASSERT_EQ(mmk_mmu_query(&mmu()->kernel, (uintptr_t)direct, &m), 0);
	KEXPECT_EQ(m.pa + ((uintptr_t)direct - m.va), pa);
	KEXPECT_FALSE(m.flags & MMK_PROT_EXEC);
	/* Past the image, RAM is mapped with megapages (gigapages from 0xC0000000). */
	KASSERT_EQ(mmk_mmu_query(&mmu()->kernel, DIRECT_BASE + VIRT_RAM_BASE + 0x1000000, &m), 0);
	KEXPECT_TRUE(m.page_shift == 21 || m.page_shift == 30);
	KASSERT_EQ(mmk_mmu_map(&mmu()->kernel, TEST_VA, pa, MMK_PAGE_SIZE, RW, 0), 0);
	direct[3] = 0x5EED;
	KEXPECT_EQ(((volatile uint32_t *)TEST_VA)[3], 0x5EEDu);
	KEXPECT_EQ(kernel_unmap_and_free(TEST_VA, MMK_PAGE_SIZE), 0);
	/* The stub ran at its physical address; nothing translates there now. */
	uint32_t v;
	KEXPECT_EQ(ktest_env_access((uintptr_t)_start - KERNEL_OFFSET, false, &v), -MMK_EFAULT);
	KEXPECT_EQ(ktest_env_access(VIRT_RAM_BASE + 0x200000, false, &v), -MMK_EFAULT);
	/* OpenSBI's 2 MiB are not in the direct map. */
	KEXPECT_EQ(mmk_mmu_query(&mmu()->kernel, DIRECT_BASE + VIRT_RAM_BASE, &m), -MMK_ENOENT);
}

KTEST(vm_riscv64, the_image_has_its_own_protection)
{
	unsigned text = kernel_flags_at((uintptr_t)kernel_flags_at);
	unsigned ro = kernel_flags_at((uintptr_t)&constant);
	unsigned rw = kernel_flags_at((uintptr_t)&variable);
	KEXPECT_TRUE(text & MMK_PROT_EXEC);
	KEXPECT_FALSE(text & MMK_PROT_WRITE);
	KEXPECT_FALSE(ro & (MMK_PROT_WRITE | MMK_PROT_EXEC));
	KEXPECT_TRUE(rw & MMK_PROT_WRITE);
	KEXPECT_FALSE(rw & MMK_PROT_EXEC);
	KEXPECT_TRUE(text & ro & rw & MMK_PROT_GLOBAL);
	uint32_t v = 7;
	KEXPECT_EQ(ktest_env_access((uintptr_t)&constant, true, &v), -MMK_EFAULT);
	KEXPECT_EQ(constant, 0xC0FFEEu);
	KEXPECT_EQ(ktest_env_access((uintptr_t)&variable, true, &v), 0);
	KEXPECT_EQ(variable, 7u);
}

KTEST(vm_riscv64, the_console_and_the_test_device_are_device_pages)
{
	struct mmk_mmu_mapping m;
	KASSERT_EQ(mmk_mmu_query(&mmu()->kernel, CONSOLE_VA, &m), 0);
	KEXPECT_EQ(m.pa, VIRT_UART_PA);
	KEXPECT_EQ(m.page_shift, 12u);
	KEXPECT_EQ(m.flags & MMK_CACHE_MASK, MMK_CACHE_UC);
	KEXPECT_FALSE(m.flags & MMK_PROT_EXEC);
	KASSERT_EQ(mmk_mmu_query(&mmu()->kernel, TEST_VA_EXIT, &m), 0);
	KEXPECT_EQ(m.pa, VIRT_TEST_PA);
}

/* ------------------------------------------------------------ page faults */

KTEST(vm_riscv64, a_load_page_fault_is_decoded_and_resolved)
{
	struct seen_fault seen;
	uint64_t free_before = ktest_env_pmm()->free_frames;
	catch_kernel_faults(&seen, 0);
	volatile uint32_t *p = (volatile uint32_t *)(TEST_VA + 0x20010);
	uint32_t first = *p; /* faults: nothing mapped there */
	*p = 0x1234;         /* mapped writable by the handler: no fault */
	uint32_t back = *p;
	stop_catching_kernel_faults(&seen);
	KEXPECT_EQ(first, 0u);
	KEXPECT_EQ(back, 0x1234u);
	KEXPECT_EQ(seen.count, 1u);
	KEXPECT_EQ(seen.last.addr, TEST_VA + 0x20010); /* stval */
	KEXPECT_EQ(seen.last.access, MMK_ACCESS_READ);
	KEXPECT_EQ(seen.last.arch_code, 13u); /* scause: load page fault */
	KEXPECT_FALSE(seen.last.present);
	KEXPECT_FALSE(seen.last.user);
	KEXPECT_EQ(kernel_unmap_and_free(TEST_VA + 0x20000, MMK_PAGE_SIZE), 0);
	KEXPECT_EQ(ktest_env_pmm()->free_frames, free_before);
}

KTEST(vm_riscv64, a_store_to_a_read_only_page_is_a_store_page_fault)
{
	struct seen_fault seen;
	mmk_paddr_t pa;
	KASSERT_EQ(mmk_pmm_alloc(ktest_env_pmm(), &pa), 0);
	KASSERT_EQ(mmk_mmu_map(&mmu()->kernel, TEST_VA + 0x30000, pa, MMK_PAGE_SIZE,
			       MMK_PROT_READ, 0), 0);
	volatile uint32_t *p = (volatile uint32_t *)(TEST_VA + 0x30008);
	uint32_t before = *p;
	catch_kernel_faults(&seen, RW);
	*p = before + 1;
	stop_catching_kernel_faults(&seen);
	KEXPECT_EQ(*p, before + 1);
	KEXPECT_EQ(seen.count, 1u);
	KEXPECT_EQ(seen.last.addr, TEST_VA + 0x30008);
	KEXPECT_EQ(seen.last.access, MMK_ACCESS_WRITE);
	KEXPECT_EQ(seen.last.arch_code, 15u); /* store/AMO page fault */
	KEXPECT_TRUE(seen.last.present);
	KEXPECT_EQ(kernel_unmap_and_free(TEST_VA + 0x30000, MMK_PAGE_SIZE), 0);
}

KTEST(vm_riscv64, fetching_from_a_page_without_x_is_an_instruction_page_fault)
{
	struct seen_fault seen;
	mmk_paddr_t pa;
	mmk_vaddr_t code = TEST_VA + 0x40000;
	KASSERT_EQ(mmk_pmm_alloc(ktest_env_pmm(), &pa), 0);
	KASSERT_EQ(mmk_mmu_map(&mmu()->kernel, code, pa, MMK_PAGE_SIZE, RW, 0), 0);
	volatile uint32_t *insn = (volatile uint32_t *)code;
	insn[0] = 0x02A00513u; /* addi a0, zero, 42 */
	insn[1] = 0x00008067u; /* jalr zero, 0(ra): ret */
	/* No FENCE.I here: mmk_mmu_protect issues it before it grants execute. */
	catch_kernel_faults(&seen, MMK_PROT_READ | MMK_PROT_EXEC);
	int (*fn)(void) = (int (*)(void))code;
	int r = fn(); /* X clear: faults; the handler makes the page executable */
	stop_catching_kernel_faults(&seen);
	KEXPECT_EQ(r, 42);
	KEXPECT_EQ(seen.count, 1u);
	KEXPECT_EQ(seen.last.addr, code);
	KEXPECT_EQ(seen.last.pc, code);
	KEXPECT_EQ(seen.last.access, MMK_ACCESS_EXEC);
	KEXPECT_EQ(seen.last.arch_code, 12u);
	KEXPECT_TRUE(seen.last.present);
	KEXPECT_EQ(kernel_unmap_and_free(code, MMK_PAGE_SIZE), 0);
}

static int note_flags(void *ctx, const struct mmk_mmu_mapping *m)
{
	*(unsigned *)ctx = m->flags;
	return 0;
}

KTEST(vm_riscv64, cleared_accessed_and_dirty_bits_are_set_again_by_an_access)
{
	mmk_paddr_t pa;
	unsigned flags = 0;
	KASSERT_EQ(mmk_pmm_alloc(ktest_env_pmm(), &pa), 0);
	KASSERT_EQ(mmk_mmu_map(&mmu()->kernel, TEST_VA + 0x50000, pa, MMK_PAGE_SIZE, RW, 0), 0);
	volatile uint32_t *p = (volatile uint32_t *)(TEST_VA + 0x50000);
	KASSERT_EQ(mmk_mmu_clear_accessed(&mmu()->kernel, TEST_VA + 0x50000, MMK_PAGE_SIZE,
					  MMK_MAP_ACCESSED | MMK_MAP_DIRTY, note_flags, &flags, NULL), 0);
	KEXPECT_TRUE(flags & MMK_MAP_DIRTY); /* preset when mapped */
	KASSERT_EQ(mmk_mmu_clear_accessed(&mmu()->kernel, TEST_VA + 0x50000, MMK_PAGE_SIZE, 0,
					  note_flags, &flags, NULL), 0);
	KEXPECT_FALSE(flags & (MMK_MAP_ACCESSED | MMK_MAP_DIRTY));
	uint32_t v = *p; /* the hart sets A, or faults and the trap handler does */
	KASSERT_EQ(mmk_mmu_clear_accessed(&mmu()->kernel, TEST_VA + 0x50000, MMK_PAGE_SIZE, 0,
					  note_flags, &flags, NULL), 0);
	KEXPECT_TRUE(flags & MMK_MAP_ACCESSED);
	KEXPECT_FALSE(flags & MMK_MAP_DIRTY);
	*p = v + 1;
	KASSERT_EQ(mmk_mmu_clear_accessed(&mmu()->kernel, TEST_VA + 0x50000, MMK_PAGE_SIZE, 0,
					  note_flags, &flags, NULL), 0);
	KEXPECT_TRUE(flags & MMK_MAP_DIRTY);
	KEXPECT_EQ(kernel_unmap_and_free(TEST_VA + 0x50000, MMK_PAGE_SIZE), 0);
}

/* ------------------------------------------------------------ spaces, MMIO */

KTEST(vm_riscv64, a_user_space_is_switched_to_with_its_asid)
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
	uint64_t satp = read_satp();
	uint32_t v = 77;
	int wrote = ktest_env_access(USER_VA, true, &v); /* with SUM, as copy-to-user will */
	uint64_t sstatus = read_sstatus();
	mmk_mmu_activate(previous);
	KEXPECT_EQ(wrote, 0);
	KEXPECT_FALSE(sstatus & SSTATUS_SUM);
	KEXPECT_EQ(*(volatile uint32_t *)arch_phys_to_virt(pa), 77u);
	KEXPECT_EQ(ktest_env_access(USER_VA, false, &v), -MMK_EFAULT); /* not in this space */
	KEXPECT_EQ((satp & SATP_PPN_MASK) << 12, u.root);
	if (mmu()->asids.bits)
		KEXPECT_NE(u.asid, 0u);
	KEXPECT_EQ((satp >> SATP_ASID_SHIFT) & SATP_ASID_MASK, u.asid);
	KEXPECT_EQ(mmk_mmu_space_destroy(&u, mmk_pmm_release_frames, pmm), 0);
	KEXPECT_EQ(pmm->free_frames, free_before);
}

KTEST(vm_riscv64, heap_grows_up_from_kvm_base_and_mmio_down_from_kvm_top)
{
	void *p = mmk_kmalloc(64);
	KASSERT_TRUE(p != NULL);
	KEXPECT_TRUE((uintptr_t)p >= KVM_BASE && (uintptr_t)p < KVM_BASE + 0x10000000u);
	KEXPECT_EQ(mmk_kfree(p), 0);
	/* The UART again, through the window: LSR (offset 5) has THR empty and the
	 * transmitter idle (0x60) when nothing is being sent; the scratch register
	 * (offset 7) keeps what is written to it (16550 data sheet). */
	struct mmk_kvm_pages uart;
	mmk_vaddr_t va;
	KASSERT_EQ(mmk_kvm_map_mmio(kernel_kvm(), &uart, VIRT_UART_PA, MMK_PAGE_SIZE,
				    MMK_CACHE_UC, &va), 0);
	KEXPECT_TRUE(va < KVM_TOP && va >= KVM_TOP - 0x100000u);
	volatile uint8_t *regs = (volatile uint8_t *)va;
	KEXPECT_TRUE(regs[5] & 0x20);
	regs[7] = 0xA5;
	KEXPECT_EQ(regs[7], 0xA5);
	KEXPECT_EQ(kernel_flags_at(va) & MMK_CACHE_MASK, MMK_CACHE_UC);
	KEXPECT_EQ(mmk_kvm_pages_release(&uart, false), 0);
}
