#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# x86_64 kernel suites with 8 GiB of RAM (above the 4 GiB hole) and -cpu max.
MEM=8G exec "$(dirname "$0")/../../tools/ktest-qemu.sh" x86_64 -cpu max
