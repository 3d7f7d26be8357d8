/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The i386 example kernel's entry: a multiboot 1 header, a boot page directory of
 * 4 MiB pages (identity [0, 4 MiB) for this stub, [0, 16 MiB) at 0xC0000000 for the
 * kernel, SDM Vol 3A 4.3), a flat GDT, and the page-fault entry.
 */
#define KERNEL_VMA 0xC0000000
#define PDE_P_RW_PS 0x083 /* present, writable, 4 MiB page (SDM Vol 3A table 4-4) */
#define MB_FLAGS 0x00000003 /* page-aligned modules, memory information */

	.section .multiboot, "a"
	.balign 4
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
	movl %cr4, %eax
	orl $0x10, %eax                 /* CR4.PSE */
	movl %eax, %cr4
	movl $(boot_pd - KERNEL_VMA), %eax
	movl %eax, %cr3
	movl %cr0, %eax
	orl $0x80010000, %eax           /* CR0.PG | CR0.WP */
	movl %eax, %cr0
	movl $high, %eax
	jmp *%eax

	.text
high:
	lgdt gdt_ptr
	ljmp $0x08, $1f
1:	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movl $(stack + 16384), %esp
	pushl %edi
	pushl %esi
	call example_main
2:	cli
	hlt
	jmp 2b

/* Vector 14: the CPU pushed the error code; save the registers, hand C the frame. */
	.globl page_fault_entry
page_fault_entry:
	pushal
	pushl %esp
	call example_page_fault
	addl $4, %esp
	popal
	addl $4, %esp                   /* the error code */
	iret

	.section .rodata
	.balign 8
gdt:
	.quad 0
	.quad 0x00CF9A000000FFFF        /* ring 0 code, flat */
	.quad 0x00CF92000000FFFF        /* ring 0 data, flat */
gdt_ptr:
	.word gdt_ptr - gdt - 1
	.long gdt

	.data
	.balign 4096
boot_pd:
	.long 0 | PDE_P_RW_PS
	.fill 767, 4, 0
	.long (0 << 22) | PDE_P_RW_PS
	.long (1 << 22) | PDE_P_RW_PS
	.long (2 << 22) | PDE_P_RW_PS
	.long (3 << 22) | PDE_P_RW_PS
	.fill 252, 4, 0

	.bss
	.balign 16
stack:
	.skip 16384
