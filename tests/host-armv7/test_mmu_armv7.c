/*
 * The ARMv7 MMU backend (arch/armv7/mmu.c) on a simulated ARMv7 (hosted/armv7/sim.c),
 * checked against the reference VMSAv7 walk (hosted/armv7/refmmu.c) and the simulated
 * ASID-tagged TLB.
 */
#include <mmukit/errno.h>
#include <mmukit/ktest.h>
#include <mmukit/mmu.h>
#include <mmukit/pmm.h>
#include <mmukit/services.h>

#include "sim.h"

#define RW (MMK_PROT_READ | MMK_PROT_WRITE)
#define URW (RW | MMK_PROT_USER)
#define K4 0x1000u
#define K64 0x10000u
#define M1 0x100000u
#define UVA 0x10000000u
#define RAM 0x40000000u

static struct simarm_machine m;

static bool walk(const struct mmk_mmu_space *s, uint32_t va, struct refarm_translation *t)
{
	return refarm_walk(simarm.ram, SIMARM_RAM_BASE, simarm.ram_size, (uint32_t)s->root,
			   (uint32_t)m.mmu.kernel.root, va, t);
}

static bool agrees(const struct mmk_mmu_space *s, uint32_t va)
{
	struct refarm_translation t;
	struct mmk_mmu_mapping q;
	bool present = walk(s, va, &t);
	int err = mmk_mmu_query(s, va, &q);
	if (!present)
		return err == -MMK_ENOENT;
	return err == 0 && q.pa + (va - q.va) == t.pa && (1u << q.page_shift) == t.page_size &&
	       !!(q.flags & MMK_PROT_USER) == t.user_read &&
	       !!(q.flags & MMK_PROT_WRITE) == t.priv_write &&
	       !!(q.flags & MMK_PROT_EXEC) == t.executable &&
	       !!(q.flags & MMK_PROT_GLOBAL) == t.global;
}

KTEST(mmu_armv7, init_maps_ram_linearly_at_2_gib_with_sections)
{
	KASSERT_EQ(simarm_machine_boot(&m, 64 * M1), 0);
	struct mmk_mmu_mapping q;
	KEXPECT_EQ(simarm.ttbr1, m.mmu.kernel.root);
	KASSERT_EQ(mmk_mmu_query(&m.mmu.kernel, 0x80000000u + 5 * M1 + 7, &q), 0);
	KEXPECT_EQ(q.pa, RAM + 5 * M1);
	KEXPECT_EQ(q.page_shift, 20);
	KEXPECT_TRUE(q.flags & MMK_PROT_GLOBAL);
	KEXPECT_FALSE(q.flags & MMK_PROT_USER);
	KEXPECT_TRUE(agrees(&m.mmu.kernel, 0x80000000u + 5 * M1 + 7));
	KEXPECT_EQ(mmk_mmu_query(&m.mmu.kernel, 0x80000000u + 64 * M1, &q), -MMK_ENOENT); /* past RAM */
	KEXPECT_EQ(mmk_mmu_query(&m.mmu.kernel, RAM, &q), -MMK_ENOENT); /* no identity map */
	KEXPECT_EQ(mmk_pmm_refcount(&m.pmm, m.mmu.kernel.root), 1);
	simarm_machine_free(&m);
}

