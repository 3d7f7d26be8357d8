#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# ARMv7 kernel suites with 32M of RAM.
MEM=32M exec "$(dirname "$0")/../../tools/ktest-qemu.sh" armv7
