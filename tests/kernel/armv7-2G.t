#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# ARMv7 kernel suites with 2G of RAM (the second GiB is beyond the linear map: unreachable).
MEM=2G exec "$(dirname "$0")/../../tools/ktest-qemu.sh" armv7