KTEST(mmu_armv7, every_page_size_and_packed_second_level_tables)
{
	struct mmk_mmu_space u;
	struct mmk_mmu_mapping q;
	KASSERT_EQ(simarm_machine_boot(&m, 64 * M1), 0);
	uint64_t before = m.pmm.free_frames;
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &u), 0);
	KEXPECT_EQ(u.root % 0x2000, 0); /* TTBR0 tables are 8 KiB aligned */
	KEXPECT_EQ(mmk_mmu_map(&u, UVA, RAM + 8 * M1, M1, URW, 0), 0);             /* a section */
	KEXPECT_EQ(mmk_mmu_map(&u, UVA + M1, RAM + 9 * M1, 2 * K64, URW, 0), 0);   /* 2 large */
	KEXPECT_EQ(mmk_mmu_map(&u, UVA + 3 * M1 + K4, RAM + 12 * M1 + K4, K4,
			   MMK_PROT_READ | MMK_PROT_USER | MMK_PROT_EXEC, 0), 0);  /* small, RO, X */
	KEXPECT_EQ(mmk_mmu_map(&u, UVA + 2 * M1, RAM + 13 * M1, K4, URW | MMK_CACHE_UC, 0), 0);
	KEXPECT_EQ(u.table_pages, 1); /* three second-level tables, one group, one frame */
	KASSERT_EQ(mmk_mmu_query(&u, UVA + 77, &q), 0);
	KEXPECT_EQ(q.page_shift, 20);
	KASSERT_EQ(mmk_mmu_query(&u, UVA + M1 + K64 + 5, &q), 0);
	KEXPECT_EQ(q.page_shift, 16);
	KEXPECT_EQ(q.pa, RAM + 9 * M1 + K64);
	KASSERT_EQ(mmk_mmu_query(&u, UVA + 2 * M1, &q), 0);
	KEXPECT_EQ(q.flags & MMK_CACHE_MASK, MMK_CACHE_UC);
	/* UC is Device (TEX 000 C 0 B 1); a Strongly-ordered entry (B 0), which mmukit
	 * never writes, still reads back as UC, not as the write-back default. */
	const uint32_t *l1 = simarm_phys(u.root);
	uint32_t *l2 = simarm_phys(l1[(UVA + 2 * M1) >> 20] & 0xFFFFFC00u);
	KEXPECT_EQ(l2[0] & 0x1CCu, 0x4u); /* TEX (bits 8:6), C, B */
	l2[0] &= ~0x4u;
	KASSERT_EQ(mmk_mmu_query(&u, UVA + 2 * M1, &q), 0);
	KEXPECT_EQ(q.flags & MMK_CACHE_MASK, MMK_CACHE_UC);
	l2[0] |= 0x4u;
	KASSERT_EQ(mmk_mmu_query(&u, UVA + 3 * M1 + K4, &q), 0);
	KEXPECT_FALSE(q.flags & MMK_PROT_WRITE);
	KEXPECT_TRUE(q.flags & MMK_PROT_EXEC);
	for (uint32_t va = UVA; va < UVA + 4 * M1; va += K4)
		if (!agrees(&u, va))
			KEXPECT_TRUE(agrees(&u, va));
	KEXPECT_TRUE(agrees(&u, 0x80000000u + M1)); /* the kernel half, through TTBR1 */
	KEXPECT_EQ(mmk_mmu_unmap(&u, UVA, M1, false), 0);
	KEXPECT_EQ(mmk_mmu_unmap(&u, UVA + M1, 2 * K64, false), 0);
	KEXPECT_EQ(mmk_mmu_unmap(&u, UVA + 2 * M1, K4, false), 0);
	KEXPECT_EQ(u.table_pages, 1); /* one table of the group still maps */
	KEXPECT_EQ(mmk_mmu_unmap(&u, UVA + 3 * M1 + K4, K4, false), 0);
	KEXPECT_EQ(u.table_pages, 0); /* the group frame went back */
	KEXPECT_EQ(mmk_mmu_space_destroy(&u, false), 0);
	KEXPECT_EQ(m.pmm.free_frames, before);
	simarm_machine_free(&m);
}

KTEST(mmu_armv7, partial_unmap_and_protect_split_sections_and_large_pages)
{
	struct mmk_mmu_space u;
	struct mmk_mmu_mapping q;
	KASSERT_EQ(simarm_machine_boot(&m, 64 * M1), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &u), 0);
	KASSERT_EQ(mmk_mmu_map(&u, UVA, RAM + 8 * M1, M1, URW, 20), 0);
	KASSERT_EQ(mmk_mmu_map(&u, UVA + 4 * M1, RAM + 16 * M1, K64, URW, 16), 0);
	KEXPECT_EQ(mmk_mmu_unmap(&u, UVA + 5 * K4, K4, false), 0);
	KEXPECT_EQ(mmk_mmu_query(&u, UVA + 5 * K4, &q), -MMK_ENOENT);
	KASSERT_EQ(mmk_mmu_query(&u, UVA + 6 * K4, &q), 0);
	KEXPECT_EQ(q.page_shift, 12);
	KEXPECT_EQ(q.pa, RAM + 8 * M1 + 6 * K4);
	KEXPECT_EQ(mmk_mmu_protect(&u, UVA + 4 * M1 + K4, K4, MMK_PROT_READ | MMK_PROT_USER), 0);
	KASSERT_EQ(mmk_mmu_query(&u, UVA + 4 * M1 + K4, &q), 0);
	KEXPECT_FALSE(q.flags & MMK_PROT_WRITE);
	KASSERT_EQ(mmk_mmu_query(&u, UVA + 4 * M1 + 2 * K4, &q), 0);
	KEXPECT_TRUE(q.flags & MMK_PROT_WRITE);
	KEXPECT_EQ(q.page_shift, 12);
	for (uint32_t va = UVA; va < UVA + 5 * M1; va += K4)
		if (!agrees(&u, va))
			KEXPECT_TRUE(agrees(&u, va));
	KEXPECT_EQ(mmk_mmu_space_destroy(&u, false), 0);
	simarm_machine_free(&m);
}

