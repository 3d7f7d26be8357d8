/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The shell's scratch range: a few MiB reserved in the kernel's heap / MMIO window
 * (include/mmukit/kvm.h) where map, unmap and protect change the kernel space's real
 * tables through mmk_mmu_map / unmap / protect, with fresh frames from the PMM, and
 * touch makes a real load or store through them. Nothing else lives there, so nothing
 * the kernel uses can be unmapped by mistake. The scratch range is taken when the shell
 * starts (it shows in vmmap) and never given back.
 */
#include <mmukit/errno.h>
#include <mmukit/kvm.h>
#include <mmukit/mmu.h>
#include <mmukit/pmm.h>
#include <mmukit/services.h>

#include "platform.h"
#include "shell.h"

#define PAGE 4096u

static struct mmk_kvm_pages scratch;
static bool scratch_ready;

/* Tries 8 MiB aligned to 4 MiB (room for the large pages of every machine), then less. */
static void scratch_init(void)
{
	static const struct {
		mmk_vsize_t pages, align;
	} tries[] = {{2048, 4u << 20}, {512, 2u << 20}, {64, PAGE}};
	struct mmk_kvm *kvm = kernel_kvm();
	if (scratch_ready || !kvm)
		return;
	for (unsigned i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		if (mmk_kvm_pages_alloc(kvm, &scratch, tries[i].pages, tries[i].align,
					MMK_VAS_LOWEST) == 0) {
			scratch_ready = true;
			return;
		}
	}
}

bool shell_scratch_range(mmk_vaddr_t *start, mmk_vaddr_t *end)
{
	scratch_init();
	if (!scratch_ready)
		return false;
	*start = scratch.range.start;
	*end = scratch.range.end;
	return true;
}

bool shell_parse_prot(const char *word, unsigned *flags)
{
	unsigned f = 0;
	for (const char *p = word; *p; p++) {
		switch (*p) {
		case 'r': f |= MMK_PROT_READ; break;
		case 'w': f |= MMK_PROT_WRITE; break;
		case 'x': f |= MMK_PROT_EXEC; break;
		case 'u': f |= MMK_PROT_USER; break;
		case 'g': f |= MMK_PROT_GLOBAL; break;
		case 'd': f |= MMK_CACHE_UC; break;
		case '-': break;
		default:
			mmk_printf("error: '%s' is not a protection (letters r w x, g global, d device)\n",
				   word);
			return false;
		}
	}
	if (!(f & (MMK_PROT_READ | MMK_PROT_WRITE | MMK_PROT_EXEC))) {
		mmk_printf("error: '%s' allows no access (give at least one of r, w, x)\n", word);
		return false;
	}
	*flags = f | MMK_PROT_READ;
	return true;
}

/* Parses ADDR SIZE and checks the range is page aligned and inside the scratch range. */
static bool scratch_args(char **argv, mmk_vaddr_t *va, mmk_vsize_t *size)
{
	uint64_t a, s;
	mmk_vaddr_t s0, s1;
	if (!shell_parse_u64(argv[0], &a) || !shell_parse_size(argv[1], &s))
		return false;
	if (!shell_scratch_range(&s0, &s1)) {
		mmk_printf("error: there is no scratch range (the kernel window is full)\n");
		return false;
	}
	if (a % PAGE || s % PAGE || s == 0) {
		mmk_printf("error: address and size must be multiples of 4 KiB, size not 0\n");
		return false;
	}
	if (a < s0 || a >= s1 || s > s1 - a) {
		mmk_printf("error: [0x%llx, 0x%llx) is outside the scratch range [0x%llx, 0x%llx)"
			   " (see 'scratch')\n", (unsigned long long)a, (unsigned long long)(a + s),
			   (unsigned long long)s0, (unsigned long long)s1);
		return false;
	}
	*va = (mmk_vaddr_t)a;
	*size = (mmk_vsize_t)s;
	return true;
}

