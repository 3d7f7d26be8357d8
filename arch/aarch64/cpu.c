/*
 * The AArch64 kernel's access to the machine. For now: the cycle counter for the
 * benchmarks.
 */
#include <mmukit/kbench.h>

/* The virtual counter (CNTVCT_EL0, ARM ARM D11.2): readable at EL1 without set-up. */
uint64_t arch_cycles(void)
{
	uint64_t v;
	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v) : : "memory");
	return v;
}
