#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# One boot of ARCH's kernel under QEMU with QEMU_ARGS, as a one-test TAP file: ok when
# tools/qemu.sh ends with STATUS (0: the kernel passed; 1: it stopped cleanly with a
# failing status, never a crash, which is 2) and its output holds PATTERN (grep). What the
# tests/kernel/*.t that give a kernel an old or lacking CPU run.
#
#   tools/ktest-boot-check.sh ARCH QEMU_ARGS STATUS PATTERN DESCRIPTION [KERNEL ARGS...]
set -u
[ $# -ge 5 ] || { echo "usage: ktest-boot-check.sh ARCH QEMU_ARGS STATUS PATTERN DESCRIPTION [ARGS...]" >&2; exit 2; }
arch=$1 qemu_args=$2 want=$3 pattern=$4 what=$5
shift 5
here=$(cd "$(dirname "$0")/.." && pwd)
echo "1..1"
out=$(QEMU_ARGS="$qemu_args" "$here/tools/qemu.sh" "$arch" "$here/${BUILD:-build}/$arch/kernel.img" \
	"$@" </dev/null 2>&1)
rc=$?
printf '%s\n' "$out" | tr -d '\r' | sed 's/^/# /'
if [ "$rc" -eq "$want" ] && printf '%s\n' "$out" | grep -q -- "$pattern"; then
	echo "ok 1 - $what"
else
	echo "not ok 1 - $what (qemu.sh status $rc)"
fi
