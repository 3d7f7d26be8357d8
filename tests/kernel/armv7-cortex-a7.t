#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The ARMv7 kernel on a Cortex-A7 (the other ARMv7 CPU QEMU's virt takes): it passes the
# boot's CPU check, reports the CPU and reaches its shell, which ends at the end of input.
exec "$(dirname "$0")/../../tools/ktest-boot-check.sh" armv7 "-cpu cortex-a7" 0 \
	'armv7: cpu MIDR 0x410fc07' \
	"armv7 kernel on a Cortex-A7 passes its CPU check and boots"
