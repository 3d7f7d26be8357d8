#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# aarch64 stress run, short, with -cpu max: PAN on in the user phase;
# the same 20,000 operations as aarch64-stress.t (kernel/stress.h).
exec "$(dirname "$0")/../../tools/ktest-qemu.sh" aarch64 -cpu max -append stress=20000
