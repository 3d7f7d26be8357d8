#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# AArch64 kernel suites with 2 GiB of RAM (two 1 GiB blocks of the direct map) and
# -cpu max (ARMv8.x features: PAN, hardware access flag - left off - and the like).
MEM=2G exec "$(dirname "$0")/../../tools/ktest-qemu.sh" aarch64 -cpu max
