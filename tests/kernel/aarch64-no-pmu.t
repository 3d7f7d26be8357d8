#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The AArch64 kernel on a Cortex-A53 without its PMU (QEMU pmu=off): the boot's CPU check
# must name what is missing and stop with a failing status (tools/qemu.sh status 1).
exec "$(dirname "$0")/../../tools/ktest-boot-check.sh" aarch64 "-cpu cortex-a53,pmu=off" 1 \
	'this CPU lacks an architected PMU (ID_AA64DFR0_EL1.PMUVer' \
	"aarch64 kernel without a PMU names it and stops cleanly"
