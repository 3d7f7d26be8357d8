#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# x86_64 user programs with -cpu max: SMEP and SMAP on, user copies inside stac/clac.
exec "$(dirname "$0")/../../tools/ktest-qemu.sh" x86_64 -cpu max -append procs