/* Frames become executable only after their code is made visible (cpu.h, B2.2.7). */
KTEST(mmu_armv7, frames_made_executable_are_synced_first)
{
	struct mmk_mmu_space u;
	KASSERT_EQ(simarm_machine_boot(&m, 64 * M1), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &u), 0);
	uint64_t pages = simarm.code_pages_synced, batches = simarm.code_syncs_done;
	KEXPECT_EQ(mmk_mmu_map(&u, UVA, RAM + 8 * M1, 4 * K4, URW, 0), 0); /* data: nothing */
	KEXPECT_EQ(simarm.code_pages_synced, pages);
	KEXPECT_EQ(mmk_mmu_map(&u, UVA + K64, RAM + 9 * M1, 3 * K4,
			   MMK_PROT_READ | MMK_PROT_USER | MMK_PROT_EXEC, 0), 0);
	KEXPECT_EQ(simarm.code_pages_synced, pages + 3);
	KEXPECT_EQ(simarm.code_syncs_done, batches + 1);
	/* Two of the data pages become code; a refused call syncs nothing. */
	KEXPECT_EQ(mmk_mmu_protect(&u, UVA + K4, 2 * K4, MMK_PROT_READ | MMK_PROT_USER | MMK_PROT_EXEC), 0);
	KEXPECT_EQ(simarm.code_pages_synced, pages + 5);
	KEXPECT_EQ(simarm.code_syncs_done, batches + 2);
	KEXPECT_EQ(mmk_mmu_protect(&u, UVA, 5 * K4, MMK_PROT_READ | MMK_PROT_USER | MMK_PROT_EXEC),
		   -MMK_ENOENT);
	KEXPECT_EQ(mmk_mmu_map(&u, UVA, RAM, K4, MMK_PROT_READ | MMK_PROT_USER | MMK_PROT_EXEC, 0),
		   -MMK_EEXIST);
	KEXPECT_EQ(simarm.code_pages_synced, pages + 5);
	KEXPECT_EQ(mmk_mmu_unmap(&u, UVA, 4 * K4, false), 0);
	KEXPECT_EQ(mmk_mmu_unmap(&u, UVA + K64, 3 * K4, false), 0);
	KEXPECT_EQ(mmk_mmu_space_destroy(&u, false), 0);
	simarm_machine_free(&m);
}

