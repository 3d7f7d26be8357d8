#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The riscv64 kernel on a hart without paging (QEMU mmu=false: satp ignores every write):
# the boot reads satp back, names what is missing and stops with a failing status instead
# of jumping to its linked address with paging off.
here=$(cd "$(dirname "$0")/../.." && pwd)
echo "1..1"
out=$(QEMU_ARGS="-cpu rv64,mmu=false" "$here/tools/qemu.sh" riscv64 "$here/${BUILD:-build}/riscv64/kernel.img" \
	</dev/null 2>&1)
rc=$?
printf '%s\n' "$out" | tr -d '\r' | sed 's/^/# /'
if [ $rc -eq 1 ] && printf '%s\n' "$out" | grep -q 'this hart lacks Sv39 paging'; then
	echo "ok 1 - riscv64 kernel on a hart without Sv39 names it and stops cleanly"
else
	echo "not ok 1 - riscv64 kernel on a hart without Sv39 names it and stops cleanly (qemu.sh status $rc)"
fi
