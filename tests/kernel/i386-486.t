#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The i386 kernel on a 486 (no TSC): it must say what the CPU lacks and stop with a
# failing status (tools/qemu.sh status 1), not crash (status 2) or pass.
exec "$(dirname "$0")/../../tools/ktest-boot-check.sh" i386 "-cpu 486" 1 \
	'this CPU lacks TSC' \
	"i386 kernel on a 486 names what is missing and stops cleanly" -append test
