/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The demo kernel's portable part: print the boot memory map, bring up the PMM on it,
 * let the machine start its VM (arch_vm_start: mmukit's own page tables, the
 * kernel window, heap and VM), then by the command line:
 *   stress=N  the stress run (kernel/stress.h): N random operations, KTAP, exit
 *   test    run every in-kernel test suite (KTAP on the serial port), exit with the result
 *   bench   run the benchmarks, exit
 *   else    print the kernel's virtual memory map and MMU features, then the shell
 *           (kernel/shell.c) until `halt` or the end of input, and exit with status 0.
 */
#include <mmukit/errno.h>
#include <mmukit/kbench.h>
#include <mmukit/ktest.h>
#include <mmukit/pmm.h>
#include <mmukit/services.h>

#include "platform.h"
#include "shell.h"
#include "stress.h"

static struct mmk_pmm the_pmm;
static struct boot_info *the_boot;

struct mmk_pmm *ktest_env_pmm(void)
{
	return &the_pmm;
}

const struct mmk_memmap *ktest_env_memmap(void)
{
	return &the_boot->memmap;
}

struct mmk_mmu *ktest_env_mmu(void)
{
	return kernel_mmu();
}

struct mmk_kvm *ktest_env_kvm(void)
{
	return kernel_kvm();
}

unsigned ktest_scale(unsigned hosted_steps, unsigned kernel_steps)
{
	(void)hosted_steps;
	return kernel_steps;
}

/* True when word appears in cmdline as a whole, space-separated word. */
static bool cmdline_has(const char *cmdline, const char *word)
{
	for (const char *p = cmdline; p && *p;) {
		while (*p == ' ')
			p++;
		const char *w = word;
		while (*w && *p == *w) {
			p++;
			w++;
		}
		if (*w == '\0' && (*p == ' ' || *p == '\0'))
			return true;
		while (*p && *p != ' ')
			p++;
	}
	return false;
}

_Noreturn void kmain(struct boot_info *boot)
{
	the_boot = boot;
	mmk_printf("mmukit demo kernel (%s, %s)\n", boot->arch, boot->firmware);

	int err = mmk_pmm_init_boot(&the_pmm, &boot->memmap, boot->early_limit,
				arch_phys_to_virt);
	mmk_printf("physical memory map:\n");
	mmk_memmap_print(&boot->memmap);
	if (err)
		mmk_panic("mmk_pmm_init_boot: %s", mmk_strerror(err));
	mmk_pmm_print(&the_pmm);
	err = arch_vm_start(&the_pmm, boot);
	if (err)
		mmk_panic("arch_vm_start: %s", mmk_strerror(err));

	if (cmdline_has(boot->cmdline, "bench")) {
		unsigned n = kbench_run_all();
		mmk_printf("# %u benchmarks\n", n);
		arch_exit(n ? 0 : 1);
	}
	if (stress_requested(boot->cmdline)) /* before "test", which make test adds */
		arch_exit(stress_boot() ? 1 : 0);
	if (cmdline_has(boot->cmdline, "procs")) /* user programs (kernel/proc_test.c) */
		arch_exit(proc_boot() ? 1 : 0);

	if (cmdline_has(boot->cmdline, "test")) {
		unsigned failed = ktest_run_all(NULL);
		mmk_printf("# %u failed\n", failed);
		arch_exit(failed ? 1 : 0);
	}

	struct shell_env env = {.pmm = &the_pmm, .memmap = &boot->memmap};
	shell_boot_summary(&env);
	arch_exit(shell_run(&env));
}
