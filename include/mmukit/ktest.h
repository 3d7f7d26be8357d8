/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ktest: a small KUnit-shaped test API. The same test files build into the host test
 * binaries (hosted/) and into the demo kernel (kernel/), and print KTAP version 1:
 *
 *   KTAP version 1
 *   1..2                      <- plan first: a crash part-way reads as a bad plan
 *       KTAP version 1
 *       # Subtest: pmm
 *       1..3
 *       ok 1 alloc_single
 *       # tests/test_pmm.c:42: expected pmm_free_frames(&p) == 63, got 62 vs 63
 *       not ok 2 free_twice
 *       ok 3 ...
 *   not ok 1 pmm
 *
 * Writing a test:
 *
 *   KTEST(pmm, alloc_returns_aligned_block)
 *   {
 *           mmk_paddr_t pa;
 *           KASSERT_EQ(mmk_pmm_alloc_block(&p, 9, &pa), 0);   // stops this test if false
 *           KEXPECT_EQ(pa % (2 * MMK_MIB), 0);             // records and continues
 *   }
 *
 * Tests of one suite are consecutive in one file. A test that checks nothing fails
 * ("no expectations"): every test must assert something that could fail. A test can
 * skip only by saying why (KTEST_SKIP), which prints "# SKIP reason".
 */
#ifndef MMUKIT_KTEST_H
#define MMUKIT_KTEST_H

#include <mmukit/types.h>

struct ktest_case {
	const char *suite;
	const char *name;
	void (*run)(void);
};

struct ktest_state {
	unsigned checks;   /* expectations evaluated in the current test */
	unsigned failures; /* of which failed */
	const char *skip;  /* set by KTEST_SKIP */
};

extern struct ktest_state ktest_state;

