#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The gdb helpers against a halted riscv64 kernel (tools/gdb/check.sh); skipped without gdb-multiarch.
exec "$(dirname "$0")/../../tools/gdb/check.sh" riscv64
