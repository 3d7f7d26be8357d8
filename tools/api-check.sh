#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Checks that every function an archive exports has its entry in docs/api.md (written
# by tools/api-doc.sh from the header comments).
#   tools/api-check.sh build/<arch>/lib/libmmukit.a
set -eu
lib=${1:?usage: api-check.sh LIBMMUKIT.A}
doc=$(dirname "$0")/../docs/api.md
missing=$(llvm-nm --defined-only --extern-only "$lib" 2>/dev/null |
	awk '$2 == "T" { print $3 }' | sort -u |
	while read -r f; do grep -qF "### \`$f\`" "$doc" || echo "$f"; done)
if [ -n "$missing" ]; then
	echo "api-check: $lib exports functions docs/api.md does not list:" >&2
	echo "$missing" | sed 's/^/  /' >&2
	echo "api-check: document them in their header, then run tools/api-doc.sh > docs/api.md" >&2
	exit 1
fi
echo "  OK      every function of $lib is in docs/api.md"
