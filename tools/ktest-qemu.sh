#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Runs the in-kernel test suites of one architecture under QEMU as a TAP producer for
# prove: boot log lines become "# " comments, the kernel's KTAP passes through, and any
# ending other than a reported success gives a failing exit status, so a crash, a
# triple fault or a hang can never read as a pass. (No "Bail out!": prove would stop
# every other test file too, hiding the other machines' results.)
#
#   tools/ktest-qemu.sh ARCH [extra QEMU arguments...]     (env MEM as for qemu.sh)
set -u
arch=${1:?usage: ktest-qemu.sh ARCH [qemu args]}
shift
here=$(cd "$(dirname "$0")/.." && pwd)
image=$here/${BUILD:-build}/$arch/kernel.img
log=$(mktemp)
trap 'rm -f "$log"' EXIT

"$here/tools/qemu.sh" "$arch" "$image" "$@" 2>"$log" | tr -d '\r' | awk '
	/^KTAP version 1$/ && !started { started = 1 }
	{ if (started) print; else print "# " $0 }
	END { if (!started) print "# no KTAP output" }'
rc=${PIPESTATUS[0]}
sed 's/^/# /' "$log"
if [ "$rc" -ne 0 ]; then
	echo "# $arch kernel did not report success (qemu.sh status $rc)"
	exit 1
fi
exit 0
