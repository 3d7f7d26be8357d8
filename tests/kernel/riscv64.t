#!/bin/sh
# riscv64 kernel suites on the default RAM size (MEM or 128M).
exec "$(dirname "$0")/../../tools/ktest-qemu.sh" riscv64
