# SPDX-License-Identifier: BSD-2-Clause
# ARMv7 user programs: ARM state, soft float (the kernel does not save VFP state).
USER_CFLAGS := --target=armv7a-none-eabi -mcpu=cortex-a15 -marm -mfloat-abi=soft -fno-pic -fno-pie
USER_LDFLAGS := -m armelf --no-pie -z max-page-size=4096 -z noexecstack
USER_ARCH_SRCS := user/arch/armv7/crt0.S user/arch/armv7/syscall.S user/arch/armv7/cycles.S \
	user/arch/armv7/aeabi.c
USER_PTR := .long
