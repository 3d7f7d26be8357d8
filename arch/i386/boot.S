/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * i386 entry from a multiboot 1 loader.
 *
 * The loader jumps to _start in 32-bit protected mode, paging off, eax = 0x2BADB002,
 * ebx = physical address of the multiboot information (Multiboot spec 3.2). We turn on
 * paging with a static boot page directory of 4 MiB pages (CR4.PSE; SDM Vol 3A 4.3,
 * table 4-4: PDE bit 7 PS), jump to the kernel linked at 0xC0000000 and call C.
 *
 *   boot_pd[0]         -> phys [0, 4 MiB)       identity: the code running now
 *   boot_pd[768..895]  -> phys [0, 512 MiB)     at 0xC0000000: the kernel and early window
 *
 * The VM replaces this directory with one built from the PMM; it is in the kernel
 * image, so the PMM never hands its frame out.
 */
#define KERNEL_VMA 0xC0000000
#define EARLY_WINDOW_PDES 128 /* 128 x 4 MiB = 512 MiB */
#define PDE_P 0x001
#define PDE_RW 0x002
#define PDE_PS 0x080
#define CR0_PG 0x80000000
#define CR0_WP 0x00010000
#define CR4_PSE 0x00000010
#define EFLAGS_ID 0x00200000 /* SDM Vol 1 3.4.3.3: CPUID exists if software can flip it */
#define CPUID_1_PSE 0x00000008 /* CPUID.1:EDX bit 3, SDM Vol 2A CPUID */
#define CPUID_1_TSC 0x00000010 /* CPUID.1:EDX bit 4 */
#define COM1 0x3F8
#define EXIT_PORT 0xf4
#define EXIT_FAILURE 0x11 /* isa-debug-exit: 0x10 + status 1, as the kernel reports a failure */

#define MB_FLAGS 0x00000003 /* bit 0: page-align modules; bit 1: memory information */

	.section .multiboot, "a"
	.balign 4
multiboot_header:
	.long 0x1BADB002
	.long MB_FLAGS
	.long -(0x1BADB002 + MB_FLAGS)

	.section .boot.text, "ax"
	.code32
	.globl _start
_start:
	cli
	movl %eax, %esi                 /* multiboot magic */
	movl %ebx, %edi                 /* multiboot information, physical */
	/*
	 * The kernel is built for a Pentium (-march=i586): it needs CPUID, PSE for the
	 * 4 MiB boot pages below and the TSC for its cycle counter. On an older CPU it
	 * says what is missing and stops with a failing status instead of faulting.
	 */
	movl $(boot_stack + 16384 - KERNEL_VMA), %esp
	call check_cpu
	movl %cr4, %eax
	orl $CR4_PSE, %eax
	movl %eax, %cr4
	movl $(boot_pd - KERNEL_VMA), %eax
	movl %eax, %cr3
	movl %cr0, %eax
	orl $(CR0_PG | CR0_WP), %eax
	movl %eax, %cr0
	movl $higher_half, %eax
	jmp *%eax

/*
 * Paging off, stack at its physical address. Returns if the CPU has CPUID, PSE and TSC;
 * otherwise prints which are missing on COM1 (QEMU's UART needs no set-up) and exits
 * through isa-debug-exit with a failure.
 */
check_cpu:
	pushfl
	popl %eax
	movl %eax, %ecx
	xorl $EFLAGS_ID, %eax
	pushl %eax
	popfl
	pushfl
	popl %eax
	pushl %ecx
	popfl
	xorl %ecx, %eax
	movl $msg_cpuid, %ebx
	testl $EFLAGS_ID, %eax
	jz cpu_missing
	xorl %eax, %eax
	cpuid
	movl $msg_cpuid, %ebx
	testl %eax, %eax                /* highest leaf 0: no leaf 1 */
	jz cpu_missing
	movl $1, %eax
	cpuid
	movl %edx, %ebp
	andl $(CPUID_1_PSE | CPUID_1_TSC), %edx
	cmpl $(CPUID_1_PSE | CPUID_1_TSC), %edx
	jne 1f
	ret
1:	movl $msg_cpu, %ebx
	call boot_puts
	movl $msg_pse, %ebx
	testl $CPUID_1_PSE, %ebp
	jnz 2f
	call boot_puts
2:	movl $msg_tsc, %ebx
	testl $CPUID_1_TSC, %ebp
	jnz 3f
	call boot_puts
3:	movl $msg_end, %ebx
cpu_missing:
	call boot_puts
	movb $EXIT_FAILURE, %al
	outb %al, $EXIT_PORT
4:	cli
	hlt
	jmp 4b

/* Prints the NUL-terminated string at %ebx on COM1, waiting for THR empty (LSR bit 5). */
boot_puts:
	movb (%ebx), %al
	testb %al, %al
	jz 2f
	movw $(COM1 + 5), %dx
1:	inb %dx, %al
	testb $0x20, %al
	jz 1b
	movb (%ebx), %al
	movw $COM1, %dx
	outb %al, %dx
	incl %ebx
	jmp boot_puts
2:	ret

msg_cpuid:
	.asciz "\nmmukit i386: this CPU has no CPUID; the kernel needs a Pentium or later (CPUID, PSE, TSC)\n"
msg_cpu:
	.asciz "\nmmukit i386: this CPU lacks"
msg_pse:
	.asciz " PSE (4 MiB pages)"
msg_tsc:
	.asciz " TSC (time-stamp counter)"
msg_end:
	.asciz "; the kernel needs a Pentium or later\n"

	.text
higher_half:
	/* Clear .bss (the boot stack is in it, so before using the stack). */
	movl $_bss_start, %edx
1:	cmpl $_bss_end, %edx
	jae 2f
	movl $0, (%edx)
	addl $4, %edx
	jmp 1b
	/* Our own flat GDT: the multiboot spec leaves GDTR undefined (spec 3.2). */
2:	lgdt gdt_descriptor
	ljmp $0x08, $3f
3:	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %fs
	movw %ax, %gs
	movw %ax, %ss
	movl $(boot_stack + 16384), %esp
	xorl %ebp, %ebp
	pushl %edi
	pushl %esi
	call i386_boot_main
4:	cli
	hlt
	jmp 4b

	.section .rodata
	.balign 8
/* Flat 4 GiB segments (SDM Vol 3A 3.4.5): null, ring-0 code 0x08, ring-0 data 0x10. */
gdt:
	.quad 0
	.quad 0x00CF9A000000FFFF
	.quad 0x00CF92000000FFFF
gdt_end:
gdt_descriptor:
	.word gdt_end - gdt - 1
	.long gdt

	.data
	.balign 4096
	.globl boot_pd
boot_pd:
	.long 0 | PDE_P | PDE_RW | PDE_PS
	.fill 767, 4, 0
	.set i, 0
	.rept EARLY_WINDOW_PDES
	.long (i << 22) | PDE_P | PDE_RW | PDE_PS
	.set i, i + 1
	.endr
	.fill (1024 - 768 - EARLY_WINDOW_PDES), 4, 0

	.bss
	.balign 16
boot_stack:
	.skip 16384
