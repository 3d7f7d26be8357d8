#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# x86_64 stress run, short, with -cpu max: SMEP and SMAP on in the user phase (1 GiB pages in the direct map);
# the same 20,000 operations as x86_64-stress.t (kernel/stress.h).
exec "$(dirname "$0")/../../tools/ktest-qemu.sh" x86_64 -cpu max -append stress=20000
