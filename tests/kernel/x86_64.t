#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# x86_64 kernel suites on the default RAM size (MEM or 128M), default CPU (no 1 GiB pages).
exec "$(dirname "$0")/../../tools/ktest-qemu.sh" x86_64
