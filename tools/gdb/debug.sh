#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# make debug: boots a kernel under QEMU stopped at its first instruction, waiting for
# gdb, and starts gdb-multiarch on it with the kernel's symbols and mmukit's helper
# commands (tools/gdb/mmukit.py). The serial console goes to a pseudo-terminal, so the
# shell can be used beside gdb (attach with `screen PTY` or `picocom PTY`). QEMU ends
# with gdb.
#
#   tools/gdb/debug.sh ARCH KERNEL_DIR     (env GDB_PORT, default 1234; MEM, QEMU_ARGS)
set -u
arch=${1:?usage: debug.sh ARCH KERNEL_DIR}
kdir=${2:?usage: debug.sh ARCH KERNEL_DIR}
here=$(cd "$(dirname "$0")/../.." && pwd)
port=${GDB_PORT:-1234}
log=$kdir/qemu-debug.log

QEMU_SERIAL=pty TIMEOUT=${TIMEOUT:-86400} "$here/tools/qemu.sh" "$arch" "$kdir/kernel.img" \
	-S -gdb "tcp:127.0.0.1:$port" </dev/null >"$log" 2>&1 &
qemu=$!

kill_tree() {
	local child
	for child in $(pgrep -P "$1"); do
		kill_tree "$child"
	done
	kill "$1" 2>/dev/null
}
trap 'kill_tree "$qemu"' EXIT

pty=
for _ in $(seq 50); do
	pty=$(sed -n 's/.*char device redirected to \(\/dev\/[^ ]*\).*/\1/p' "$log")
	[ -n "$pty" ] && break
	sleep 0.1
done
echo "QEMU waits for gdb on port $port; its log: $log"
echo "serial console (the kernel's shell): ${pty:-see the log} - attach with 'screen ${pty:-PTY}'"
echo "mmukit commands: mmk-pmm, mmk-spaces, mmk-regions [SPACE], mmk-walk ADDR [SPACE],"
echo "  mmk-ptes ADDR [COUNT] [SPACE] (help mmk-walk...). The VM is up once kmain has"
echo "  called arch_vm_start: try 'break shell_run', 'continue', then 'mmk-walk &kmain'."
gdb-multiarch -q -nx -ex "set pagination off" -ex "source $here/tools/gdb/mmukit.py" \
	-ex "file $kdir/kernel.elf" -ex "target remote 127.0.0.1:$port"
