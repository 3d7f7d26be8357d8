#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# ARMv7 user programs (the "procs" suite, kernel/proc_test.c): User mode, svc, virtual timer.
exec "$(dirname "$0")/../../tools/ktest-qemu.sh" armv7 -append procs
