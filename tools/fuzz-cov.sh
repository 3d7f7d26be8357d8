#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Line coverage of the library (core/ and each machine's format file) by each fuzz
# target's corpus: the committed seeds plus whatever make fuzz grew in BUILD/fuzz.
# Run by make fuzz-cov, over targets built with clang's source-based coverage.
#
#   tools/fuzz-cov.sh COVDIR FUZZDIR ARCH...
set -eu
cov=${1:?usage: fuzz-cov.sh COVDIR FUZZDIR ARCH...}
grown=${2:?usage: fuzz-cov.sh COVDIR FUZZDIR ARCH...}
shift 2
here=$(cd "$(dirname "$0")/.." && pwd)
printf '%-8s %8s %10s %s\n' machine inputs "lines" "of the library (core/*.c, arch/<arch>/mmu.c)"
for a in "$@"; do
	dirs="$here/fuzz/corpus/$a"
	[ -d "$grown/corpus-$a" ] && dirs="$dirs $grown/corpus-$a"
	inputs=$(find $dirs -type f | wc -l)
	rm -f "$cov/$a.profraw"
	# shellcheck disable=SC2086
	(cd "$cov" && LLVM_PROFILE_FILE="$cov/$a.profraw" ./fuzz_$a -runs=0 $dirs >"$cov/$a.log" 2>&1) ||
		{ echo "fuzz-cov: $a: the corpus run failed (see $cov/$a.log)" >&2; exit 1; }
	llvm-profdata merge -sparse "$cov/$a.profraw" -o "$cov/$a.profdata"
	total=$(llvm-cov report "$cov/fuzz_$a" -instr-profile="$cov/$a.profdata" \
		"$here"/core/*.c "$here/arch/$a/mmu.c" | awk '$1 == "TOTAL" { print $(NF - 3) }')
	printf '%-8s %8s %10s\n' "$a" "$inputs" "$total"
done
