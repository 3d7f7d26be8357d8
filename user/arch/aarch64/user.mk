# SPDX-License-Identifier: BSD-2-Clause
# AArch64 user programs: general registers only (the kernel does not save FP/SIMD).
USER_CFLAGS := --target=aarch64-none-elf -mgeneral-regs-only -fno-pic -fno-pie
USER_LDFLAGS := -m aarch64elf --no-pie -z max-page-size=4096 -z noexecstack
USER_ARCH_SRCS := user/arch/aarch64/crt0.S user/arch/aarch64/syscall.S user/arch/aarch64/cycles.S
USER_PTR := .quad
