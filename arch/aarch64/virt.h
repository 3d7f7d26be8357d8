/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Where things are on QEMU's virt machine, and where the AArch64 kernel puts them in its
 * address space. Included from C and from boot.S (plain numbers only).
 *
 *   0x0000000000000000 - 0x0000FFFFFFFFFFFF  TTBR0: one user space at a time, ASID-tagged
 *   0xFFFF000000000000 - 0xFFFF7FFFFFFFFFFF  direct map: physical pa at DIRECT_MAP + pa
 *   0xFFFF800000000000 - 0xFFFFFF7FFFFFFFFF  kernel window: heap (and stacks with guard
 *                                            pages) up from KVM_BASE, MMIO down from KVM_TOP
 *   0xFFFFFFFF40000000 + device pa           the boot's device GiB; later the console page
 *   0xFFFFFFFF80000000 + (pa - RAM GiB)      the kernel image (in the GiB of RAM holding it)
 */
#ifndef MMUKIT_ARCH_AARCH64_VIRT_H
#define MMUKIT_ARCH_AARCH64_VIRT_H

#define VIRT_RAM_BASE 0x40000000      /* RAM, and the device tree blob at its start */
#define VIRT_UART_PA 0x09000000       /* PL011 */

#define DIRECT_MAP 0xFFFF000000000000 /* TTBR1's first 512 GiB entry and on */
#define DIRECT_MAP_SIZE 0x0000800000000000
#define KVM_BASE 0xFFFF800000000000   /* heap up from here ... */
#define KVM_TOP 0xFFFFFF8000000000    /* ... MMIO down from here */
#define DEVICE_VA 0xFFFFFFFF40000000  /* boot.S: physical [0, 1 GiB) as Device memory */
#define CONSOLE_VA (DEVICE_VA + VIRT_UART_PA)
#define KERNEL_VA 0xFFFFFFFF80000000  /* the start of the GiB of RAM holding the image */

/* The boot tables map this much RAM from VIRT_RAM_BASE into the direct map (1 GiB blocks). */
#define BOOT_DIRECT_GIB 15

#endif
