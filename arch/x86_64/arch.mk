# SPDX-License-Identifier: BSD-2-Clause
# x86_64: an ELF64 kernel in the top 2 GiB, entered by QEMU -kernel through its PVH note.
ARCH_CFLAGS := --target=x86_64-unknown-none-elf -mno-red-zone -mno-sse -mno-mmx -mno-80387 \
	-mcmodel=kernel -Iarch/x86
ARCH_SRCS := arch/x86_64/boot.S arch/x86_64/vectors.S arch/x86_64/trap.c arch/x86_64/user.c arch/x86_64/switch.S \
	arch/x86_64/platform.c arch/x86_64/mmu.c arch/x86_64/cpu.c arch/x86_64/probe.S \
	arch/x86/console.c arch/x86/timer.c
ARCH_LDFLAGS := -m elf_x86_64 --no-pie -z max-page-size=4096
ARCH_LDSCRIPT := arch/x86_64/linker.ld
ARCH_IMAGE := $(KDIR)/kernel.img

$(ARCH_IMAGE): $(KDIR)/kernel.elf
	cp $< $@
ARCH_SRCS += arch/x86/features.c
