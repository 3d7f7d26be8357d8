#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The short fuzz run of make test: every target given (fuzz_<arch> binaries) replays its
# committed corpus (fuzz/corpus/<arch>/) and then fuzzes for SECONDS more, all at once.
# New inputs go to a scratch folder beside the binary, never into fuzz/corpus/.
# Usage: fuzz/short.sh SECONDS CORPUS_ROOT FUZZER...
set -u
seconds=$1 corpus=$2
shift 2
pids=""
for f in "$@"; do
	arch=${f##*/fuzz_}
	dir=$(dirname "$f")
	rm -rf "$dir/short-$arch" && mkdir -p "$dir/short-$arch"
	(cd "$dir" && exec "./fuzz_$arch" -max_total_time="$seconds" -print_final_stats=1 \
		-artifact_prefix="$dir/" "short-$arch" "$corpus/$arch" >"short-$arch.log" 2>&1) &
	pids="$pids $!:$arch:$dir"
done
failed=0
for p in $pids; do
	pid=${p%%:*} rest=${p#*:}
	arch=${rest%%:*} dir=${rest#*:}
	if wait "$pid"; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/short-$arch.log")
		cov=$(grep -o "cov: [0-9]*" "$dir/short-$arch.log" | tail -1 | cut -d" " -f2)
		echo "  FUZZ    $arch: $runs inputs, $cov edges, no failure"
	else
		echo "  FUZZ    $arch: FAILED (input kept as $dir/crash-*); the end of its log:"
		tail -40 "$dir/short-$arch.log"
		failed=1
	fi
done
exit $failed
