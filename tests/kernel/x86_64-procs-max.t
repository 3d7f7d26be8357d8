#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# x86_64 user programs with -cpu max: SMEP and SMAP on (a kernel load of a user page and a
# kernel call into one fault); the kernel reaches user memory only through mmk_copy_*_user.
exec "$(dirname "$0")/../../tools/ktest-qemu.sh" x86_64 -cpu max -append procs