KTEST(mmu_armv7, bad_input_and_out_of_memory_change_nothing)
{
	struct mmk_mmu_space u;
	struct mmk_mmu_mapping q;
	KASSERT_EQ(simarm_machine_boot(&m, 64 * M1), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &u), 0);
	KASSERT_EQ(mmk_mmu_map(&u, UVA, RAM + 8 * M1, K4, URW, 0), 0);
	uint64_t frames = m.pmm.free_frames;
	KEXPECT_EQ(mmk_mmu_map(&u, UVA + 8, RAM, K4, URW, 0), -MMK_EALIGN);
	KEXPECT_EQ(mmk_mmu_map(&u, UVA + K4, RAM, K64, URW, 16), -MMK_EALIGN);
	KEXPECT_EQ(mmk_mmu_map(&u, UVA, RAM, K4, URW, 21), -MMK_EINVAL);
	KEXPECT_EQ(mmk_mmu_map(&u, 0, RAM, K4, URW, 0), -MMK_ERANGE);
	KEXPECT_EQ(mmk_mmu_map(&u, 0x80000000u, RAM, K4, URW, 0), -MMK_ERANGE);
	KEXPECT_EQ(mmk_mmu_map(&u, UVA, RAM, K4, URW, 0), -MMK_EEXIST);
	KEXPECT_EQ(mmk_mmu_map(&m.mmu.kernel, 0xC0000000u, RAM, K4, URW, 0), -MMK_EPERM);
	KEXPECT_EQ(mmk_mmu_unmap(&u, UVA, 2 * K4, false), -MMK_ENOENT);
	KEXPECT_EQ(m.pmm.free_frames, frames);
	/* Two untouched groups of second-level tables: two frames, two allocation points. */
	for (uint64_t nth = 1; nth <= 2; nth++) {
		mmk_pmm_inject_failure(&m.pmm, nth);
		KEXPECT_EQ(mmk_mmu_map(&u, UVA + 8 * M1 - K4, RAM, 2 * K4, URW, 12), -MMK_ENOMEM);
		mmk_pmm_inject_failure(&m.pmm, 0);
		KEXPECT_EQ(m.pmm.free_frames, frames);
		KEXPECT_EQ(mmk_mmu_query(&u, UVA + 8 * M1, &q), -MMK_ENOENT);
	}
	KEXPECT_EQ(mmk_mmu_map(&u, UVA + 8 * M1 - K4, RAM, 2 * K4, URW, 12), 0);
	KEXPECT_EQ(mmk_mmu_space_destroy(&u, false), 0);
	simarm_machine_free(&m);
}

KTEST(mmu_armv7, asid_tagged_entries_are_invalidated)
{
	struct mmk_mmu_space a, b;
	uint64_t pa;
	KASSERT_EQ(simarm_machine_boot(&m, 64 * M1), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &a), 0);
	KASSERT_EQ(mmk_mmu_space_create(&m.mmu, &b), 0);
	mmk_mmu_activate(&a);
	unsigned asid_a = simarm.asid;
	KASSERT_EQ(mmk_mmu_map(&a, UVA, RAM + 8 * M1, 8 * K4, URW, 0), 0);
	for (unsigned i = 0; i < 8; i++)
		KEXPECT_TRUE(simarm_translate(UVA + i * K4, true, &pa));
	KEXPECT_EQ(mmk_mmu_protect(&a, UVA, K4, MMK_PROT_READ | MMK_PROT_USER), 0); /* TLBIMVA */
	KEXPECT_EQ(simarm_stale_tlb_entries(true), 0);
	mmk_mmu_activate(&b);
	KEXPECT_NE(simarm.asid, asid_a);
	KEXPECT_EQ(mmk_mmu_unmap(&a, UVA + K4, K4, false), 0); /* inactive: TLBIASID */
	mmk_mmu_activate(&a);
	KEXPECT_EQ(simarm_stale_tlb_entries(true), 0);
	KEXPECT_FALSE(simarm_translate(UVA + K4, false, &pa));
	KASSERT_EQ(mmk_mmu_map(&m.mmu.kernel, 0xC0000000u, RAM + 20 * M1, K4, RW | MMK_PROT_GLOBAL, 0), 0);
	KEXPECT_TRUE(simarm_translate(0xC0000000u, true, &pa));
	KEXPECT_EQ(mmk_mmu_unmap(&m.mmu.kernel, 0xC0000000u, K4, false), 0); /* TLBIMVAA */
	KEXPECT_EQ(simarm_stale_tlb_entries(true), 0);
	mmk_mmu_activate(&m.mmu.kernel);
	KEXPECT_EQ(mmk_mmu_space_destroy(&a, false), 0);
	KEXPECT_EQ(mmk_mmu_space_destroy(&b, false), 0);
	simarm_machine_free(&m);
}

/* ------------------------------------------------------------ mmk_mmu_init's boot mappings */

#define KVA 0x80100000u /* the image: RAM + 1 MiB (SIMARM_KERNEL_PA), linearly */
#define KPA (RAM + M1)
#define RO MMK_PROT_READ
#define RX (MMK_PROT_READ | MMK_PROT_EXEC)
#define RWX (RW | MMK_PROT_EXEC)
#define G MMK_PROT_GLOBAL
#define UART_VA 0xFFF00000u
#define UART_PA 0x09000000u
#define VECTORS_VA 0xFFFF0000u
#define VECTORS_PA (KPA + 0x3F000u) /* a frame of the image's text */

