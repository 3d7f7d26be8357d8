#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The gdb helpers against a halted i386 kernel (tools/gdb/check.sh); skipped without gdb-multiarch.
exec "$(dirname "$0")/../../tools/gdb/check.sh" i386
