# SPDX-License-Identifier: BSD-2-Clause
# AArch64: qemu-system-aarch64 -M virt -cpu cortex-a57 (or max), a bare-metal ELF loaded
# at 0x40200000 (above the device tree QEMU puts at the start of RAM) and linked at
# 0xFFFFFFFF80200000, boot stub aside. -mgeneral-regs-only: no FP/SIMD in the kernel
# (CPACR_EL1 leaves them trapping).
ARCH_CFLAGS := --target=aarch64-none-elf -mgeneral-regs-only -Iarch/arm
ARCH_SRCS := arch/aarch64/boot.S arch/aarch64/vectors.S arch/aarch64/trap.c \
	arch/aarch64/console.c arch/aarch64/platform.c arch/aarch64/probe.S \
	arch/aarch64/cpu.c arch/aarch64/mmu.c arch/aarch64/user.c arch/arm/gic.c arch/aarch64/switch.S
ARCH_LDFLAGS := -m aarch64elf --no-pie -z max-page-size=4096
ARCH_LDSCRIPT := arch/aarch64/linker.ld
ARCH_IMAGE := $(KDIR)/kernel.img

$(ARCH_IMAGE): $(KDIR)/kernel.elf
	cp $< $@
ARCH_SRCS += arch/aarch64/features.c
