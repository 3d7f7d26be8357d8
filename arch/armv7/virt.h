/* SPDX-License-Identifier: BSD-2-Clause */
/* Where things are on QEMU's virt machine, and where the ARMv7 kernel shows them. */
#ifndef MMUKIT_ARCH_ARMV7_VIRT_H
#define MMUKIT_ARCH_ARMV7_VIRT_H

#define VIRT_RAM_BASE 0x40000000u /* RAM, and the device tree blob at its start */
#define VIRT_UART_PA 0x09000000u  /* PL011 */
/* The console's virtual address: above the heap/MMIO window [0xC0000000, 0xFFF00000)
 * and below the vectors (boot.S maps it as a section first, mmk_mmu_init as one page). */
#define CONSOLE_VA 0xFFF00000u

#define LINEAR_BASE_VA 0x80000000u /* RAM (up to 1 GiB) linearly at 2 GiB */
#define LINEAR_WINDOW 0x40000000u
#define KVM_BASE 0xC0000000u       /* heap up from here ... */
#define KVM_TOP 0xFFF00000u        /* ... MMIO down from here */

#endif