#define KTEST(suite, name)                                                      \
	static void ktest_fn_##suite##_##name(void);                            \
	static const struct ktest_case ktest_case_##suite##_##name              \
		__attribute__((used, section("ktest_cases"),                   \
			       aligned(sizeof(void *)))) = {                    \
			#suite, #name, ktest_fn_##suite##_##name};              \
	static void ktest_fn_##suite##_##name(void)

enum ktest_op { KTEST_EQ, KTEST_NE, KTEST_LT, KTEST_LE, KTEST_GT, KTEST_GE };

/* Records one check; prints a diagnostic and returns false when it failed. */
bool ktest_check(bool ok, const char *file, int line, const char *expr);

/*
 * Compares left and right (each evaluated exactly once by the macros below); as signed
 * 64-bit values when is_signed. Records the check and prints both values on failure.
 */
bool ktest_compare(enum ktest_op op, bool is_signed, unsigned long long left,
		   unsigned long long right, const char *file, int line,
		   const char *left_expr, const char *right_expr);

#define KTEST_CMP_(op, a, b)                                                    \
	ktest_compare(op, false, (unsigned long long)(a), (unsigned long long)(b), \
		      __FILE__, __LINE__, #a, #b)
/* Ordering checks (LT, LE, GT, GE) compare as signed 64-bit, so error codes order
 * below 0; values at or above 2^63 do not order correctly: compare those with EQ/NE. */
#define KTEST_SCMP_(op, a, b)                                                   \
	ktest_compare(op, true, (unsigned long long)(long long)(a),            \
		      (unsigned long long)(long long)(b), __FILE__, __LINE__, #a, #b)

#define KEXPECT_TRUE(c) ((void)ktest_check(!!(c), __FILE__, __LINE__, #c))
#define KEXPECT_FALSE(c) ((void)ktest_check(!(c), __FILE__, __LINE__, "!(" #c ")"))
#define KEXPECT_EQ(a, b) ((void)KTEST_CMP_(KTEST_EQ, a, b))
#define KEXPECT_NE(a, b) ((void)KTEST_CMP_(KTEST_NE, a, b))
#define KEXPECT_LT(a, b) ((void)KTEST_SCMP_(KTEST_LT, a, b))
#define KEXPECT_LE(a, b) ((void)KTEST_SCMP_(KTEST_LE, a, b))
#define KEXPECT_GT(a, b) ((void)KTEST_SCMP_(KTEST_GT, a, b))
#define KEXPECT_GE(a, b) ((void)KTEST_SCMP_(KTEST_GE, a, b))

/* Like KEXPECT_*, but a failure ends the current test function (it returns). */
#define KASSERT_TRUE(c) do { if (!ktest_check(!!(c), __FILE__, __LINE__, #c)) return; } while (0)
#define KASSERT_FALSE(c) do { if (!ktest_check(!(c), __FILE__, __LINE__, "!(" #c ")")) return; } while (0)
#define KASSERT_EQ(a, b) do { if (!KTEST_CMP_(KTEST_EQ, a, b)) return; } while (0)
#define KASSERT_NE(a, b) do { if (!KTEST_CMP_(KTEST_NE, a, b)) return; } while (0)
#define KASSERT_LT(a, b) do { if (!KTEST_SCMP_(KTEST_LT, a, b)) return; } while (0)
#define KASSERT_LE(a, b) do { if (!KTEST_SCMP_(KTEST_LE, a, b)) return; } while (0)
#define KASSERT_GT(a, b) do { if (!KTEST_SCMP_(KTEST_GT, a, b)) return; } while (0)
#define KASSERT_GE(a, b) do { if (!KTEST_SCMP_(KTEST_GE, a, b)) return; } while (0)

/* Skips the rest of the current test, printing the reason. */
#define KTEST_SKIP(reason) do { ktest_state.skip = (reason); return; } while (0)

/* Prints a "# ..." diagnostic line at the current test's indentation. */
void ktest_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Runs every registered test whose suite matches filter (NULL or "" for all) and prints
 * KTAP. Returns the number of failed tests (0 when all passed).
 */
unsigned ktest_run_all(const char *filter);

/*
 * The test environment, provided by the kernel (the real boot memory map and the PMM
 * built on it) and by the host (hosted/env.c: a simulated QEMU-like map and a PMM over
 * it), so one test file exercises both.
 */
struct mmk_pmm;
struct mmk_memmap;
struct mmk_pmm *ktest_env_pmm(void);
const struct mmk_memmap *ktest_env_memmap(void);

/*
 * For the VM-layer tests (tests/vm/), built only where the machine has an MMU backend:
 * the running MMU and the kernel's heap/MMIO window - in the kernel the real ones, on
 * the host a simulated machine of that architecture (hosted/<arch>/env.c), sharing
 * ktest_env_pmm().
 */
struct mmk_mmu;
struct mmk_kvm;
struct mmk_mmu *ktest_env_mmu(void);
struct mmk_kvm *ktest_env_kvm(void);

/*
 * One 32-bit access at va in the active space, as the CPU makes it (kernel mode): a
 * fault goes to the installed fault handler and the access is retried once resolved.
 * Returns 0, or -MMK_EFAULT when the fault was fatal (the kernel recovers through a
 * fixup instead of stopping). *value is read, or written.
 */
int ktest_env_access(mmk_vaddr_t va, bool write, uint32_t *value);

/*
 * TLB entries that allow more than the page tables now do (a missed invalidation): the
 * host simulator counts them; a kernel cannot look into its TLB and says 0.
 */
unsigned ktest_env_stale_tlb_entries(void);

/*
 * Host only, for the MMU contract suite (tests/mmu/, run over every machine's simulator):
 * what the machine's reference MMU - a walk written from the manual, sharing no code
 * with the format - says va translates to in space (with the kernel's root where the
 * machine gives the kernel one of its own), and how many TLB or walk-cache entries were
 * dropped after the table they came through was already back in the PMM (a table freed
 * before its batch's invalidation).
 */
struct ktest_ref {
	mmk_paddr_t pa; /* the byte va translates to */
	uint64_t page_size;
	bool writable, user;
};
struct mmk_mmu_space;
bool ktest_env_ref_translate(const struct mmk_mmu_space *space, mmk_vaddr_t va,
			     struct ktest_ref *out);
unsigned ktest_env_freed_table_uses(void);

/* Memory for bookkeeping structures: mmk_kmalloc/mmk_kfree in a kernel, malloc/free hosted. */
void *ktest_env_malloc(size_t size);
int ktest_env_free(void *ptr);

/* A small seeded generator (xorshift64) for randomized tests: same seed, same sequence. */
static inline uint64_t ktest_random(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

/* A number in [0, n) from ktest_random. */
static inline unsigned ktest_random_below(uint64_t *state, unsigned n)
{
	return (unsigned)(ktest_random(state) % n);
}

/* How many random steps property tests take: many on the host, fewer in the kernel. */
unsigned ktest_scale(unsigned hosted_steps, unsigned kernel_steps);

#endif
