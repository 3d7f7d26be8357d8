# SPDX-License-Identifier: BSD-2-Clause
# i386: multiboot 1 ELF32 loaded by QEMU -kernel, linked in the higher half.
ARCH_CFLAGS := --target=i686-elf -march=i586 -mno-sse -mno-mmx -mno-80387 -Iarch/x86
ARCH_SRCS := arch/i386/boot.S arch/i386/vectors.S arch/i386/trap.c arch/i386/user.c arch/i386/switch.S arch/i386/platform.c \
	arch/i386/libgcc.c arch/i386/mmu.c arch/i386/cpu.c arch/i386/probe.S arch/x86/console.c arch/x86/timer.c
ARCH_LDFLAGS := -m elf_i386 --no-pie -z max-page-size=4096
ARCH_LDSCRIPT := arch/i386/linker.ld
ARCH_IMAGE := $(KDIR)/kernel.img

$(ARCH_IMAGE): $(KDIR)/kernel.elf
	cp $< $@
ARCH_SRCS += arch/x86/features.c
