#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The AArch64 kernel on a Cortex-A53 without its PMU (QEMU pmu=off): the boot's CPU check
# must name what is missing and stop with a failing status (tools/qemu.sh status 1).
here=$(cd "$(dirname "$0")/../.." && pwd)
echo "1..1"
out=$(QEMU_ARGS="-cpu cortex-a53,pmu=off" "$here/tools/qemu.sh" aarch64 "$here/${BUILD:-build}/aarch64/kernel.img" \
	</dev/null 2>&1)
rc=$?
printf '%s\n' "$out" | tr -d '\r' | sed 's/^/# /'
if [ $rc -eq 1 ] && printf '%s\n' "$out" | grep -q 'this CPU lacks an architected PMU (ID_AA64DFR0_EL1.PMUVer'; then
	echo "ok 1 - aarch64 kernel without a PMU names it and stops cleanly"
else
	echo "not ok 1 - aarch64 kernel without a PMU names it and stops cleanly (qemu.sh status $rc)"
fi
