#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# ARMv7 kernel suites with 1 GiB of RAM (the most the linear map at 2-3 GiB takes).
MEM=1G exec "$(dirname "$0")/../../tools/ktest-qemu.sh" armv7
