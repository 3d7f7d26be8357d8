#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The AArch64 kernel on a Cortex-A53 (ARMv8.0, 40-bit physical addresses): it passes the
# boot's CPU check, reports the CPU and reaches its shell, which ends at the end of input.
exec "$(dirname "$0")/../../tools/ktest-boot-check.sh" aarch64 "-cpu cortex-a53" 0 \
	'aarch64: cpu MIDR 0x410fd03.*4 KiB granules, 40-bit physical' \
	"aarch64 kernel on a Cortex-A53 passes its CPU check and boots"
