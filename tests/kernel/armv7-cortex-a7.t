#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The ARMv7 kernel on a Cortex-A7 (the other ARMv7 CPU QEMU's virt takes): it passes the
# boot's CPU check, reports the CPU and reaches its shell, which ends at the end of input.
here=$(cd "$(dirname "$0")/../.." && pwd)
echo "1..1"
out=$(QEMU_ARGS="-cpu cortex-a7" "$here/tools/qemu.sh" armv7 "$here/${BUILD:-build}/armv7/kernel.img" \
	</dev/null 2>&1)
rc=$?
printf '%s\n' "$out" | tr -d '\r' | sed 's/^/# /'
if [ $rc -eq 0 ] && printf '%s\n' "$out" | grep -q 'armv7: cpu MIDR 0x410fc07'; then
	echo "ok 1 - armv7 kernel on a Cortex-A7 passes its CPU check and boots"
else
	echo "not ok 1 - armv7 kernel on a Cortex-A7 passes its CPU check and boots (qemu.sh status $rc)"
fi
