#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The AArch64 kernel on a Cortex-A53 (ARMv8.0, 40-bit physical addresses): it passes the
# boot's CPU check, reports the CPU and reaches its shell, which ends at the end of input.
here=$(cd "$(dirname "$0")/../.." && pwd)
echo "1..1"
out=$(QEMU_ARGS="-cpu cortex-a53" "$here/tools/qemu.sh" aarch64 "$here/${BUILD:-build}/aarch64/kernel.img" \
	</dev/null 2>&1)
rc=$?
printf '%s\n' "$out" | tr -d '\r' | sed 's/^/# /'
if [ $rc -eq 0 ] && printf '%s\n' "$out" | grep -q 'aarch64: cpu MIDR 0x410fd03.*4 KiB granules, 40-bit physical'; then
	echo "ok 1 - aarch64 kernel on a Cortex-A53 passes its CPU check and boots"
else
	echo "not ok 1 - aarch64 kernel on a Cortex-A53 passes its CPU check and boots (qemu.sh status $rc)"
fi
