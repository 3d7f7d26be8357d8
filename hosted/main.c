/* SPDX-License-Identifier: BSD-2-Clause */
/* Entry point of each host test binary: runs the suites linked into it (argv[1] filters). */
#include <mmukit/ktest.h>

int main(int argc, char **argv)
{
	unsigned failed = ktest_run_all(argc > 1 ? argv[1] : NULL);
	return failed ? 1 : 0;
}
