/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The "procs" test suite: each user program (user/) runs as a process and must exit with
 * status 0 (each checks its own results, the sources in user/); then every frame and table page the
 * processes used must be back in the PMM. The suite runs in a boot with "procs" on the
 * command line (proc_boot); in other boots its tests skip, since processes change the
 * machine (the timer, SMEP/SMAP on x86) under the other suites.
 */
#include <mmukit/errno.h>
#include <mmukit/kheap.h>
#include <mmukit/ktest.h>
#include <mmukit/pmm.h>
#include <mmukit/services.h>
#include <mmukit/uaccess.h>

#include "proc.h"
#include "user_entry.h"

static bool procs_ready;
static int expected_status; /* what run_program expects the program to exit with */
static uint64_t free_before;
extern volatile unsigned long proc_kernel_canary;

/* Frames the PMM has free, plus those the kernel heap holds as free pages it keeps for
 * reuse (one per size class): region structures of the first process fill them. */
static uint64_t free_frames(void)
{
	struct mmk_pmm_stats st;
	mmk_pmm_get_stats(kernel_mmu()->pmm, &st);
	struct mmk_kheap *heap = mmk_kheap_set_default(NULL); /* which heap: set it back */
	mmk_kheap_set_default(heap);
	uint64_t kept = 0;
	for (unsigned c = 0; c < MMK_KHEAP_CLASSES; c++)
		kept += heap->empty[c] != 0;
	return st.free_frames + kept;
}

unsigned proc_boot(void)
{
	if (arch_user_supported() && kernel_mmu()) {
		int err = arch_user_init(PROC_HZ);
		if (!err)
			err = proc_init();
		if (err)
			mmk_printf("# proc: no processes: %s\n", mmk_strerror(err));
		procs_ready = !err;
		free_before = free_frames();
	}
	unsigned failed = ktest_run_all("procs");
	mmk_printf("# %u failed\n", failed);
	return failed;
}

#define NOT_HERE "user processes run in a boot with 'procs' on a machine that has them"

/* Runs program name to the end (with whatever it forks) and checks its exit status. */
static void run_program(const char *name)
{
	if (!procs_ready)
		KTEST_SKIP(NOT_HERE);
	uint64_t before = free_frames();
	int pid = proc_spawn(name);
	KASSERT_GT(pid, 0);
	KEXPECT_EQ(proc_run(), 0);
	KEXPECT_EQ(proc_count(), 0);
	int status = -1;
	KASSERT_EQ(proc_status(pid, &status), 0);
	KEXPECT_EQ(status, expected_status);
	ktest_log("%s: %lld frames not back", name, (long long)(before - free_frames()));
}

KTEST(procs, hello)
{
	run_program("hello");
}

KTEST(procs, fork_private_copies)
{
	run_program("fork");
}

KTEST(procs, exec)
{
	run_program("exec");
}

KTEST(procs, memory_calls)
{
	run_program("mem");
}

KTEST(procs, timer_preempts)
{
	if (!procs_ready)
		KTEST_SKIP(NOT_HERE);
	unsigned long before = proc_preemptions;
	run_program("spin");
	KEXPECT_GT(proc_preemptions - before, 0);
	ktest_log("%lu preemptions", proc_preemptions - before);
}

/* Costs from user mode (user/perf.c): instructions when QEMU runs with -icount shift=0. */
KTEST(procs, costs_from_user_mode)
{
	run_program("perf");
}

KTEST(procs, wild_pointer_killed)
{
	run_program("wild");
}

KTEST(procs, kernel_memory_refused)
{
	if (!procs_ready)
		KTEST_SKIP(NOT_HERE);
	run_program("kernel");
	KEXPECT_EQ(proc_kernel_canary, 0x600DCAFE);
}

KTEST(procs, data_not_executable)
{
	if (!procs_ready)
		KTEST_SKIP(NOT_HERE);
	if (procs_ready && !arch_user_nx()) {
		expected_status = 2; /* the program saw its data page execute */
		ktest_log("this machine's user pages cannot be made non-executable");
	}
	run_program("nx");
	expected_status = 0;
}

KTEST(procs, stack_grows_to_its_guard)
{
	run_program("stack");
}

KTEST(procs, shared_memory_across_fork)
{
	run_program("shm");
}

KTEST(procs, mmap_munmap_mprotect_against_a_model)
{
	run_program("mmap");
}

KTEST(procs, memory_hog_contained)
{
	run_program("hog");
}

KTEST(procs, fork_bomb_contained)
{
	run_program("forkbomb");
}

static unsigned char elf_copy[64 * 1024];

