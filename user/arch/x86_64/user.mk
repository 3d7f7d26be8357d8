# SPDX-License-Identifier: BSD-2-Clause
# x86_64 user programs: no SSE (the kernel does not save FPU/SSE state across switches).
USER_CFLAGS := --target=x86_64-unknown-none-elf -mno-red-zone -mno-sse -mno-mmx -mno-80387 \
	-fno-pic -fno-pie
USER_LDFLAGS := -m elf_x86_64 --no-pie -z max-page-size=4096 -z noexecstack
USER_ARCH_SRCS := user/arch/x86_64/crt0.S user/arch/x86_64/syscall.S user/arch/x86_64/cycles.S
USER_PTR := .quad
