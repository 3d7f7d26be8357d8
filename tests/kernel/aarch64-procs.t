#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# AArch64 user programs (the "procs" suite, kernel/proc_test.c): EL0, svc, virtual timer.
exec "$(dirname "$0")/../../tools/ktest-qemu.sh" aarch64 -append procs