/* A 1 MiB image: text RX, rodata R, data RW (flags as the boot gives them, no GLOBAL). */
static void add_sections(struct mmk_mmu_boot *b)
{
	b->kernel_va = KVA;
	b->kernel_size = M1;
	b->sections[0] = (struct mmk_mmu_boot_section){KVA, KPA, 0x40000, RX};
	b->sections[1] = (struct mmk_mmu_boot_section){KVA + 0x40000, KPA + 0x40000, 0x20000, RO};
	b->sections[2] = (struct mmk_mmu_boot_section){KVA + 0x60000, KPA + 0x60000, 0xA0000, RW};
	b->section_count = 3;
}

/* The real kernel's two: the PL011 at 0xFFF00000 (device), the vector page. */
static void add_fixed(struct mmk_mmu_boot *b)
{
	b->fixed[0] = (struct mmk_mmu_boot_section){UART_VA, UART_PA, K4, RW | MMK_CACHE_UC};
	b->fixed[1] = (struct mmk_mmu_boot_section){VECTORS_VA, VECTORS_PA, K4, RX};
	b->fixed_count = 2;
}

/* mmk_mmu_query at va: exactly these flags, this page size, va's own frame in the linear map
 * (or pa), and the reference walk agrees. */
static void expect_mapping(uint32_t va, uint64_t pa, unsigned flags, unsigned page_shift)
{
	struct mmk_mmu_mapping q;
	KEXPECT_EQ(mmk_mmu_query(&m.mmu.kernel, va, &q), 0);
	KEXPECT_EQ(q.pa + (va - q.va), pa);
	KEXPECT_EQ(q.flags, flags);
	KEXPECT_EQ(q.page_shift, page_shift);
	KEXPECT_TRUE(agrees(&m.mmu.kernel, va));
}

static uint64_t lin_pa(uint32_t va)
{
	return RAM + (va - 0x80000000u);
}

KTEST(mmu_armv7, init_protects_image_sections_in_4k_pages)
{
	struct mmk_mmu_boot boot = {0};
	add_sections(&boot);
	KASSERT_EQ(simarm_machine_boot_with(&m, 64 * M1, &boot), 0);
	KEXPECT_EQ(simarm.ttbr1, m.mmu.kernel.root);
	for (uint32_t off = 0; off < 0x40000; off += 0x1F000) /* text */
		expect_mapping(KVA + off + 4, KPA + off + 4, RX | G, 12);
	expect_mapping(KVA + 0x3F000, KPA + 0x3F000, RX | G, 12);
	for (uint32_t off = 0x40000; off < 0x60000; off += 0xF000) /* rodata */
		expect_mapping(KVA + off, KPA + off, RO | G, 12);
	expect_mapping(KVA + 0x5F000, KPA + 0x5F000, RO | G, 12);
	for (uint32_t off = 0x60000; off < M1; off += 0x1F000) /* data */
		expect_mapping(KVA + off, KPA + off, RW | G, 12);
	expect_mapping(KVA + M1 - K4, KPA + M1 - K4, RW | G, 12);
	/* RAM around the image: 1 MiB sections, RW, never executable */
	expect_mapping(0x80000000u, RAM, RW | G, 20);
	expect_mapping(KVA + M1, KPA + M1, RW | G, 20);
	expect_mapping(0x80000000u + 63 * M1 + 5, lin_pa(0x80000000u + 63 * M1 + 5), RW | G, 20);
	KEXPECT_EQ(m.mmu.kernel.table_pages, 1); /* the image's section became one L2 table */
	for (uint32_t va = 0x80000000u; va < 0x80000000u + 4 * M1; va += K4)
		if (!agrees(&m.mmu.kernel, va))
			KEXPECT_TRUE(agrees(&m.mmu.kernel, va));
	/* through the simulated TLB: text and rodata refuse kernel writes, data takes them */
	uint64_t pa;
	KEXPECT_FALSE(simarm_translate(KVA, true, &pa));
	KEXPECT_TRUE(simarm_translate(KVA + 0x40000, false, &pa));
	KEXPECT_FALSE(simarm_translate(KVA + 0x40000, true, &pa));
	KEXPECT_TRUE(simarm_translate(KVA + 0x60000, true, &pa));
	KEXPECT_EQ(pa, KPA + 0x60000);
	simarm_machine_free(&m);
}