static void report_error(const char *what, int err)
{
	if (err < 0)
		err = -err;
	mmk_printf("error: %s: %s%s\n", what, mmk_strerror(err),
		   err == MMK_EEXIST   ? " (something is mapped there already: unmap it first)"
		   : err == MMK_ENOENT ? " (a page of the range is not mapped)"
		   : err == MMK_EPERM  ? " (the kernel space takes no user mappings)"
		   : err == MMK_EINVAL ? " (a protection or size this machine cannot map)"
				       : "");
}

/* Frames for pages pages: one naturally aligned block, so large pages can be used, cut
 * into single frames (what an unmap's batch gives back, one by one); the tail past
 * pages goes back at once. */
static int alloc_frames(struct mmk_pmm *pmm, uint64_t pages, mmk_paddr_t *pa)
{
	unsigned order = 0;
	while ((1ull << order) < pages)
		order++;
	int err = mmk_pmm_alloc_block(pmm, order, pa);
	if (err)
		return err;
	err = mmk_pmm_split_block(pmm, *pa, order);
	if (err) {
		mmk_pmm_free_block(pmm, *pa, order);
		return err;
	}
	uint64_t extra = (1ull << order) - pages;
	if (extra)
		mmk_pmm_release_frames(pmm, *pa + pages * PAGE, extra * PAGE);
	return 0;
}

int shell_cmd_map(int argc, char **argv)
{
	struct mmk_mmu *mmu = kernel_mmu();
	mmk_vaddr_t va;
	mmk_vsize_t size;
	unsigned flags = MMK_PROT_READ | MMK_PROT_WRITE;
	if (!scratch_args(argv, &va, &size) || (argc == 3 && !shell_parse_prot(argv[2], &flags)))
		return 1;
	struct mmk_pmm *pmm = shell_env()->pmm;
	mmk_paddr_t pa;
	int err = alloc_frames(pmm, size / PAGE, &pa);
	if (err) {
		report_error("no frames", err);
		return 1;
	}
	err = mmk_mmu_map(&mmu->kernel, va, pa, size, flags, 0);
	if (err) {
		mmk_pmm_release_frames(pmm, pa, size);
		report_error("map", err);
		return 1;
	}
	struct mmk_mmu_mapping m;
	mmk_mmu_query(&mmu->kernel, va, &m);
	mmk_printf("mapped 0x%llx-0x%llx to frames 0x%llx-0x%llx, as ", (unsigned long long)va,
		   (unsigned long long)(va + size), (unsigned long long)pa,
		   (unsigned long long)(pa + size));
	shell_print_flags(m.flags & ~(MMK_MAP_ACCESSED | MMK_MAP_DIRTY));
	mmk_printf(" (the first page: ");
	shell_print_size(1ull << m.page_shift);
	mmk_printf(")\n");
	return 0;
}

int shell_cmd_unmap(int argc, char **argv)
{
	struct mmk_mmu *mmu = kernel_mmu();
	mmk_vaddr_t va;
	mmk_vsize_t size;
	if (!scratch_args(argv, &va, &size))
		return 1;
	struct mmk_mmu_batch batch;
	mmk_mmu_batch_begin(&batch, &mmu->kernel, mmk_pmm_release_frames, shell_env()->pmm);
	int err = mmk_mmu_unmap(&mmu->kernel, va, size, &batch);
	mmk_mmu_batch_finish(&batch);
	if (err) {
		report_error("unmap", err);
		return 1;
	}
	mmk_printf("unmapped 0x%llx-0x%llx, frames back to the PMM\n", (unsigned long long)va,
		   (unsigned long long)(va + size));
	return 0;
}

int shell_cmd_protect(int argc, char **argv)
{
	struct mmk_mmu *mmu = kernel_mmu();
	mmk_vaddr_t va;
	mmk_vsize_t size;
	unsigned flags;
	if (!scratch_args(argv, &va, &size) || !shell_parse_prot(argv[2], &flags))
		return 1;
	int err = mmk_mmu_protect(&mmu->kernel, va, size, flags, NULL);
	if (err) {
		report_error("protect", err);
		return 1;
	}
	struct mmk_mmu_mapping m;
	mmk_mmu_query(&mmu->kernel, va, &m);
	mmk_printf("0x%llx-0x%llx is now ", (unsigned long long)va, (unsigned long long)(va + size));
	shell_print_flags(m.flags & ~(MMK_MAP_ACCESSED | MMK_MAP_DIRTY));
	mmk_printf("\n");
	return 0;
}

