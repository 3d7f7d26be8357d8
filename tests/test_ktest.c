/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Tests of the test API itself: that a failing check is counted as a failure (so a
 * broken assertion turns a run red) and a passing one is not.
 */
#include <mmukit/errno.h>
#include <mmukit/ktest.h>
#include <mmukit/services.h>

/* Runs fn as if it were a test and reports (checks, failures), then restores the state. */
static void observe(void (*fn)(void), unsigned *checks, unsigned *failures)
{
	struct ktest_state saved = ktest_state;
	ktest_state.checks = 0;
	ktest_state.failures = 0;
	mmk_printf("    # the next diagnostic is expected (testing a failing check):\n");
	fn();
	*checks = ktest_state.checks;
	*failures = ktest_state.failures;
	ktest_state = saved;
}

static void one_failing_expect(void)
{
	KEXPECT_EQ(1 + 1, 3);
}

static bool reached_after_assert;

static void failing_assert_returns(void)
{
	reached_after_assert = false;
	KASSERT_EQ(2, 3);
	reached_after_assert = true;
}

KTEST(ktest, failing_expectation_is_counted)
{
	unsigned checks, failures;
	observe(one_failing_expect, &checks, &failures);
	KEXPECT_EQ(checks, 1);
	KEXPECT_EQ(failures, 1);
}

KTEST(ktest, failing_assertion_stops_the_test)
{
	unsigned checks, failures;
	observe(failing_assert_returns, &checks, &failures);
	KEXPECT_EQ(failures, 1);
	KEXPECT_FALSE(reached_after_assert);
}

KTEST(ktest, signed_and_unsigned_comparisons)
{
	KEXPECT_LT(-MMK_ENOMEM, 0);
	KEXPECT_GT(1, -1);
	KEXPECT_LE(3, 3);
	KEXPECT_GE(UINT32_MAX, 0);
	KEXPECT_NE(0, 1);
	KEXPECT_EQ(ktest_check(true, __FILE__, __LINE__, "true"), true);
}

KTEST(ktest, scale_picks_the_environment_count)
{
	unsigned n = ktest_scale(1000, 10);
	KEXPECT_TRUE(n == 1000 || n == 10);
}

static int evaluations;

static int count_evaluation(void)
{
	return ++evaluations;
}

KTEST(ktest, arguments_are_evaluated_once)
{
	evaluations = 0;
	KEXPECT_EQ(count_evaluation(), 1);
	KEXPECT_GE(count_evaluation(), 2);
	KEXPECT_EQ(evaluations, 2);
}

KTEST(errno, every_code_has_a_description)
{
	for (int e = MMK_OK; e <= MMK_EFAULT; e++)
		KEXPECT_NE(mmk_strerror(-e)[0], 'u'); /* not "unknown error" */
	KEXPECT_EQ(mmk_strerror(-MMK_ENOMEM)[0], 'o');
	KEXPECT_EQ(mmk_strerror(999)[0], 'u');
}
