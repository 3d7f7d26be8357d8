#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The gdb helpers against a halted aarch64 kernel (tools/gdb/check.sh); skipped without gdb-multiarch.
exec "$(dirname "$0")/../../tools/gdb/check.sh" aarch64
