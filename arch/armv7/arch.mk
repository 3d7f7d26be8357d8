# SPDX-License-Identifier: BSD-2-Clause
# ARMv7-A: qemu-system-arm -M virt -cpu cortex-a15, a bare-metal ELF loaded at
# 0x40100000 and linked at 0x80100000 (the linear map of RAM), boot stub aside.
# -mno-unaligned-access: the stub runs with the MMU off, where memory is
# Strongly-ordered and an unaligned access faults (ARM ARM A3.2.1); kept for all code.
ARCH_CFLAGS := --target=armv7a-none-eabi -mcpu=cortex-a15 -marm -mfloat-abi=soft \
	-mno-unaligned-access -Iarch/arm
ARCH_SRCS := arch/armv7/boot.S arch/armv7/vectors.S arch/armv7/trap.c \
	arch/armv7/console.c arch/armv7/platform.c arch/armv7/aeabi.c \
	arch/armv7/divide.S arch/armv7/mmu.c arch/armv7/cpu.c arch/armv7/probe.S \
	arch/armv7/page.S arch/armv7/user.c arch/arm/gic.c arch/armv7/switch.S
ARCH_LDFLAGS := -m armelf --no-pie -z max-page-size=4096
ARCH_LDSCRIPT := arch/armv7/linker.ld
ARCH_IMAGE := $(KDIR)/kernel.img

$(ARCH_IMAGE): $(KDIR)/kernel.elf
	cp $< $@
ARCH_SRCS += arch/armv7/features.c