/*
 * A real access through the MMU, refused beforehand when it would fault (the kernel
 * treats a fault in its own space as fatal): loads anywhere mapped but device memory
 * (a read there can have effects: the UART's receive register), stores only in the
 * scratch range.
 */
int shell_cmd_touch(int argc, char **argv)
{
	struct mmk_mmu *mmu = kernel_mmu();
	uint64_t a;
	if (!shell_parse_u64(argv[0], &a))
		return 1;
	bool write = argc == 2 && argv[1][0] == 'w' && argv[1][1] == '\0';
	if (argc == 2 && !write && !(argv[1][0] == 'r' && argv[1][1] == '\0')) {
		mmk_printf("error: '%s' is not an access (r or w)\n", argv[1]);
		return 1;
	}
	mmk_vaddr_t va = (mmk_vaddr_t)(a & ~(uint64_t)3);
	struct mmk_mmu_mapping m;
	if (a > UINTPTR_MAX || mmk_mmu_query(&mmu->kernel, va, &m) != 0) {
		mmk_printf("error: 0x%llx is not mapped: the access would fault\n", (unsigned long long)a);
		return 1;
	}
	mmk_vaddr_t s0 = 0, s1 = 0;
	shell_scratch_range(&s0, &s1);
	if ((m.flags & MMK_CACHE_MASK) == MMK_CACHE_UC) {
		mmk_printf("error: 0x%llx is device memory: not touched\n", (unsigned long long)a);
		return 1;
	}
	if (write && !(va >= s0 && va < s1)) {
		mmk_printf("error: stores go only to the scratch range [0x%llx, 0x%llx)\n",
			   (unsigned long long)s0, (unsigned long long)s1);
		return 1;
	}
	if (write && !(m.flags & MMK_PROT_WRITE)) {
		mmk_printf("error: 0x%llx is read-only: the store would fault\n", (unsigned long long)a);
		return 1;
	}
	volatile uint32_t *p = (volatile uint32_t *)va;
	if (write) {
		uint32_t v = (uint32_t)(va ^ 0x5a5a5a5au);
		*p = v;
		mmk_printf("wrote 0x%08x at 0x%llx; read back 0x%08x\n", (unsigned)v,
			   (unsigned long long)va, (unsigned)*p);
	} else {
		mmk_printf("read 0x%08x at 0x%llx\n", (unsigned)*p, (unsigned long long)va);
	}
	char *tr[1] = {argv[0]};
	return shell_cmd_translate(1, tr);
}

int shell_cmd_scratch(int argc, char **argv)
{
	mmk_vaddr_t s0, s1;
	if (!shell_scratch_range(&s0, &s1)) {
		mmk_printf("error: there is no scratch range (the kernel window is full)\n");
		return 1;
	}
	mmk_printf("scratch range [0x%llx, 0x%llx), %llu KiB: map, unmap, protect and touch w "
		   "work here\n", (unsigned long long)s0, (unsigned long long)s1,
		   (unsigned long long)(s1 - s0) / 1024);
	char a[24], b[24];
	mmk_vaddr_t v[2] = {s0, s1};
	char *bufs[2] = {a, b};
	for (unsigned k = 0; k < 2; k++) {
		static const char hex[] = "0123456789abcdef";
		char *q = bufs[k];
		*q++ = '0';
		*q++ = 'x';
		int shift = (int)(sizeof(mmk_vaddr_t) * 8) - 4;
		for (; shift >= 0; shift -= 4)
			*q++ = hex[(v[k] >> shift) & 0xF];
		*q = '\0';
	}
	char *args[2] = {a, b};
	return shell_cmd_ptdump(2, args);
}