/* hello's image with one byte changed at offset: elf_load must refuse it, mapping nothing. */
static void expect_refused(const struct user_program *u, size_t size, size_t offset,
			   unsigned char value)
{
	for (size_t i = 0; i < size; i++)
		elf_copy[i] = u->start[i];
	elf_copy[offset] = value;
	struct mmk_vm_space s;
	KASSERT_EQ(mmk_vm_space_create(proc_vm(), &s), 0);
	mmk_vaddr_t entry, end;
	KEXPECT_EQ(elf_load(&s, elf_copy, size, &entry, &end), -MMK_EINVAL);
	KEXPECT_TRUE(mmk_vas_first(&s.regions, 0) == NULL);
	KEXPECT_EQ(mmk_vm_space_destroy(&s), 0);
}

KTEST(procs, bad_programs_refused)
{
	if (!procs_ready)
		KTEST_SKIP(NOT_HERE);
	KEXPECT_EQ(proc_spawn("no-such-program"), -MMK_ENOENT);
	const struct user_program *u = proc_program("hello");
	KASSERT_TRUE(u != NULL);
	size_t size = (size_t)(u->end - u->start);
	KASSERT_LE(size, sizeof(elf_copy));
	bool is64 = arch_elf_class() == 2;
	expect_refused(u, size, 0, 0x7E);                     /* magic */
	expect_refused(u, size, 4, is64 ? 1 : 2);             /* class */
	expect_refused(u, size, 5, 2);                        /* big-endian */
	expect_refused(u, size, 16, 3);                       /* ET_DYN */
	expect_refused(u, size, 18, 0xEE);                    /* machine */
	expect_refused(u, size, is64 ? 54 : 42, 40);          /* phentsize */
	expect_refused(u, size, is64 ? 57 : 45, 0x7F);        /* phnum */
	expect_refused(u, size, is64 ? 39 : 31, 0x7F);        /* phoff far past the end */
	/* The first segment's file size far above its memory size and the file's. */
	uint64_t phoff = is64 ? u->start[32] | (uint64_t)u->start[33] << 8
			      : u->start[28] | (uint64_t)u->start[29] << 8;
	expect_refused(u, size, (size_t)phoff + (is64 ? 38 : 18), 0x7F);
	expect_refused(u, 40, 0, 0x7F);                        /* truncated */
	KEXPECT_EQ(proc_count(), 0);
}

/* A user page of an active space: the kernel reaches it through the user copies; a plain
 * kernel load faults where the machine guards user memory (SMAP, PAN, SUM), else works;
 * a kernel call into an executable user page faults where it guards execution (SMEP,
 * PXN, RISC-V's U bit). */
KTEST(procs, kernel_access_to_user_memory)
{
	if (!procs_ready)
		KTEST_SKIP(NOT_HERE);
	struct mmk_vm_space s;
	KASSERT_EQ(mmk_vm_space_create(proc_vm(), &s), 0);
	mmk_vaddr_t va = 0, code = 0;
	KASSERT_EQ(mmk_vm_map_anon(&s, &va, MMK_PAGE_SIZE, MMK_PROT_READ | MMK_PROT_WRITE | MMK_PROT_USER), 0);
	KASSERT_EQ(mmk_vm_map_anon(&s, &code, MMK_PAGE_SIZE, MMK_PROT_READ | MMK_PROT_EXEC | MMK_PROT_USER), 0);
	mmk_vm_space_activate(&s);
	uint32_t v = 0x1234, back = 0;
	KEXPECT_EQ(mmk_copy_to_user(&s, va, &v, sizeof(v)), 0); /* demand-zero through the copy */
	KEXPECT_EQ(mmk_copy_from_user(&s, &back, va, sizeof(back)), 0);
	KEXPECT_EQ(back, 0x1234);
	KEXPECT_EQ(mmk_copy_from_user(&s, &back, mmk_mmu_kernel_base(kernel_mmu()), 4), -MMK_EFAULT);
	uint32_t direct = 0;
	int r = arch_kernel_load(va, &direct);
	if (arch_user_access_guarded()) {
		KEXPECT_EQ(r, -MMK_EFAULT);
	} else {
		KEXPECT_EQ(r, 0);
		KEXPECT_EQ(direct, 0x1234);
	}
	ktest_log("a plain kernel read of a user page: %s", r ? "faults" : "works");
	KEXPECT_EQ(mmk_copy_from_user(&s, &back, code, sizeof(back)), 0); /* mapped now */
	if (arch_user_exec_guarded()) {
		KEXPECT_EQ(kernel_exec_probe(code), -MMK_EFAULT);
		ktest_log("a kernel call into a user page: faults");
	} else {
		ktest_log("this CPU lets the kernel run user pages (no SMEP / PXN): not tried");
	}
	mmk_mmu_activate(&kernel_mmu()->kernel);
	KEXPECT_EQ(mmk_vm_space_destroy(&s), 0);
}

KTEST(procs, every_frame_back)
{
	if (!procs_ready)
		KTEST_SKIP(NOT_HERE);
	KEXPECT_EQ(free_frames(), free_before);
}
