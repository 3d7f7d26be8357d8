#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# AArch64 kernel suites on the default RAM size (MEM or 128M), -cpu cortex-a57.
exec "$(dirname "$0")/../../tools/ktest-qemu.sh" aarch64
