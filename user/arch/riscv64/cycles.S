/* SPDX-License-Identifier: BSD-2-Clause */
/* unsigned long long cycles(void): the cycle counter (guest instructions under QEMU
 * -icount shift=0), readable in U-mode because the kernel sets scounteren.CY. */
	.text
	.globl cycles
cycles:
	rdcycle a0
	ret
