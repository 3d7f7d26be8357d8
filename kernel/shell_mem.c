/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What the VMM looks like, for the shell and the boot summary: meminfo, vmmap, ptdump,
 * walk, translate. Everything is read through the portable interface (mmu.h: walk,
 * walk_steps, query; pt.h only for the format's name, levels and entry layout), so each
 * machine shows its own tables without code of its own here.
 *
 * ptdump prints the kernel space (or a process's user half) as Linux's
 * /sys/kernel/debug/page_tables does: runs of
 * leaves contiguous in both address spaces, with one page size and one set of flags, as
 * one line. A root entry pointing back at a root (i386's recursive slot, which maps the
 * space's own tables, and its alternate window onto another space's) is one line too,
 * named for what it is, instead of the table pages it exposes.
 */
#include <mmukit/errno.h>
#include <mmukit/kheap.h>
#include <mmukit/kvm.h>
#include <mmukit/memmap.h>
#include <mmukit/mmu.h>
#include <mmukit/pmm.h>
#include <mmukit/pt.h>
#include <mmukit/services.h>

#include "platform.h"
#include "proc.h"
#include "shell.h"

#define MAX_ROOT_WINDOWS 4

/* A root-level slot of the kernel half whose entry points to a space's root. */
struct root_window {
	mmk_vaddr_t start, end;
	mmk_paddr_t root;
	bool own; /* this space's root: the recursive window */
};

/* A run of leaves being coalesced. */
struct run {
	bool open;
	mmk_vaddr_t start, end;
	mmk_paddr_t pa;
	unsigned flags;
	unsigned page_shift;
	unsigned shifts;   /* vmmap: bit n, pages of 2^n bytes in the run */
	const char *kind;  /* vmmap */
};

struct dump {
	const struct mmk_mmu_space *space;
	struct root_window windows[MAX_ROOT_WINDOWS];
	unsigned window_count;
	struct run run;
	bool regions; /* vmmap: coalesce by kind and protection, any frames and sizes */
	unsigned shifts_used;
	uint64_t lines;
};

static bool wide(void)
{
	return sizeof(mmk_vaddr_t) > 4;
}

static void print_addr(uint64_t a)
{
	if (wide())
		mmk_printf("0x%016llx", (unsigned long long)a);
	else
		mmk_printf("0x%08llx", (unsigned long long)a);
}

void shell_print_size(uint64_t bytes)
{
	static const char units[] = "KMGT";
	if (bytes == 0 || bytes % 1024) {
		mmk_printf("%lluB", (unsigned long long)bytes);
		return;
	}
	unsigned u = 0;
	bytes >>= 10;
	while (u + 1 < sizeof(units) - 1 && bytes % 1024 == 0) {
		bytes >>= 10;
		u++;
	}
	mmk_printf("%llu%c", (unsigned long long)bytes, units[u]);
}

/* Fixed-width size column. */
static void print_size_col(uint64_t bytes, unsigned width)
{
	char buf[24];
	unsigned n = 0;
	static const char units[] = "KMGT";
	uint64_t v = bytes;
	char unit = 'B';
	if (v && v % 1024 == 0) {
		v >>= 10;
		unit = 'K';
		for (unsigned u = 1; u < 4 && v % 1024 == 0; u++) {
			v >>= 10;
			unit = units[u];
		}
	}
	char digits[22];
	unsigned d = 0;
	do {
		digits[d++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (d)
		buf[n++] = digits[--d];
	buf[n++] = unit;
	buf[n] = '\0';
	for (unsigned i = n; i < width; i++)
		mmk_printf(" ");
	mmk_printf("%s", buf);
}

void shell_print_flags(unsigned flags)
{
	unsigned cache = flags & MMK_CACHE_MASK;
	mmk_printf("%c%c%c%c%c %s", flags & (MMK_PROT_READ | MMK_PROT_WRITE | MMK_PROT_EXEC) ? 'r' : '-',
		   flags & MMK_PROT_WRITE ? 'w' : '-', flags & MMK_PROT_EXEC ? 'x' : '-',
		   flags & MMK_PROT_USER ? 'u' : '-', flags & MMK_PROT_GLOBAL ? 'g' : '-',
		   cache == MMK_CACHE_UC   ? "uc"
		   : cache == MMK_CACHE_WC ? "wc"
		   : cache == MMK_CACHE_WT ? "wt"
					   : "wb");
}

static void print_shifts(unsigned shifts)
{
	bool first = true;
	for (unsigned s = 0; s < 32; s++) {
		if (!(shifts & (1u << s)))
			continue;
		mmk_printf("%s", first ? "" : ",");
		shell_print_size(1ull << s);
		first = false;
	}
}

/* ------------------------------------------------------------ root windows */

static mmk_paddr_t table_address(const struct mmk_pt_format *f, unsigned level, uint64_t e)
{
	return (mmk_paddr_t)((e & f->level[level].table_addr) << f->pa_shift);
}

static const struct mmk_mmu_space *space_with_root(const struct mmk_mmu *mmu, mmk_paddr_t root)
{
	for (const struct mmk_mmu_space *s = mmu->spaces; s; s = s->next)
		if (s->root == root)
			return s;
	return NULL;
}

/* Finds the root slots of the kernel half and above (i386 keeps its windows past the
 * half's end) whose entry points to a space's root, reading the root table itself. */
static void find_root_windows(struct dump *d)
{
	const struct mmk_mmu *mmu = d->space->mmu;
	const struct mmk_pt_format *f = mmu->fmt;
	unsigned top = f->levels - 1;
	const struct mmk_pt_level *lv = &f->level[top];
	uint64_t span = 1ull << lv->shift;
	const void *root = mmk_mmu_root_pointer(d->space);
	mmk_vaddr_t lo = mmk_mmu_kernel_base(mmu);
	unsigned first = mmk_pt_index(f, top, lo);
	if (!root || lv->table_mask == 0)
		return;
	for (unsigned i = first; i < (1u << lv->bits) && d->window_count < MAX_ROOT_WINDOWS; i++) {
		mmk_pte_t e = mmk_pt_load(f, root, i);
		if (!(e & f->valid) || (e & lv->table_mask) != lv->table_match)
			continue;
		mmk_paddr_t pa = table_address(f, top, e);
		if (!space_with_root(mmu, pa))
			continue;
		struct root_window *w = &d->windows[d->window_count++];
		w->start = (mmk_vaddr_t)(lo + (uint64_t)(i - first) * span);
		w->end = (mmk_vaddr_t)(w->start + (span - 1)); /* inclusive: may end at 2^n */
		w->root = pa;
		w->own = pa == d->space->root;
	}
}

static const struct root_window *in_root_window(const struct dump *d, mmk_vaddr_t va)
{
	for (unsigned i = 0; i < d->window_count; i++)
		if (va >= d->windows[i].start && va <= d->windows[i].end)
			return &d->windows[i];
	return NULL;
}

static void print_root_window(const struct root_window *w)
{
	print_addr(w->start);
	mmk_printf("-");
	print_addr((uint64_t)w->end + 1);
	print_size_col((uint64_t)w->end - w->start + 1, 8);
	if (w->own)
		mmk_printf("  recursive window: a root entry points at this root, so the space's "
			   "own tables appear here as pages\n");
	else
		mmk_printf("  alternate window: a root entry points at the root 0x%llx, whose "
			   "tables appear here as pages\n", (unsigned long long)w->root);
}

/* ------------------------------------------------------------ kinds (vmmap) */

static const char *kind_of(const struct mmk_mmu *mmu, const struct mmk_mmu_mapping *m)
{
	mmk_vaddr_t s0, s1;
	if (shell_scratch_range(&s0, &s1) && m->va >= s0 && m->va < s1)
		return "scratch (shell)";
	struct mmk_kvm *kvm = kernel_kvm();
	if (kvm && m->va >= kvm->vas.base && m->va < kvm->vas.end)
		return (m->flags & MMK_CACHE_MASK) == MMK_CACHE_UC ? "window: MMIO" : "window: heap";
	if ((m->flags & MMK_CACHE_MASK) == MMK_CACHE_UC)
		return "device (MMIO)";
	if (mmu->direct_base && m->va - mmu->direct_base == m->pa)
		return "direct map of RAM";
	if (m->page_shift > 12 && !(m->flags & MMK_PROT_EXEC))
		return "RAM window";
	if (m->flags & MMK_PROT_EXEC)
		return m->flags & MMK_PROT_WRITE ? "kernel (rwx)" : "kernel text";
	return m->flags & MMK_PROT_WRITE ? "kernel data" : "kernel rodata";
}

/* ------------------------------------------------------------ dumping */

static void print_run(struct dump *d)
{
	struct run *r = &d->run;
	if (!r->open)
		return;
	print_addr(r->start);
	mmk_printf("-");
	print_addr(r->end);
	print_size_col(r->end - r->start, 8);
	mmk_printf("  ");
	if (d->regions) {
		shell_print_flags(r->flags);
		mmk_printf("  %-18s ", r->kind);
		print_shifts(r->shifts);
		mmk_printf("\n");
	} else {
		print_size_col(1ull << r->page_shift, 4);
		mmk_printf("  ");
		shell_print_flags(r->flags);
		mmk_printf("  pa 0x%llx\n", (unsigned long long)r->pa);
	}
	d->lines++;
	r->open = false;
}

static bool extends(const struct dump *d, const struct mmk_mmu_mapping *m, unsigned flags,
		    const char *kind)
{
	const struct run *r = &d->run;
	if (!r->open || m->va != r->end || flags != r->flags)
		return false;
	if (d->regions)
		return kind == r->kind;
	return m->page_shift == r->page_shift && m->pa == r->pa + (r->end - r->start);
}

static int visit(void *ctx, const struct mmk_mmu_mapping *m)
{
	struct dump *d = ctx;
	if (in_root_window(d, m->va))
		return 0;
	unsigned flags = m->flags & ~(MMK_MAP_ACCESSED | MMK_MAP_DIRTY);
	const char *kind = d->regions ? kind_of(d->space->mmu, m) : NULL;
	uint64_t size = 1ull << m->page_shift;
	d->shifts_used |= 1u << m->page_shift;
	if (!extends(d, m, flags, kind)) {
		print_run(d);
		d->run = (struct run){.open = true, .start = m->va, .end = m->va, .pa = m->pa,
				      .flags = flags, .page_shift = m->page_shift, .kind = kind};
	}
	d->run.end = (mmk_vaddr_t)(m->va + size);
	d->run.shifts |= 1u << m->page_shift;
	if (d->run.end == 0) { /* the last page of the address space */
		d->run.end = (mmk_vaddr_t)(m->va + (size - 1));
	}
	return 0;
}

static struct mmk_mmu *need_mmu(void)
{
	struct mmk_mmu *mmu = kernel_mmu();
	if (!mmu)
		mmk_printf("error: the VM is not running\n");
	return mmu;
}

/* Dumps [start, end) of space; the root windows in it are listed after. */
static unsigned dump(const struct mmk_mmu_space *space, bool regions, mmk_vaddr_t start,
		     mmk_vaddr_t end)
{
	static struct dump d;
	d = (struct dump){.space = space, .regions = regions};
	find_root_windows(&d);
	if (wide())
		mmk_printf("%-18s %-18s", "start", "end");
	else
		mmk_printf("%-10s %-10s", "start", "end");
	if (regions)
		mmk_printf("     size  prot     kind               pages\n");
	else
		mmk_printf("     size  page  prot     frames\n");
	mmk_mmu_walk(space, start, end, visit, &d);
	print_run(&d);
	for (unsigned i = 0; i < d.window_count; i++)
		if (d.windows[i].start >= start && d.windows[i].start < end)
			print_root_window(&d.windows[i]);
	return d.shifts_used;
}

int shell_cmd_ptdump(int argc, char **argv)
{
	struct mmk_mmu *mmu = need_mmu();
	if (!mmu)
		return 1;
	const struct mmk_mmu_space *space = &mmu->kernel;
	struct proc *p = NULL;
	uint64_t start = mmk_mmu_kernel_base(mmu), end = UINTPTR_MAX;
	if (argc == 1 || argc == 3) { /* a PID last */
		if (!(p = shell_proc_arg(argv[argc - 1])))
			return 1;
		space = &p->space->mmu;
		start = 0;
		end = mmk_mmu_user_end(mmu);
	}
	if (argc >= 2 && (!shell_parse_u64(argv[0], &start) || !shell_parse_u64(argv[1], &end)))
		return 1;
	if (end <= start || end > UINTPTR_MAX) {
		mmk_printf("error: the range [0x%llx, 0x%llx) is empty or too large\n",
			   (unsigned long long)start, (unsigned long long)end);
		return 1;
	}
	if (p)
		mmk_printf("pid %d (%s), root 0x%llx (%s), user half:\n", p->pid,
			   p->name, (unsigned long long)space->root, mmu->fmt->name);
	else
		mmk_printf("kernel space, root 0x%llx (%s):\n", (unsigned long long)space->root,
			   mmu->fmt->name);
	dump(space, false, (mmk_vaddr_t)start, (mmk_vaddr_t)end);
	return 0;
}

static void print_window_line(const char *what, uint64_t start, uint64_t end)
{
	mmk_printf("  %-24s ", what);
	print_addr(start);
	mmk_printf("-");
	print_addr(end);
	mmk_printf("\n");
}

static unsigned vmmap(void)
{
	struct mmk_mmu *mmu = kernel_mmu();
	mmk_printf("kernel virtual memory (%s, root 0x%llx):\n", mmu->fmt->name,
		   (unsigned long long)mmu->kernel.root);
	print_window_line("kernel half", mmk_mmu_kernel_base(mmu), mmu->fmt->kernel_end);
	if (mmu->direct_base)
		mmk_printf("  %-24s at 0x%llx: physical address pa is at 0x%llx + pa\n",
			   "direct map", (unsigned long long)mmu->direct_base,
			   (unsigned long long)mmu->direct_base);
	struct mmk_kvm *kvm = kernel_kvm();
	if (kvm)
		print_window_line("heap up / MMIO down", kvm->vas.base, kvm->vas.end);
	mmk_vaddr_t s0, s1;
	if (shell_scratch_range(&s0, &s1))
		print_window_line("shell scratch (in it)", s0, s1);
	mmk_printf("regions (what is mapped; frames need not be contiguous):\n");
	return dump(&mmu->kernel, true, mmk_mmu_kernel_base(mmu), UINTPTR_MAX);
}

int shell_cmd_vmmap(int argc, char **argv)
{
	if (!need_mmu())
		return 1;
	if (argc == 1) {
		struct proc *p = shell_proc_arg(argv[0]);
		if (!p)
			return 1;
		shell_proc_vmmap(p);
		return 0;
	}
	vmmap();
	return 0;
}

int shell_cmd_walk(int argc, char **argv)
{
	struct mmk_mmu *mmu = need_mmu();
	uint64_t va;
	if (!mmu || !shell_parse_u64(argv[0], &va))
		return 1;
	if (va > UINTPTR_MAX) {
		mmk_printf("error: 0x%llx is wider than this machine's addresses\n",
			   (unsigned long long)va);
		return 1;
	}
	const struct mmk_mmu_space *space = &mmu->kernel;
	if (argc == 2) {
		struct proc *p = shell_proc_arg(argv[1]);
		if (!p)
			return 1;
		space = &p->space->mmu;
		mmk_printf("pid %d (%s): ", p->pid, p->name);
	}
	mmk_mmu_print_walk(space, (mmk_vaddr_t)va);
	return 0;
}

int shell_cmd_translate(int argc, char **argv)
{
	struct mmk_mmu *mmu = need_mmu();
	uint64_t va;
	if (!mmu || !shell_parse_u64(argv[0], &va))
		return 1;
	struct mmk_mmu_mapping m;
	if (va > UINTPTR_MAX || mmk_mmu_query(&mmu->kernel, (mmk_vaddr_t)va, &m) != 0) {
		mmk_printf("error: 0x%llx is not mapped in the kernel space\n",
			   (unsigned long long)va);
		return 1;
	}
	mmk_printf("0x%llx -> 0x%llx  (", (unsigned long long)va,
		   (unsigned long long)(m.pa + (va - m.va)));
	shell_print_size(1ull << m.page_shift);
	mmk_printf(" page 0x%llx -> 0x%llx, ", (unsigned long long)m.va, (unsigned long long)m.pa);
	shell_print_flags(m.flags);
	mmk_printf("%s%s)\n", m.flags & MMK_MAP_ACCESSED ? " accessed" : "",
		   m.flags & MMK_MAP_DIRTY ? " dirty" : "");
	return 0;
}

/* ------------------------------------------------------------ meminfo */

static uint64_t table_pages_all(const struct mmk_mmu *mmu)
{
	uint64_t n = 0;
	for (const struct mmk_mmu_space *s = mmu->spaces; s; s = s->next)
		n += s->table_pages;
	return n;
}

int shell_cmd_meminfo(int argc, char **argv)
{
	const struct shell_env *env = shell_env();
	struct mmk_pmm_stats st;
	mmk_pmm_get_stats(env->pmm, &st);
	mmk_printf("physical memory (4 KiB frames):\n");
	mmk_printf("  usable     %8llu KiB  (%llu frames)\n", (unsigned long long)st.total_frames * 4,
		   (unsigned long long)st.total_frames);
	mmk_printf("  free       %8llu KiB  (%llu frames, %llu of them in the single-frame cache)\n",
		   (unsigned long long)st.free_frames * 4, (unsigned long long)st.free_frames,
		   (unsigned long long)st.cached_frames);
	mmk_printf("  used       %8llu KiB\n",
		   (unsigned long long)(st.total_frames - st.free_frames) * 4);
	mmk_printf("  PMM metadata %6llu KiB\n", (unsigned long long)st.metadata_bytes / 1024);
	mmk_printf("free blocks by order (order n: 2^n frames):\n ");
	for (unsigned k = 0; k <= MMK_PMM_MAX_ORDER; k++)
		if (st.free_blocks[k])
			mmk_printf(" %u:%llu", k, (unsigned long long)st.free_blocks[k]);
	mmk_printf("\n");
	struct mmk_kheap *heap = kernel_heap();
	if (heap)
		mmk_printf("kernel heap: %llu pages mapped, %llu live objects, %llu bytes\n",
			   (unsigned long long)heap->stats.pages, (unsigned long long)heap->stats.objects,
			   (unsigned long long)heap->stats.bytes);
	struct mmk_mmu *mmu = kernel_mmu();
	if (mmu) {
		unsigned spaces = 0;
		for (const struct mmk_mmu_space *s = mmu->spaces; s; s = s->next)
			spaces++;
		mmk_printf("page tables: %llu pages (kernel %llu), %u spaces; %llu tables allocated, "
			   "%llu freed since boot\n",
			   (unsigned long long)table_pages_all(mmu),
			   (unsigned long long)mmu->kernel.table_pages, spaces,
			   (unsigned long long)mmu->stats.tables_allocated,
			   (unsigned long long)mmu->stats.tables_freed);
		mmk_printf("TLB: %llu page invalidations, %llu full flushes, %llu space switches\n",
			   (unsigned long long)mmu->stats.tlb_page_invalidations,
			   (unsigned long long)mmu->stats.tlb_full_flushes,
			   (unsigned long long)mmu->stats.space_switches);
	}
	return 0;
}

/* ------------------------------------------------------------ boot summary */

static void print_features(const struct mmk_mmu *mmu, unsigned used)
{
	const struct mmk_pt_format *f = mmu->fmt;
	mmk_printf("page sizes: supported ");
	print_shifts(mmk_mmu_page_shifts(mmu));
	mmk_printf("; in the kernel space now ");
	print_shifts(used);
	mmk_printf("\n");
	mmk_printf("MMU: %s, %u levels, %u-bit virtual addresses, %u-byte entries\n", f->name,
		   f->levels, f->va_bits, f->entry_bytes);
	mmk_printf("  tagged spaces: %s", mmu->asids.bits ? "yes" : "no (a switch flushes non-global entries)");
	if (mmu->asids.bits)
		mmk_printf(" (%u-bit ASID/PCID)", mmu->asids.bits);
	mmk_printf("\n  hardware accessed/dirty bits: %s\n",
		   f->accessed ? (f->dirty ? "accessed and dirty" : "accessed only")
			       : "none (the access flag is not used)");
	/* What the format's own encoder makes of the protections (pt.h leaf_bits): */
	mmk_pte_t r = f->leaf_bits(mmu, MMK_PROT_READ, 0, false);
	mmk_pte_t rx = f->leaf_bits(mmu, MMK_PROT_READ | MMK_PROT_EXEC, 0, false);
	mmk_pte_t rg = f->leaf_bits(mmu, MMK_PROT_READ | MMK_PROT_GLOBAL, 0, false);
	mmk_printf("  non-executable pages: %s; global kernel pages: %s\n",
		   r != rx ? "yes (data and stacks are not executable)" : "no (every page can execute)",
		   r != rg ? "yes (kept in the TLB across switches)"
			   : "no distinct bit (or every kernel page is global)");
	mmk_printf("  kernel half: %s; break-before-make: %s; backend feature bits 0x%llx\n",
		   f->shared_kernel_root ? "entries copied into every root" : "a root of its own",
		   f->break_before_make ? "yes" : "no", (unsigned long long)mmu->features);
}

void shell_boot_summary(const struct shell_env *env)
{
	struct mmk_mmu *mmu = kernel_mmu();
	if (!mmu)
		return;
	mmk_printf("\n");
	unsigned used = vmmap();
	mmk_printf("\n");
	print_features(mmu, used);
	arch_print_cpu_features();
	mmk_printf("\n");
}
