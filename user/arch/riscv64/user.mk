# SPDX-License-Identifier: BSD-2-Clause
# riscv64 user programs: RV64IMAC, no floating point (the kernel does not save it).
USER_CFLAGS := --target=riscv64-unknown-elf -march=rv64imac -mabi=lp64 -mcmodel=medany \
	-mno-relax -msmall-data-limit=0 -fno-pic -fno-pie
USER_LDFLAGS := -m elf64lriscv --no-pie -z max-page-size=4096 -z noexecstack
USER_ARCH_SRCS := user/arch/riscv64/crt0.S user/arch/riscv64/syscall.S user/arch/riscv64/cycles.S
USER_PTR := .quad