KTEST(mmu_armv7, init_maps_image_rwx_without_sections)
{
	/* kernel_size not a multiple of the page: rounded up to 0x801A0000 */
	struct mmk_mmu_boot boot = {.kernel_va = KVA, .kernel_size = 0x9F800};
	KASSERT_EQ(simarm_machine_boot_with(&m, 64 * M1, &boot), 0);
	expect_mapping(KVA, KPA, RWX | G, 12);
	expect_mapping(KVA + 0x50000, KPA + 0x50000, RWX | G, 12);
	expect_mapping(KVA + 0x9F000 + 0x900, KPA + 0x9F900, RWX | G, 12);
	expect_mapping(KVA + 0xA0000, KPA + 0xA0000, RW | G, 12); /* rest of its MiB: RW, NX */
	expect_mapping(KVA + M1 - K4, KPA + M1 - K4, RW | G, 12);
	expect_mapping(KVA - K4, KPA - K4, RW | G, 20);
	expect_mapping(KVA + M1, KPA + M1, RW | G, 20);
	for (uint32_t va = 0x80000000u; va < 0x80000000u + 3 * M1; va += K4)
		if (!agrees(&m.mmu.kernel, va))
			KEXPECT_TRUE(agrees(&m.mmu.kernel, va));
	simarm_machine_free(&m);
}

KTEST(mmu_armv7, init_makes_fixed_mappings)
{
	struct mmk_mmu_boot boot = {0};
	add_sections(&boot);
	add_fixed(&boot);
	KASSERT_EQ(simarm_machine_boot_with(&m, 64 * M1, &boot), 0);
	struct mmk_mmu_mapping q;
	expect_mapping(UART_VA, UART_PA, RW | G | MMK_CACHE_UC, 12);
	expect_mapping(UART_VA + 0x18, UART_PA + 0x18, RW | G | MMK_CACHE_UC, 12);
	KASSERT_EQ(mmk_mmu_query(&m.mmu.kernel, UART_VA, &q), 0);
	KEXPECT_EQ(q.flags & MMK_CACHE_MASK, MMK_CACHE_UC);
	expect_mapping(VECTORS_VA, VECTORS_PA, RX | G, 12);
	expect_mapping(VECTORS_VA + 0xFFC, VECTORS_PA + 0xFFC, RX | G, 12);
	KASSERT_EQ(mmk_mmu_query(&m.mmu.kernel, VECTORS_VA, &q), 0);
	KEXPECT_EQ(q.flags & MMK_CACHE_MASK, MMK_CACHE_WB);
	/* only those pages */
	static const uint32_t around[] = {UART_VA - K4, UART_VA + K4, VECTORS_VA - K4,
					  VECTORS_VA + K4, 0xFFFFF000u};
	for (unsigned i = 0; i < sizeof(around) / sizeof(around[0]); i++) {
		KEXPECT_EQ(mmk_mmu_query(&m.mmu.kernel, around[i], &q), -MMK_ENOENT);
		KEXPECT_TRUE(agrees(&m.mmu.kernel, around[i]));
	}
	uint64_t pa;
	KEXPECT_TRUE(simarm_translate(UART_VA + 4, true, &pa));
	KEXPECT_EQ(pa, UART_PA + 4);
	KEXPECT_FALSE(simarm_translate(VECTORS_VA, true, &pa)); /* read-only */
	simarm_machine_free(&m);
}

/* mmk_mmu_init fails with err, having kept nothing: PMM as before, boot tables still in use. */
static void expect_init_fails(const struct mmk_mmu_boot *boot, int err)
{
	uint64_t frames = m.pmm.free_frames;
	KEXPECT_EQ(simarm_machine_start(&m, boot), err);
	KEXPECT_EQ(m.pmm.free_frames, frames);
	KEXPECT_EQ(mmk_pmm_check(&m.pmm), 0);
	KEXPECT_EQ(simarm.ttbr1, 0); /* never switched */
}

