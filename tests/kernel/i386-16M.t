#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# i386 kernel suites with only 16 MiB of RAM: the PMM metadata must size itself.
MEM=16M exec "$(dirname "$0")/../../tools/ktest-qemu.sh" i386
