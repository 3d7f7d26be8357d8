/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The stress run's frame (kernel/stress.h): the boot words, the generator, the checks
 * every phase uses, and the KTAP suite "stress" that runs the phases in order - the
 * kernel-level operations, the VM-level ones, then user processes (which start the
 * timer and, on x86_64, SMEP/SMAP, so they come last). N operations are shared out as
 * 40 % kernel, 40 % VM and 20 % user. In a boot without "stress=N" the suite's tests
 * skip: the run is long and changes the machine under the other suites.
 */
#include <mmukit/errno.h>
#include <mmukit/kheap.h>
#include <mmukit/ktest.h>
#include <mmukit/mmu.h>
#include <mmukit/pmm.h>
#include <mmukit/services.h>

#include "lib/divide.h"
#include "platform.h"
#include "stress.h"

static uint64_t stress_ops;                        /* from "stress=N"; 0: not asked */
static uint64_t stress_start = 0x2545F4914F6CDD1Dull; /* from "stress_rng=K" */
static uint64_t free_at_start, tables_at_start;

/* The value of word "key=..." in cmdline (decimal, or hex after 0x); false if absent or
 * not a number. */
static bool cmdline_number(const char *cmdline, const char *key, uint64_t *value)
{
	for (const char *p = cmdline; p && *p;) {
		while (*p == ' ')
			p++;
		const char *k = key;
		while (*k && *p == *k) {
			p++;
			k++;
		}
		if (*k == '\0') {
			unsigned base = 10;
			if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
				base = 16;
				p += 2;
			}
			uint64_t v = 0;
			unsigned digits = 0;
			for (;; p++, digits++) {
				unsigned d;
				if (*p >= '0' && *p <= '9')
					d = (unsigned)(*p - '0');
				else if (base == 16 && (*p | 0x20) >= 'a' && (*p | 0x20) <= 'f')
					d = (unsigned)((*p | 0x20) - 'a' + 10);
				else
					break;
				v = v * base + d;
			}
			if (digits && (*p == ' ' || *p == '\0')) {
				*value = v;
				return true;
			}
		}
		while (*p && *p != ' ')
			p++;
	}
	return false;
}

bool stress_requested(const char *cmdline)
{
	uint64_t n;
	if (!cmdline_number(cmdline, "stress=", &n) || n == 0)
		return false;
	stress_ops = n;
	uint64_t k;
	if (cmdline_number(cmdline, "stress_rng=", &k) && k != 0)
		stress_start = k; /* xorshift's state must not be 0 */
	return true;
}

unsigned stress_boot(void)
{
	mmk_printf("# stress: %llu operations, stress_rng=0x%llx\n", (unsigned long long)stress_ops,
		   (unsigned long long)stress_start);
	struct mmk_mmu *mmu = kernel_mmu();
	tables_at_start = mmu ? mmu->kernel.table_pages : 0;
	free_at_start = mmu ? stress_free_frames(tables_at_start) : 0;
	unsigned failed = ktest_run_all("stress");
	mmk_printf("# %u failed\n", failed);
	return failed;
}

void stress_begin(struct stress *s, const char *phase, unsigned phase_number)
{
	*s = (struct stress){.phase = phase, .rng = stress_start};
	for (unsigned i = 0; i <= phase_number; i++) /* a different stream per phase */
		s->rng = (s->rng ^ (0x9E3779B97F4A7C15ull * (i + 1))) | 1;
	for (unsigned i = 0; i < 8; i++)
		ktest_random(&s->rng);
}

uint64_t stress_random(struct stress *s)
{
	return ktest_random(&s->rng);
}

unsigned stress_below(struct stress *s, unsigned n)
{
	return n ? (uint32_t)(stress_random(s) >> 32) % n : 0; /* 32-bit: no libgcc division */
}

void stress_trace(struct stress *s, unsigned op, uint64_t a, uint64_t b)
{
	unsigned i = s->traced++ % MMK_ARRAY_SIZE(s->trace);
	s->trace[i].step = s->step;
	s->trace[i].op = op;
	s->trace[i].a = a;
	s->trace[i].b = b;
}

bool stress_check(struct stress *s, bool ok, const char *what, const char *file, int line,
		  uint64_t a, uint64_t b)
{
	if (ok)
		return true;
	ktest_check(false, file, line, what);
	ktest_log("%s: step %llu (0x%llx, 0x%llx); the last operations:", s->phase,
		  (unsigned long long)s->step, (unsigned long long)a, (unsigned long long)b);
	unsigned n = s->traced < MMK_ARRAY_SIZE(s->trace) ? s->traced : MMK_ARRAY_SIZE(s->trace);
	for (unsigned k = s->traced - n; k < s->traced; k++) {
		unsigned i = k % MMK_ARRAY_SIZE(s->trace);
		ktest_log("  step %llu: op %u (0x%llx, 0x%llx)", (unsigned long long)s->trace[i].step,
			  s->trace[i].op, (unsigned long long)s->trace[i].a,
			  (unsigned long long)s->trace[i].b);
	}
	s->broken = true;
	return false;
}

uint64_t stress_free_frames(uint64_t start_tables)
{
	struct mmk_mmu *mmu = kernel_mmu();
	mmk_kheap_trim(kernel_heap());
	struct mmk_pmm_stats st;
	mmk_pmm_get_stats(mmu->pmm, &st);
	return st.free_frames + (mmu->kernel.table_pages - start_tables);
}

/* ------------------------------------------------------------ the suite */

#define NOT_HERE "the stress run needs a boot with stress=N (make stress)"

static void run_phase(const char *name, unsigned number, uint64_t ops,
		      void (*run)(struct stress *s, uint64_t ops))
{
	if (!stress_ops || !kernel_mmu())
		KTEST_SKIP(NOT_HERE);
	struct stress s;
	stress_begin(&s, name, number);
	uint64_t tables = kernel_mmu()->kernel.table_pages;
	uint64_t before = stress_free_frames(tables);
	run(&s, ops);
	KEXPECT_FALSE(s.broken);
	KEXPECT_EQ(stress_free_frames(tables), before);
	KEXPECT_EQ(mmk_pmm_check(kernel_mmu()->pmm), 0);
	ktest_log("%s: %llu operations", name, (unsigned long long)s.step);
}

/* Two fifths of the operations (the kernel and VM phases each). */
static uint64_t two_fifths(void)
{
	return mmk_udivmod64(stress_ops * 2, 5, NULL);
}

KTEST(stress, kernel_operations)
{
	run_phase("kernel", 0, two_fifths(), stress_kernel_run);
}

KTEST(stress, vm_operations)
{
	run_phase("vm", 1, two_fifths(), stress_vm_run);
}

KTEST(stress, user_processes)
{
	if (stress_ops && kernel_mmu())
		stress_proc_setup();
	run_phase("user", 2, stress_ops - 2 * two_fifths(), stress_proc_run);
}

/* What the run took, against the boot's count (the process layer's pool of kernel
 * stacks, set up once by the user phase and never given back, aside). */
KTEST(stress, every_frame_back)
{
	if (!stress_ops || !kernel_mmu())
		KTEST_SKIP(NOT_HERE);
	uint64_t kept = stress_proc_kept_frames();
	KEXPECT_EQ(stress_free_frames(tables_at_start) + kept, free_at_start);
	ktest_log("%llu frames kept by the process layer's stack pool", (unsigned long long)kept);
}
