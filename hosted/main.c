/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Entry point of each host test binary: runs the suites linked into it (argv[1] filters).
 * A suite name that no suite has is refused (status 2), so a typo cannot pass with 1..0.
 */
#include <stdio.h>
#include <string.h>

#include <mmukit/ktest.h>

extern const struct ktest_case __start_ktest_cases[], __stop_ktest_cases[];

static int suite_exists(const char *name)
{
	for (const struct ktest_case *c = __start_ktest_cases; c < __stop_ktest_cases; c++)
		if (strcmp(c->suite, name) == 0)
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && argv[1][0] != '\0' && !suite_exists(argv[1])) {
		fprintf(stderr, "%s: no suite named '%s' in this binary\n", argv[0], argv[1]);
		return 2;
	}
	unsigned failed = ktest_run_all(argc > 1 ? argv[1] : NULL);
	return failed ? 1 : 0;
}
