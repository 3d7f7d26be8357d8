/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The riscv64 kernel's address layout (QEMU virt), shared by the boot, the platform and
 * the MMU backend. The kernel half is the same under Sv39 and Sv48: everything lives in
 * the top 256 GiB, which is Sv39's whole upper half (RISC-V priv 4.4.1: addresses are
 * sign-extended from bit 38) and the last root entry of Sv48 (4.5.1).
 *
 *   0xFFFFFFC000000000  direct map: physical [0, 128 GiB) at DIRECT_BASE + pa
 *   0xFFFFFFE000000000  kernel window: heap up from KVM_BASE ...
 *   0xFFFFFFFF00000000  ... MMIO down from KVM_TOP (stacks with guards come from it)
 *   0xFFFFFFFF80000000  the kernel image: va = pa + KERNEL_OFFSET (RAM at 0x80000000,
 *                       OpenSBI in its first 2 MiB, the image from 0x80200000)
 */
#ifndef MMUKIT_ARCH_RISCV64_LAYOUT_H
#define MMUKIT_ARCH_RISCV64_LAYOUT_H

#define DIRECT_BASE 0xFFFFFFC000000000ull
#define DIRECT_SIZE (128ull << 30)
#define KVM_BASE 0xFFFFFFE000000000ull
#define KVM_TOP 0xFFFFFFFF00000000ull
#define KERNEL_OFFSET 0xFFFFFFFF00000000ull

#define VIRT_RAM_BASE 0x80000000ull
#define VIRT_FIRMWARE_SIZE 0x200000ull /* OpenSBI: [0x80000000, 0x80200000) */
#define VIRT_TEST_PA 0x100000ull       /* sifive_test: exit QEMU */
#define VIRT_UART_PA 0x10000000ull     /* NS16550A */

/* The devices the console and the exit use, seen through the direct map (boot.S maps
 * the first 128 GiB of physical space there; mmk_mmu_init maps these two pages again). */
#define CONSOLE_VA (DIRECT_BASE + VIRT_UART_PA)
#define TEST_VA_EXIT (DIRECT_BASE + VIRT_TEST_PA)

#endif
