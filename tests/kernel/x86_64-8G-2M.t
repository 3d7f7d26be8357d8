#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# x86_64 kernel suites with 8 GiB and the default CPU (no 1 GiB pages: a 2 MiB direct map).
MEM=8G exec "$(dirname "$0")/../../tools/ktest-qemu.sh" x86_64 -cpu qemu64
