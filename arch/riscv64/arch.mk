# SPDX-License-Identifier: BSD-2-Clause
# riscv64: QEMU virt, S-mode under OpenSBI (-bios default); the image is loaded at
# 0x80200000 and linked in the top 2 GiB (0xFFFFFFFF80200000). -mno-relax: no linker
# relaxation (no gp-relative access: gp is never set up); -msmall-data-limit=0: no
# .sdata/.sbss.
ARCH_CFLAGS := --target=riscv64-unknown-elf -march=rv64imac -mabi=lp64 -mcmodel=medany \
	-mno-relax -msmall-data-limit=0
ARCH_SRCS := arch/riscv64/boot.S arch/riscv64/vectors.S arch/riscv64/trap.c \
	arch/riscv64/console.c arch/riscv64/platform.c arch/riscv64/cpu.c \
	arch/riscv64/probe.S arch/riscv64/mmu.c arch/riscv64/user.c arch/riscv64/switch.S
ARCH_LDFLAGS := -m elf64lriscv --no-pie -z max-page-size=4096
ARCH_LDSCRIPT := arch/riscv64/linker.ld
ARCH_IMAGE := $(KDIR)/kernel.img

$(ARCH_IMAGE): $(KDIR)/kernel.elf
	cp $< $@
ARCH_SRCS += arch/riscv64/features.c
