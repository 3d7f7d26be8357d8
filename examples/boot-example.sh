#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Boots an example kernel under QEMU as one TAP test: its serial output becomes "# "
# lines; it passes when the kernel exits with success after reporting the demand-zero
# fault resolved.  examples/boot-example.sh ARCH   (env BUILD, MEM as for tools/qemu.sh)
arch=${1:?usage: boot-example.sh ARCH}
here=$(cd "$(dirname "$0")/.." && pwd)
image=$here/${BUILD:-build}/$arch/example/kernel.elf
echo "1..1"
# The ARMv7 example describes QEMU virt -m 128M itself; the i386 one reads multiboot.
MEM=128M; export MEM
out=$("$here/tools/qemu.sh" "$arch" "$image" </dev/null 2>&1)
rc=$?
printf '%s\n' "$out" | tr -d '\r' | sed 's/^/# /'
if [ $rc -eq 0 ] && printf '%s\n' "$out" | grep -q 'fault at .* resolved' &&
   printf '%s\n' "$out" | grep -q '^example: done'; then
	echo "ok 1 - $arch example kernel: PMM, page tables, heap, VM, demand-zero fault"
else
	echo "not ok 1 - $arch example kernel (exit status $rc)"
fi
