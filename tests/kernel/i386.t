#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# i386 kernel suites on the default RAM size (MEM or 128M).
exec "$(dirname "$0")/../../tools/ktest-qemu.sh" i386