KTEST(mmu_armv7, init_rejects_bad_fixed_mappings_keeping_nothing)
{
	simarm_machine_prepare(&m, 64 * M1);
	uint64_t frames = m.pmm.free_frames;
	struct mmk_mmu_boot boot = {0};
	add_sections(&boot); /* the image's table and the vector page's are made first */
	add_fixed(&boot);
	boot.fixed[0].flags |= MMK_PROT_USER;
	expect_init_fails(&boot, -MMK_EPERM);
	add_fixed(&boot);
	boot.fixed[0].va = UART_VA + 0x800;
	expect_init_fails(&boot, -MMK_EALIGN);
	add_fixed(&boot); /* on the linear map's first section */
	boot.fixed[0] = (struct mmk_mmu_boot_section){0x80000000u, UART_PA, K4, RW | MMK_CACHE_UC};
	expect_init_fails(&boot, -MMK_EEXIST);
	add_fixed(&boot); /* after the vector page, over it */
	boot.fixed[2] = (struct mmk_mmu_boot_section){VECTORS_VA, UART_PA, K4, RW | MMK_CACHE_UC};
	boot.fixed_count = 3;
	expect_init_fails(&boot, -MMK_EEXIST);
	KEXPECT_EQ(m.pmm.free_frames, frames);
	add_fixed(&boot); /* the same machine still boots */
	KEXPECT_EQ(simarm_machine_start(&m, &boot), 0);
	KEXPECT_LT(m.pmm.free_frames, frames);
	expect_mapping(UART_VA, UART_PA, RW | G | MMK_CACHE_UC, 12);
	simarm_machine_free(&m);
}

KTEST(mmu_armv7, init_out_of_memory_at_every_allocation_keeps_nothing)
{
	struct mmk_mmu_boot boot = {0};
	add_sections(&boot);
	add_fixed(&boot);
	simarm_machine_prepare(&m, 64 * M1);
	uint64_t frames = m.pmm.free_frames;
	unsigned failures = 0;
	int err = -MMK_ENOMEM;
	for (uint64_t nth = 1; nth <= 64 && err; nth++) {
		mmk_pmm_inject_failure(&m.pmm, nth);
		err = simarm_machine_start(&m, &boot);
		if (err) {
			failures++;
			KEXPECT_EQ(err, -MMK_ENOMEM);
			KEXPECT_EQ(m.pmm.free_frames, frames);
			KEXPECT_EQ(mmk_pmm_check(&m.pmm), 0);
			KEXPECT_EQ(simarm.ttbr1, 0);
		}
	}
	mmk_pmm_inject_failure(&m.pmm, 0); /* armed past the last allocation: disarm */
	mmk_printf("    # mmk_mmu_init: %u allocation points\n", failures);
	KASSERT_EQ(err, 0);
	KEXPECT_GE(failures, 3);
	KEXPECT_EQ(simarm.ttbr1, m.mmu.kernel.root);
	expect_mapping(KVA, KPA, RX | G, 12);
	expect_mapping(KVA + 0x60000, KPA + 0x60000, RW | G, 12);
	expect_mapping(UART_VA, UART_PA, RW | G | MMK_CACHE_UC, 12);
	expect_mapping(VECTORS_VA, VECTORS_PA, RX | G, 12);
	simarm_machine_free(&m);
}

/* Regression: splitting a section of the linear map split the PMM block behind it. */
KTEST(mmu_armv7, splitting_the_linear_map_leaves_pmm_blocks_whole)
{
	struct mmk_mmu_mapping q;
	mmk_paddr_t pa;
	KASSERT_EQ(simarm_machine_boot(&m, 64 * M1), 0);
	KASSERT_EQ(mmk_pmm_alloc_block(&m.pmm, 8, &pa), 0); /* 1 MiB: one section of the map */
	mmk_vaddr_t va = 0x80000000u + (uint32_t)(pa - RAM);
	KEXPECT_TRUE(mmk_mmu_in_window(&m.mmu, va));
	KASSERT_EQ(mmk_mmu_query(&m.mmu.kernel, va, &q), 0);
	KEXPECT_EQ(q.page_shift, 20);
	KEXPECT_EQ(mmk_mmu_protect(&m.mmu.kernel, va + K4, K4, MMK_PROT_READ | MMK_PROT_GLOBAL), 0);
	KASSERT_EQ(mmk_mmu_query(&m.mmu.kernel, va, &q), 0);
	KEXPECT_EQ(q.page_shift, 12); /* split */
	KEXPECT_EQ(mmk_pmm_free_block(&m.pmm, pa, 8), 0); /* still the caller's block */
	KEXPECT_EQ(mmk_pmm_check(&m.pmm), 0);
	simarm_machine_free(&m);
}
