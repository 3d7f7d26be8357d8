/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * AArch64 kernel-thread switch and user-memory copy (kernel/platform.h).
 *
 * arch_switch(save, to): pushes x19-x30 (the registers a call preserves, AAPCS64 6.1.1),
 * stores sp in *save, loads sp = to and pops the same from there.
 *
 * aarch64_user_copy(dst, src, n): a byte loop. A fault the VM cannot resolve inside
 * [aarch64_user_copy_start, aarch64_user_copy_end) resumes at aarch64_user_copy_fixup
 * (arch/aarch64/trap.c), which returns -MMK_EFAULT (11). (PAN is not turned on, so no
 * window needs opening.)
 */
	.text
	.globl arch_switch
arch_switch:
	sub sp, sp, #96
	stp x19, x20, [sp, #0]
	stp x21, x22, [sp, #16]
	stp x23, x24, [sp, #32]
	stp x25, x26, [sp, #48]
	stp x27, x28, [sp, #64]
	stp x29, x30, [sp, #80]
	mov x9, sp
	str x9, [x0]
	mov sp, x1
	ldp x19, x20, [sp, #0]
	ldp x21, x22, [sp, #16]
	ldp x23, x24, [sp, #32]
	ldp x25, x26, [sp, #48]
	ldp x27, x28, [sp, #64]
	ldp x29, x30, [sp, #80]
	add sp, sp, #96
	ret

	.globl aarch64_user_copy, aarch64_user_copy_start, aarch64_user_copy_end
	.globl aarch64_user_copy_fixup
aarch64_user_copy:
aarch64_user_copy_start:
1:	cbz x2, 2f
	ldrb w3, [x1], #1
	strb w3, [x0], #1
	sub x2, x2, #1
	b 1b
aarch64_user_copy_end:
2:	mov x0, #0
	ret
aarch64_user_copy_fixup:
	mov x0, #-11
	ret
