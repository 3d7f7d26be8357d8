#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The x86_64 kernel on a 32-bit CPU (-cpu qemu32: no long mode): it must say what the
# CPU lacks and stop with a failing status (tools/qemu.sh status 1), not crash or pass.
here=$(cd "$(dirname "$0")/../.." && pwd)
echo "1..1"
out=$(QEMU_ARGS="-cpu qemu32" "$here/tools/qemu.sh" x86_64 "$here/${BUILD:-build}/x86_64/kernel.img" \
	-append test </dev/null 2>&1)
rc=$?
printf '%s\n' "$out" | tr -d '\r' | sed 's/^/# /'
if [ $rc -eq 1 ] && printf '%s\n' "$out" | grep -q 'this CPU has no long mode'; then
	echo "ok 1 - x86_64 kernel on a 32-bit CPU says it needs long mode and stops cleanly"
else
	echo "not ok 1 - x86_64 kernel on a 32-bit CPU (qemu.sh status $rc)"
fi
