/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * 64-bit division entry points of the ARM run-time ABI (RTABI 4.2): n in r0:r1, d in
 * r2:r3; the quotient comes back in r0:r1 and the remainder in r2:r3, which a C
 * function cannot return, so these wrap lib/divide.c.
 */
	.text
	.arm

	.globl __aeabi_uldivmod
__aeabi_uldivmod:
	push {r4, lr}
	sub sp, sp, #16
	add r12, sp, #8
	str r12, [sp]           /* third argument: where the remainder goes */
	bl mmk_udivmod64
	ldr r2, [sp, #8]
	ldr r3, [sp, #12]
	add sp, sp, #16
	pop {r4, pc}

	.globl __aeabi_ldivmod
__aeabi_ldivmod:
	push {r4, lr}
	sub sp, sp, #16
	add r12, sp, #8
	str r12, [sp]
	bl mmk_sdivmod64
	ldr r2, [sp, #8]
	ldr r3, [sp, #12]
	add sp, sp, #16
	pop {r4, pc}
