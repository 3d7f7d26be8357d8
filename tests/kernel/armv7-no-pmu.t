#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The ARMv7 kernel on a Cortex-A15 without its PMU (QEMU pmu=off): the boot's CPU check
# must name what is missing and stop with a failing status (tools/qemu.sh status 1), not
# take an undefined-instruction exception at the first cycle count.
here=$(cd "$(dirname "$0")/../.." && pwd)
echo "1..1"
out=$(QEMU_ARGS="-cpu cortex-a15,pmu=off" "$here/tools/qemu.sh" armv7 "$here/${BUILD:-build}/armv7/kernel.img" \
	</dev/null 2>&1)
rc=$?
printf '%s\n' "$out" | tr -d '\r' | sed 's/^/# /'
if [ $rc -eq 1 ] && printf '%s\n' "$out" | grep -q 'this CPU lacks an architected PMU (ID_DFR0.PerfMon'; then
	echo "ok 1 - armv7 kernel without a PMU names it and stops cleanly"
else
	echo "not ok 1 - armv7 kernel without a PMU names it and stops cleanly (qemu.sh status $rc)"
fi
