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

# The kernel runs its suites when "test" is on its command line: merged here with any
# -append the caller gives (QEMU keeps only the last -append).
append=test
args=()
while [ $# -gt 0 ]; do
	if [ "$1" = -append ] && [ $# -ge 2 ]; then
		append="$append $2"
		shift 2
	else
		args+=("$1")
		shift
	fi
done

# Lines a test prints that are not KTAP (a deliberate fault's report, a checker finding
# the corruption a test made on purpose) become KTAP diagnostics, held until the test's
# result: "# expected: " when the test passed, "# " when it failed.
"$here/tools/qemu.sh" "$arch" "$image" ${args[@]+"${args[@]}"} -append "$append" \
	2>"$log" </dev/null | tr -d '\r' | awk '
	function flush(prefix) {
		for (i = 0; i < held; i++)
			print prefix hold[i]
		held = 0
	}
	/^KTAP version 1$/ && !started { started = 1 }
	!started { print "# " $0; next }
	/^[ \t]*$/ { next }
	/^[ \t]*(ok|not ok) [0-9]/ { flush(/^[ \t]*ok/ ? "# expected: " : "# "); print; next }
	/^[ \t]*(KTAP version|1\.\.|#)/ { print; next }
	{ hold[held++] = $0 }
	END { flush("# "); if (!started) print "# no KTAP output" }'
rc=${PIPESTATUS[0]}
sed 's/^/# /' "$log"
if [ "$rc" -ne 0 ]; then
	echo "# $arch kernel did not report success (qemu.sh status $rc)"
	exit 1
fi
exit 0
