/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ktest runner: walks the ktest_cases section, groups consecutive cases by suite and
 * prints KTAP version 1 with nested subtests, the plan always first.
 */
#include <mmukit/ktest.h>
#include <mmukit/services.h>

/* Provided by the linker (hosted: automatically; kernel: the linker script). */
extern const struct ktest_case __start_ktest_cases[];
extern const struct ktest_case __stop_ktest_cases[];

struct ktest_state ktest_state;

static bool str_equal(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

static bool suite_selected(const char *suite, const char *filter)
{
	return filter == NULL || filter[0] == '\0' || str_equal(suite, filter);
}

bool ktest_check(bool ok, const char *file, int line, const char *expr)
{
	ktest_state.checks++;
	if (!ok) {
		ktest_state.failures++;
		mmk_printf("    # %s:%d: expected %s\n", file, line, expr);
	}
	return ok;
}

static bool compare(enum ktest_op op, bool is_signed, unsigned long long a,
		    unsigned long long b)
{
	long long sa = (long long)a, sb = (long long)b;
	switch (op) {
	case KTEST_EQ: return a == b;
	case KTEST_NE: return a != b;
	case KTEST_LT: return is_signed ? sa < sb : a < b;
	case KTEST_LE: return is_signed ? sa <= sb : a <= b;
	case KTEST_GT: return is_signed ? sa > sb : a > b;
	case KTEST_GE: return is_signed ? sa >= sb : a >= b;
	}
	return false;
}

bool ktest_compare(enum ktest_op op, bool is_signed, unsigned long long left,
		   unsigned long long right, const char *file, int line,
		   const char *left_expr, const char *right_expr)
{
	static const char *const op_names[] = {"==", "!=", "<", "<=", ">", ">="};
	bool ok = compare(op, is_signed, left, right);
	ktest_state.checks++;
	if (!ok) {
		ktest_state.failures++;
		mmk_printf("    # %s:%d: expected %s %s %s, got %lld (0x%llx) vs %lld (0x%llx)\n",
			   file, line, left_expr, op_names[op], right_expr, (long long)left,
			   left, (long long)right, right);
	}
	return ok;
}

void ktest_log(const char *fmt, ...)
{
	va_list ap;
	mmk_printf("    # ");
	va_start(ap, fmt);
	mmk_vprintf(fmt, ap);
	va_end(ap);
	mmk_printf("\n");
}

/* Number of cases from first on that belong to first's suite. */
static unsigned suite_length(const struct ktest_case *first)
{
	const struct ktest_case *c = first;
	while (c < __stop_ktest_cases && str_equal(c->suite, first->suite))
		c++;
	return (unsigned)(c - first);
}

static unsigned count_suites(const char *filter)
{
	unsigned suites = 0;
	for (const struct ktest_case *c = __start_ktest_cases; c < __stop_ktest_cases;
	     c += suite_length(c))
		if (suite_selected(c->suite, filter))
			suites++;
	return suites;
}

/* Runs one case and prints its result line; returns true when it passed. */
static bool run_case(const struct ktest_case *c, unsigned number)
{
	ktest_state.checks = 0;
	ktest_state.failures = 0;
	ktest_state.skip = NULL;
	c->run();
	if (ktest_state.skip && ktest_state.failures == 0) {
		mmk_printf("    ok %u %s # SKIP %s\n", number, c->name, ktest_state.skip);
		return true;
	}
	if (ktest_state.checks == 0) {
		mmk_printf("    # %s: no expectations: a test must check something\n", c->name);
		ktest_state.failures = 1;
	}
	bool passed = ktest_state.failures == 0;
	mmk_printf("    %s %u %s\n", passed ? "ok" : "not ok", number, c->name);
	return passed;
}

/* Runs the suite starting at first; returns the number of failed cases. */
static unsigned run_suite(const struct ktest_case *first, unsigned n, unsigned number)
{
	unsigned failed = 0;
	mmk_printf("    KTAP version 1\n");
	mmk_printf("    # Subtest: %s\n", first->suite);
	mmk_printf("    1..%u\n", n);
	for (unsigned i = 0; i < n; i++)
		if (!run_case(&first[i], i + 1))
			failed++;
	mmk_printf("%s %u %s\n", failed ? "not ok" : "ok", number, first->suite);
	return failed;
}

unsigned ktest_run_all(const char *filter)
{
	unsigned failed = 0, number = 0;
	mmk_printf("KTAP version 1\n");
	mmk_printf("1..%u\n", count_suites(filter));
	for (const struct ktest_case *c = __start_ktest_cases; c < __stop_ktest_cases;) {
		unsigned n = suite_length(c);
		if (suite_selected(c->suite, filter))
			failed += run_suite(c, n, ++number);
		c += n;
	}
	return failed;
}
