#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The i386 kernel on a 486 (no TSC): it must say what the CPU lacks and stop with a
# failing status (tools/qemu.sh status 1), not crash (status 2) or pass.
here=$(cd "$(dirname "$0")/../.." && pwd)
echo "1..1"
out=$(QEMU_ARGS="-cpu 486" "$here/tools/qemu.sh" i386 "$here/${BUILD:-build}/i386/kernel.img" \
	-append test </dev/null 2>&1)
rc=$?
printf '%s\n' "$out" | tr -d '\r' | sed 's/^/# /'
if [ $rc -eq 1 ] && printf '%s\n' "$out" | grep -q 'this CPU lacks TSC'; then
	echo "ok 1 - i386 kernel on a 486 names what is missing and stops cleanly"
else
	echo "not ok 1 - i386 kernel on a 486 (qemu.sh status $rc)"
fi
