#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The ARMv7 kernel on a Cortex-A15 without its PMU (QEMU pmu=off): the boot's CPU check
# must name what is missing and stop with a failing status (tools/qemu.sh status 1), not
# take an undefined-instruction exception at the first cycle count.
exec "$(dirname "$0")/../../tools/ktest-boot-check.sh" armv7 "-cpu cortex-a15,pmu=off" 1 \
	'this CPU lacks an architected PMU (ID_DFR0.PerfMon' \
	"armv7 kernel without a PMU names it and stops cleanly"
