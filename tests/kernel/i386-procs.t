#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# i386 user programs (the "procs" suite, kernel/proc_test.c): ring 3, TSS esp0, int 0x80.
exec "$(dirname "$0")/../../tools/ktest-qemu.sh" i386 -append procs
