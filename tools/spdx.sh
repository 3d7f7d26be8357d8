#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Adds the SPDX line to the top of each file given that lacks one (after a #! line):
# /* ... */ for C, assembly and linker scripts, # for make files and scripts.
#   tools/spdx.sh FILE...        add where missing
#   tools/spdx.sh -c FILE...     only list the files that lack it (status 1 if any)
check=0
[ "$1" = -c ] && { check=1; shift; }
missing=0
for f in "$@"; do
	head -n 3 "$f" | grep -q 'SPDX-License-Identifier:' && continue
	missing=1
	if [ $check = 1 ]; then echo "$f"; continue; fi
	case "$f" in
	*.c|*.h|*.S|*.ld) line='/* SPDX-License-Identifier: BSD-2-Clause */' ;;
	*) line='# SPDX-License-Identifier: BSD-2-Clause' ;;
	esac
	if head -n 1 "$f" | grep -q '^#!'; then
		awk -v l="$line" 'NR == 1 { print; print l; next } { print }' "$f" > "$f.spdx"
	else
		{ echo "$line"; cat "$f"; } > "$f.spdx"
	fi
	cat "$f.spdx" > "$f" && rm -f "$f.spdx"
done
exit $missing
