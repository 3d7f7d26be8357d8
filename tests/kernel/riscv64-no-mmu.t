#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The riscv64 kernel on a hart without paging (QEMU mmu=false: satp ignores every write):
# the boot reads satp back, names what is missing and stops with a failing status instead
# of jumping to its linked address with paging off.
exec "$(dirname "$0")/../../tools/ktest-boot-check.sh" riscv64 "-cpu rv64,mmu=false" 1 \
	'this hart lacks Sv39 paging' \
	"riscv64 kernel on a hart without Sv39 names it and stops cleanly"
