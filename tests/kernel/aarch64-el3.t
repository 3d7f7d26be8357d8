#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The AArch64 kernel started at EL3 (QEMU virt with secure=on runs a bare ELF there):
# the boot stub cannot leave EL3, so it must say so and stop with a failing status.
here=$(cd "$(dirname "$0")/../.." && pwd)
echo "1..1"
out=$(QEMU_ARGS="-M virt,secure=on" "$here/tools/qemu.sh" aarch64 "$here/${BUILD:-build}/aarch64/kernel.img" \
	</dev/null 2>&1)
rc=$?
printf '%s\n' "$out" | tr -d '\r' | sed 's/^/# /'
if [ $rc -eq 1 ] && printf '%s\n' "$out" | grep -q 'this CPU lacks entry at EL1 or EL2 (it was started at EL3)'; then
	echo "ok 1 - aarch64 kernel started at EL3 says so and stops cleanly"
else
	echo "not ok 1 - aarch64 kernel started at EL3 says so and stops cleanly (qemu.sh status $rc)"
fi
