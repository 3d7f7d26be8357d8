#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Boots a demo kernel under QEMU (TCG) and reports how it ended.
#
#   tools/qemu.sh ARCH IMAGE [extra QEMU arguments...]
#   env: MEM (RAM size, default 128M), QEMU_ARGS (appended), TIMEOUT (seconds, default 120)
#
# The serial console goes to stdout and reads stdin (see below). Exit status: 0 the kernel reported success,
# 1 it reported failure, 2 it crashed (triple fault, abort), hung or QEMU failed.
# How the kernel's status comes out: on x86 it writes 0x10+status to
# isa-debug-exit (port 0xf4) and QEMU exits with ((0x10+status) << 1) | 1, so a pass is
# 33 and a triple fault under -no-reboot is 0; on ARM it exits through semihosting with
# 0x10+status (ARMv7 SYS_EXIT_EXTENDED, AArch64 SYS_EXIT with a parameter block), so a
# pass is 16; riscv64 writes ((0x10+status) << 16) | 0x3333 to the virt test device
# (sifive_test), which makes QEMU exit with 0x10+status: a pass is 16 as well.
set -u

arch=${1:?usage: qemu.sh ARCH IMAGE [qemu args]}
image=${2:?usage: qemu.sh ARCH IMAGE [qemu args]}
shift 2
mem=${MEM:-128M}
timeout_s=${TIMEOUT:-120}

# QEMU_SERIAL: where the serial console goes (default stdio; make debug uses pty).
common=(-m "$mem" -nic none -display none -no-reboot -serial "${QEMU_SERIAL:-stdio}" -accel tcg)
case "$arch" in
i386)
	cmd=(qemu-system-i386 "${common[@]}" -kernel "$image"
		-device isa-debug-exit,iobase=0xf4,iosize=0x04)
	pass=33 ;;
x86_64)
	cmd=(qemu-system-x86_64 "${common[@]}" -kernel "$image"
		-device isa-debug-exit,iobase=0xf4,iosize=0x04)
	pass=33 ;;
armv7)
	cmd=(qemu-system-arm -M virt -cpu cortex-a15 "${common[@]}" -kernel "$image"
		-semihosting)
	pass=16 ;;
aarch64)
	# -cpu cortex-a57 by default; QEMU_ARGS="-cpu max" (a later -cpu wins) tests the rest.
	cmd=(qemu-system-aarch64 -M virt -cpu cortex-a57 "${common[@]}" -kernel "$image"
		-semihosting)
	pass=16 ;;
riscv64)
	# OpenSBI (-bios default) enters the image at 0x80200000 in S-mode; the kernel exits
	# through the virt test device with code 0x10+status, so a pass is 16 here too.
	cmd=(qemu-system-riscv64 -M virt "${common[@]}" -bios default -kernel "$image")
	pass=16 ;;
*)
	echo "qemu.sh: unknown ARCH '$arch' (i386, x86_64, armv7, aarch64, riscv64)" >&2
	exit 2 ;;
esac

[ -f "$image" ] || { echo "qemu.sh: no kernel image $image" >&2; exit 2; }

# shellcheck disable=SC2206
cmd+=("$@" ${QEMU_ARGS:-})
if [ -t 0 ]; then
	# A person at a terminal: QEMU reads it directly (raw mode, Ctrl-C quits), and no
	# timeout - they leave with the shell's `halt`.
	"${cmd[@]}"
	rc=$?
else
	# Piped or redirected input (`echo ptdump | make run`, tests, </dev/null): the
	# kernel's shell reads it from the serial port. A newline goes first (the x86 UART
	# drops what arrived before the kernel set it up; a blank line is harmless), and
	# Ctrl-D (0x04) last, which the shell takes as the end of input: it exits with
	# status 0, since a UART cannot tell the guest that the pipe was closed. A kernel
	# booted to run tests or benchmarks never reads it. QEMU takes bytes only as fast
	# as the UART accepts them, so nothing is lost while the kernel is busy.
	{ printf '\n'; cat; printf '\004'; } |
		timeout --kill-after=5 "$timeout_s" "${cmd[@]}"
	rc=${PIPESTATUS[1]}
fi

if [ "$rc" -eq "$pass" ]; then
	exit 0
elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
	echo "qemu.sh: $arch kernel timed out after ${timeout_s}s" >&2
elif [ "$rc" -eq 0 ]; then
	echo "qemu.sh: $arch kernel crashed (triple fault or reset)" >&2
elif [ "$pass" -eq 16 ] && [ "$rc" -gt 16 ] && [ "$rc" -lt 48 ]; then
	echo "qemu.sh: $arch kernel reported failure (status $((rc - 16)))" >&2
	exit 1
elif [ "$pass" -eq 33 ] && [ $((rc & 1)) -eq 1 ] && [ "$rc" -gt 33 ] && [ "$rc" -lt 97 ]; then
	echo "qemu.sh: $arch kernel reported failure (status $(((rc >> 1) - 16)))" >&2
	exit 1
else
	echo "qemu.sh: $arch QEMU exited with $rc" >&2
fi
exit 2
