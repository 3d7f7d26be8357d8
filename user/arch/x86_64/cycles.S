/* SPDX-License-Identifier: BSD-2-Clause */
/* unsigned long long cycles(void): the time-stamp counter (guest instructions under QEMU
 * -icount shift=0); rdtsc is allowed in ring 3 while CR4.TSD is clear. */
	.text
	.globl cycles
cycles:
	rdtsc
	shlq $32, %rdx
	orq %rdx, %rax
	ret
