#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Prints the user-mode costs user/perf.c measures (instructions from user mode, trap to
# return, under QEMU -icount shift=0) side by side, one column per machine, with
# Linux 6.1's figures for the same operations in the same QEMU where they were measured
# (x86_64, i386, ARMv7) and mmukit's share of them.
#
#   tools/uperf-table.sh ARCH=LOG [ARCH=LOG ...]   (LOG: the "perf: NAME N" lines)
set -u
[ $# -gt 0 ] || { echo "usage: uperf-table.sh ARCH=LOG ..." >&2; exit 2; }
arches=()
for pair in "$@"; do arches+=("${pair%%=*}"); done
for pair in "$@"; do
	arch=${pair%%=*}
	sed -n 's/^.*perf: \(.*[^ ]\) \([0-9][0-9]*\)$/'"$arch"'\t\1\t\2/p' "${pair#*=}"
done | awk -F'\t' -v order="${arches[*]}" '
	BEGIN {
		# Linux 6.1 (Debian 12) booted in the same QEMU, from user mode.
		linux["x86_64", "demand-zero write fault"] = 2747
		linux["i386", "demand-zero write fault"] = 3262
		linux["armv7", "demand-zero write fault"] = 2816
		linux["x86_64", "copy-on-write fault after fork"] = 3968
		linux["i386", "copy-on-write fault after fork"] = 5165
		linux["armv7", "copy-on-write fault after fork"] = 3616
		linux["x86_64", "mmap + munmap of one page"] = 16014
		linux["i386", "mmap + munmap of one page"] = 13183
		linux["armv7", "mmap + munmap of one page"] = 9824
		linux["x86_64", "mprotect of 1024 pages"] = 138373
		linux["i386", "mprotect of 1024 pages"] = 65501
		linux["armv7", "mprotect of 1024 pages"] = 132800
		n = split(order, arch, " ")
	}
	{
		if (!($2 in seen)) { seen[$2] = 1; rows[++nrows] = $2 }
		v[$1, $2] = $3
	}
	function cell(a, r,   s) {
		if (!((a, r) in v)) return "-"
		s = v[a, r]
		if ((a, r) in linux) s = s sprintf(" (%.2fx Linux)", v[a, r] / linux[a, r])
		return s
	}
	END {
		printf "| instructions from user mode (QEMU -icount) |"
		for (i = 1; i <= n; i++) printf " %s |", arch[i]
		printf "\n|---|"
		for (i = 1; i <= n; i++) printf "---:|"
		printf "\n"
		for (j = 1; j <= nrows; j++) {
			printf "| %s |", rows[j]
			for (i = 1; i <= n; i++) printf " %s |", cell(arch[i], rows[j])
			printf "\n"
		}
	}'
