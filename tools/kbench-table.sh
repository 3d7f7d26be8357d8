#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Prints the in-kernel benchmark figures every backend shares side by side, one column
# per machine, from the "# bench ...:" lines of each kernel's `bench` run.
#
#   tools/kbench-table.sh ARCH=LOG [ARCH=LOG ...]
set -u
[ $# -gt 0 ] || { echo "usage: kbench-table.sh ARCH=LOG ..." >&2; exit 2; }
for pair in "$@"; do
	arch=${pair%%=*}
	log=${pair#*=}
	# The numbers after the colon of each shared line, in order, as arch<TAB>key<TAB>value.
	awk -v arch="$arch" '
		function emit(prefix, names,   rest, n, i, k, v) {
			rest = substr($0, index($0, ":") + 1)
			n = split(names, k, ",")
			gsub(/\([^)]*\)/, "", rest) # "(16-1024 B)": labels, not figures
			gsub(/[^0-9]+/, " ", rest)
			split(rest, v, " ")
			for (i = 1; i <= n; i++) if (v[i] != "") print arch "\t" prefix k[i] "\t" v[i]
		}
		/^# bench pages per 4 KiB page:/ {
			emit("", "map in one call,query,unmap in one call,map page by page,unmap page by page")
		}
		/^# bench fault per page:/ {
			emit("", "demand-zero fault,copy-on-write fault (copy),copy-on-write fault (reuse),store without fault")
		}
		/^# bench kheap free\+alloc per pair, 1000 live:/ {
			emit("mmk_kmalloc+mmk_kfree ", "small (16-1024 B),large (2-4 pages)")
		}' "$log"
done | awk -F '\t' '
	!($1 in seen_arch) { seen_arch[$1] = 1; archs[++na] = $1 }
	!($2 in seen_key) { seen_key[$2] = 1; keys[++nk] = $2 }
	{ val[$1, $2] = $3 }
	END {
		printf "%-44s", "instructions per page / pair (QEMU -icount)"
		for (a = 1; a <= na; a++) printf " %8s", archs[a]
		printf "\n"
		for (k = 1; k <= nk; k++) {
			printf "%-44s", keys[k]
			for (a = 1; a <= na; a++) printf " %8s", ((archs[a], keys[k]) in val) ? val[archs[a], keys[k]] : "-"
			printf "\n"
		}
	}'
