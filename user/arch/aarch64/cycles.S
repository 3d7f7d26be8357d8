/* SPDX-License-Identifier: BSD-2-Clause */
/* unsigned long long cycles(void): PMCCNTR_EL0 (guest instructions under QEMU -icount
 * shift=0), readable at EL0 because the kernel sets PMUSERENR_EL0.EN. */
	.text
	.globl cycles
cycles:
	isb
	mrs x0, pmccntr_el0
	ret
