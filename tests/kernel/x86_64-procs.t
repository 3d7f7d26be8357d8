#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# x86_64 user programs (the "procs" suite, kernel/proc_test.c): the default CPU (no SMEP/SMAP).
exec "$(dirname "$0")/../../tools/ktest-qemu.sh" x86_64 -append procs
