/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The stress run's user phase (kernel/stress.h): user/stress.c run again and again as a
 * process, each run with its own generator start (from the stress run's) and count of
 * operations, handed over in a page at STRESS_PARAMS_VA. The program forks, exits,
 * waits, maps, unmaps, grows its break and touches its memory at random, checking the
 * contents itself; it exits 0 only when every check held, and so do its children (a
 * parent checks their status). Each process's sequence depends only on its start
 * state, never on how the timer interleaves them. Between runs: no process left, the
 * status 0; every 16 runs mmk_pmm_check and mmk_kheap_check; the phase's frame
 * balance is checked by the suite.
 */
#include <mmukit/errno.h>
#include <mmukit/kheap.h>
#include <mmukit/ktest.h>
#include <mmukit/pmm.h>
#include <mmukit/services.h>
#include <mmukit/uaccess.h>

#include "lib/divide.h"
#include "proc.h"
#include "stress.h"

#define OPS_PER_RUN 400

static bool procs_ready;
static uint64_t kept;

void stress_proc_setup(void)
{
	static bool done;
	if (done || !arch_user_supported())
		return;
	done = true;
	uint64_t before = stress_free_frames(0);
	int err = arch_user_init(PROC_HZ);
	if (!err)
		err = proc_init();
	if (err)
		ktest_log("user: no processes: %s", mmk_strerror(err));
	procs_ready = !err;
	kept = before - stress_free_frames(0);
}

uint64_t stress_proc_kept_frames(void)
{
	return kept;
}

/* The parameters page in the space of process pid, which has not run yet. */
static int give_params(int pid, uint64_t start, uint32_t ops)
{
	struct proc *p = proc_find(pid);
	struct mmk_vm_space *space = p ? p->space : NULL;
	if (!space)
		return -MMK_ESTATE;
	mmk_vaddr_t va = STRESS_PARAMS_VA;
	int err = mmk_vm_map_anon(space, &va, MMK_PAGE_SIZE,
				  MMK_PROT_READ | MMK_PROT_WRITE | MMK_PROT_USER);
	if (err)
		return err;
	struct stress_params params = {STRESS_PARAMS_MAGIC, ops, start};
	return mmk_copy_to_user(space, va, &params, sizeof(params)); /* through the tables: no switch */
}

void stress_proc_run(struct stress *s, uint64_t ops)
{
	if (!STRESS_CHECK(s, procs_ready, 0, 0))
		return;
	uint64_t runs = mmk_udivmod64(ops + OPS_PER_RUN - 1, OPS_PER_RUN, NULL);
	uint64_t r = 0;
	for (; r < runs && !s->broken; r++) {
		s->step = r * OPS_PER_RUN;
		uint64_t start = stress_random(s) | 1;
		stress_trace(s, 1, r, start);
		int pid = proc_spawn("stress");
		if (!STRESS_CHECK(s, pid > 0, r, (unsigned)pid))
			break;
		int err = give_params(pid, start, OPS_PER_RUN);
		STRESS_CHECK(s, err == 0, r, (unsigned)err); /* the program then fails, and says why */
		STRESS_CHECK(s, proc_run() == 0, r, 0);
		STRESS_CHECK(s, proc_count() == 0, r, proc_count());
		int status = -1;
		STRESS_CHECK(s, proc_status(pid, &status) == 0 && status == 0, start, (unsigned)status);
		if ((r + 1) % 16 == 0) {
			STRESS_CHECK(s, mmk_pmm_check(kernel_mmu()->pmm) == 0, r, 0);
			STRESS_CHECK(s, mmk_kheap_check(kernel_heap()) == 0, r, 0);
		}
	}
	s->step = r * OPS_PER_RUN;
	ktest_log("user: %llu runs of user/stress.c, %lu preemptions", (unsigned long long)r,
		  proc_preemptions);
}
