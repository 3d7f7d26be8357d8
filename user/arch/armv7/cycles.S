/* SPDX-License-Identifier: BSD-2-Clause */
/* unsigned long long cycles(void): PMCCNTR (guest instructions under QEMU -icount
 * shift=0; 32 bits), readable in User mode because the kernel sets PMUSERENR.EN. */
	.text
	.arm
	.globl cycles
cycles:
	isb
	mrc p15, 0, r0, c9, c13, 0
	mov r1, #0
	bx lr
