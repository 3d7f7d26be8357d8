/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * x86_64 entry through the PVH boot ABI.
 *
 * QEMU finds the MMK_XEN_ELFNOTE_PHYS32_ENTRY note and enters pvh_start32 in 32-bit
 * protected mode with paging off and ebx = physical address of struct hvm_start_info.
 * We enter long mode (SDM Vol 3A 9.8.5: CR4.PAE, EFER.LME, CR3, CR0.PG) on static boot
 * tables of 2 MiB pages (SDM Vol 3A 4.5, PDE bit 7 PS):
 *
 *   PML4[0]   -> pdpt_low : [0, 4 GiB) identity          (the code running now)
 *   PML4[256] -> pdpt_low : [0, 4 GiB) at 0xFFFF800000000000 (the early window)
 *   PML4[511] -> pdpt_high: [0, 1 GiB) at 0xFFFFFFFF80000000 (the kernel image)
 *
 * The VM replaces them with tables from the PMM; they are in the image, so the PMM
 * never hands their frames out.
 */
#define KERNEL_VMA 0xFFFFFFFF80000000
#define PTE_P 0x001
#define PTE_RW 0x002
#define PTE_PS 0x080
#define CR0_PG 0x80000000
#define CR0_WP 0x00010000
#define CR4_PAE 0x00000020
#define MSR_EFER 0xC0000080
#define EFER_LME 0x00000100
#define EFER_NXE 0x00000800
#define CPUID_EXT_NX (1 << 20) /* CPUID 0x80000001 EDX */
#define CPUID_EXT_LM (1 << 29) /* CPUID 0x80000001 EDX: long mode (SDM Vol 2A CPUID) */

	/* The PVH entry note (Xen public/elfnote.h): name "Xen", type 18, 32-bit entry. */
	.section .note.Xen, "a", @note
	.balign 4
	.long 4
	.long 4
	.long 18
	.asciz "Xen"
	.balign 4
	.long pvh_start32
	.balign 4

	.section .boot.text, "ax"
	.code32
	.globl pvh_start32
pvh_start32:
	cli
	cld
	movl %ebx, %edi                 /* hvm_start_info, physical: first C argument */
	/* A CPU without long mode gets a message and a failing exit, not a triple fault. */
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb no_long_mode
	movl $0x80000001, %eax
	cpuid
	testl $CPUID_EXT_LM, %edx
	jz no_long_mode
	lgdt gdt64_descriptor
	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl $pml4, %eax
	movl %eax, %cr3
	/* EFER.LME, and EFER.NXE when the CPU has NX. */
	movl $0x80000000, %eax
	cpuid
	xorl %esi, %esi
	cmpl $0x80000001, %eax
	jb 1f
	movl $0x80000001, %eax
	cpuid
	testl $CPUID_EXT_NX, %edx
	jz 1f
	movl $EFER_NXE, %esi
1:	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	orl %esi, %eax
	wrmsr
	movl %cr0, %eax
	orl $(CR0_PG | CR0_WP), %eax
	movl %eax, %cr0
	ljmp $0x08, $long_mode

/* Paging off, no stack: prints msg_no_long_mode on COM1 (QEMU's UART needs no set-up),
 * then exits through isa-debug-exit with 0x10 + 1, the kernel's failure status. */
no_long_mode:
	movl $msg_no_long_mode, %esi
5:	movb (%esi), %al
	testb %al, %al
	jz 7f
	movw $0x3FD, %dx                /* COM1 LSR: wait for THR empty (bit 5) */
6:	inb %dx, %al
	testb $0x20, %al
	jz 6b
	movb (%esi), %al
	movw $0x3F8, %dx
	outb %al, %dx
	incl %esi
	jmp 5b
7:	movb $0x11, %al
	outb %al, $0xf4
8:	cli
	hlt
	jmp 8b
msg_no_long_mode:
	.asciz "\nmmukit x86_64: this CPU has no long mode (CPUID 0x80000001 EDX bit 29); the kernel needs a 64-bit CPU\n"

	.code64
long_mode:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs
	movabsq $higher_half, %rax
	jmp *%rax

	.text
higher_half:
	/* Clear .bss (the boot stack is in it). */
	movabsq $_bss_start, %rdx
	movabsq $_bss_end, %rcx
2:	cmpq %rcx, %rdx
	jae 3f
	movq $0, (%rdx)
	addq $8, %rdx
	jmp 2b
3:	movabsq $(boot_stack + 16384), %rsp
	xorl %ebp, %ebp
	movl %edi, %edi                 /* zero-extend the start info address */
	call x86_64_boot_main
4:	cli
	hlt
	jmp 4b

	.section .boot.data, "aw"
	.balign 4096
pml4:
	.quad pdpt_low + (PTE_P | PTE_RW)
	.fill 255, 8, 0
	.quad pdpt_low + (PTE_P | PTE_RW)
	.fill 254, 8, 0
	.quad pdpt_high + (PTE_P | PTE_RW)
pdpt_low:
	.quad pd_4gib + 0 * 4096 + (PTE_P | PTE_RW)
	.quad pd_4gib + 1 * 4096 + (PTE_P | PTE_RW)
	.quad pd_4gib + 2 * 4096 + (PTE_P | PTE_RW)
	.quad pd_4gib + 3 * 4096 + (PTE_P | PTE_RW)
	.fill 508, 8, 0
pdpt_high:
	.fill 510, 8, 0
	.quad pd_4gib + (PTE_P | PTE_RW) /* the first GiB again, at -2 GiB */
	.quad 0
pd_4gib:
	.set i, 0
	.rept 2048
	.quad (i << 21) | (PTE_P | PTE_RW | PTE_PS)
	.set i, i + 1
	.endr

/* Flat segments (SDM Vol 3A 3.4.5, 5.2.1): null, 64-bit code 0x08 (L=1), data 0x10. */
	.balign 8
	.globl gdt64, gdt64_end
gdt64:
	.quad 0
	.quad 0x00AF9A000000FFFF
	.quad 0x00CF92000000FFFF
gdt64_end:
gdt64_descriptor:
	.word gdt64_end - gdt64 - 1
	.quad gdt64

	.bss
	.balign 16
boot_stack:
	.skip 16384
