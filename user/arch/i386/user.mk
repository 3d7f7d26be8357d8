# SPDX-License-Identifier: BSD-2-Clause
# i386 user programs: no x87/SSE (the kernel does not save FPU state across switches), for
# the oldest CPU the kernel runs on (-march=i586: a Pentium, no cmov).
USER_CFLAGS := --target=i686-elf -march=i586 -mno-sse -mno-mmx -mno-80387 -fno-pic -fno-pie
USER_LDFLAGS := -m elf_i386 --no-pie -z max-page-size=4096 -z noexecstack
USER_ARCH_SRCS := user/arch/i386/crt0.S user/arch/i386/syscall.S user/arch/i386/cycles.S
USER_PTR := .long
