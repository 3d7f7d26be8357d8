#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The gdb helpers against a halted armv7 kernel (tools/gdb/check.sh); skipped without gdb-multiarch.
exec "$(dirname "$0")/../../tools/gdb/check.sh" armv7
