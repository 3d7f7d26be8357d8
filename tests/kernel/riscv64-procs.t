#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# riscv64 user programs (the "procs" suite, kernel/proc_test.c): U-mode, ecall, SBI timer.
exec "$(dirname "$0")/../../tools/ktest-qemu.sh" riscv64 -append procs
