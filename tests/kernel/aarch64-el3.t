#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The AArch64 kernel started at EL3 (QEMU virt with secure=on runs a bare ELF there):
# the boot stub cannot leave EL3, so it must say so and stop with a failing status.
exec "$(dirname "$0")/../../tools/ktest-boot-check.sh" aarch64 "-M virt,secure=on" 1 \
	'this CPU lacks entry at EL1 or EL2 (it was started at EL3)' \
	"aarch64 kernel started at EL3 says so and stops cleanly"
