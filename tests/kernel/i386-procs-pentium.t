#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# i386 user programs (the "procs" suite) on the oldest CPU the kernel and the programs are
# built for (-march=i586): a Pentium, without cmov.
exec "$(dirname "$0")/../../tools/ktest-qemu.sh" i386 -cpu pentium -append procs
