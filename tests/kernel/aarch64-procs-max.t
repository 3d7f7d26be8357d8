#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# AArch64 user programs with -cpu max: PAN on (a plain kernel load of a user page faults)
# besides PXN on user pages; the kernel reaches user memory only through mmk_copy_*_user.
exec "$(dirname "$0")/../../tools/ktest-qemu.sh" aarch64 -cpu max -append procs
