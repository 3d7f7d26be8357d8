/* SPDX-License-Identifier: BSD-2-Clause */
/* The in-kernel benchmark runner (include/mmukit/kbench.h). */
#include <mmukit/kbench.h>
#include <mmukit/services.h>

extern const struct kbench_case __start_kbench_cases[];
extern const struct kbench_case __stop_kbench_cases[];

unsigned kbench_run_all(void)
{
	unsigned n = 0;
	for (const struct kbench_case *c = __start_kbench_cases; c < __stop_kbench_cases; c++) {
		mmk_printf("# bench %s\n", c->name);
		c->run();
		n++;
	}
	return n;
}
