#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The gdb helpers (tools/gdb/mmukit.py) against a halted kernel, as a TAP producer for
# prove: the kernel boots to its shell prompt (and answers one `translate`), gdb in
# batch mode attaches to QEMU's gdb stub, which stops the CPU, runs every helper, and
# what they say is compared with what the kernel printed itself.
#
#   tools/gdb/check.sh ARCH        (env BUILD: the build directory, default build)
set -u
arch=${1:?usage: check.sh ARCH}
here=$(cd "$(dirname "$0")/../.." && pwd)
build=$here/${BUILD:-build}/$arch
gdb=$(command -v gdb-multiarch || true)
if [ -z "$gdb" ]; then
	echo "1..0 # SKIP gdb-multiarch is not installed (make debug installs it)"
	exit 0
fi
nm=$(command -v llvm-nm || ls /usr/bin/llvm-nm-* 2>/dev/null | head -1)

dir=$(mktemp -d)
writer=
qemu=
# Ends a process of ours and its descendants (qemu.sh -> timeout -> QEMU), by id.
kill_tree() {
	local child
	for child in $(pgrep -P "$1"); do
		kill_tree "$child"
	done
	kill "$1" 2>/dev/null
}
cleanup() {
	[ -n "$qemu" ] && kill_tree "$qemu"
	[ -n "$writer" ] && kill_tree "$writer"
	rm -rf "$dir"
}
trap cleanup EXIT

n=0
failed=0
ok() { # ok CONDITION-STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}

addr=$("$nm" "$build/kernel.elf" | awk '$3 == "kmain" { print "0x" $1 }')
port=$((20000 + $$ % 20000))
mkfifo "$dir/in"
# The shell's input: one command, then nothing until the end (the kernel stays in its
# input loop, where gdb finds it).
{ echo "translate $addr"; sleep 120; } >"$dir/in" 2>/dev/null </dev/null &
writer=$!
TIMEOUT=150 "$here/tools/qemu.sh" "$arch" "$build/kernel.img" -gdb "tcp:127.0.0.1:$port" \
	<"$dir/in" >"$dir/serial" 2>&1 &
qemu=$!
for _ in $(seq 120); do
	grep -q "^$addr -> " "$dir/serial" 2>/dev/null && break
	sleep 0.5
done
tr -d '\r' <"$dir/serial" >"$dir/console"
grep -q "^$addr -> " "$dir/console"
ok $? "the kernel reaches its shell and translates kmain ($addr)"

"$gdb" -batch -nx -ex "set pagination off" -ex "set confirm off" \
	-ex "source $here/tools/gdb/mmukit.py" -ex "file $build/kernel.elf" \
	-ex "target remote 127.0.0.1:$port" \
	-ex "mmk-pmm" -ex "mmk-spaces" -ex "mmk-regions" -ex "mmk-walk $addr" \
	-ex "mmk-ptes $addr 2" -ex "kill" >"$dir/gdb" 2>&1
sed 's/^/# gdb: /' "$dir/gdb" | grep -v "^# gdb: *$"

kib=$(sed -n 's/^pmm: \([0-9]*\) KiB usable.*/\1/p' "$dir/console" | head -1)
grep -q "^pmm: [0-9]* frames usable ($kib KiB)" "$dir/gdb"
ok $? "mmk-pmm: the usable memory the kernel reported ($kib KiB)"

root=$(sed -n 's/^kernel virtual memory (.*, root \(0x[0-9a-f]*\)):$/\1/p' "$dir/console")
grep -q "^kernel space at 0x[0-9a-f]*: root $root," "$dir/gdb"
ok $? "mmk-spaces: the kernel space with the root the kernel reported ($root)"

scratch=$(sed -n 's/^  shell scratch (in it) *\(0x[0-9a-f]*\)-.*/\1/p' "$dir/console")
grep -q "^  $scratch-" "$dir/gdb"
ok $? "mmk-regions: the kernel window holds the shell's scratch range ($scratch)"

want=$(sed -n "s/^$addr -> \(0x[0-9a-f]*\) .*/\1/p" "$dir/console")
got=$(sed -n 's/.* page [0-9]*[KMG] at 0x[0-9a-f]* -> \(0x[0-9a-f]*\) .*/\1/p' "$dir/gdb")
[ -n "$want" ] && [ "$got" = "$want" ]
ok $? "mmk-walk: kmain at $addr is at ${got:-nothing}, where the kernel translates it (${want:-?})"

[ "$(grep -c ' page -> 0x' "$dir/gdb")" -eq 2 ]
ok $? "mmk-ptes: two pages decoded"

echo "1..$n"
[ "$failed" -eq 0 ]
