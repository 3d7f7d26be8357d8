#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The x86_64 kernel on a 32-bit CPU (-cpu qemu32: no long mode): it must say what the
# CPU lacks and stop with a failing status (tools/qemu.sh status 1), not crash or pass.
exec "$(dirname "$0")/../../tools/ktest-boot-check.sh" x86_64 "-cpu qemu32" 1 \
	'this CPU has no long mode' \
	"x86_64 kernel on a 32-bit CPU says it needs long mode and stops cleanly" -append test
