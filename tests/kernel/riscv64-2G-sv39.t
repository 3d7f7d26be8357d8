#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# riscv64 kernel suites with 2G of RAM (gigapages in the direct map) on Sv39: the
# "sv39" boot option keeps satp at MODE 8 although QEMU takes Sv48.
MEM=2G exec "$(dirname "$0")/../../tools/ktest-qemu.sh" riscv64 -append sv39
