#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Every benchmark figure in the docs comes from one recorded `make bench` run,
# docs/bench/bench.txt: docs/performance.md is generated whole, and in any docs/*.md or
# README.md a marked block is replaced by the figure it names, so no number is copied
# by hand.
#
#   tools/bench-doc.sh record LOG    keep LOG (make bench's output, ending with the line
#                                    "make bench: status 0") as docs/bench/bench.txt, then update
#   tools/bench-doc.sh update        regenerate docs/performance.md and every marked block
#   tools/bench-doc.sh check         fail when any of them differs from what the recorded
#                                    run gives (make test runs this: cheap, no benchmark)
#   tools/bench-doc.sh figure NAME   print one figure (names: tools/bench-doc.sh figures)
#
# A marked block, on lines of their own or inline within one line:
#   <!-- bench:NAME -->                  text <!-- bench:NAME -->88.5x<!-- /bench --> text
#   (generated)
#   <!-- /bench -->
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
self=$here/tools/bench-doc.sh
run=$here/docs/bench/bench.txt
perf=$here/docs/performance.md

die() { echo "bench-doc: $*" >&2; exit 1; }

# The figure NAME from the recorded run, as markdown. One awk program reads the whole
# run into tables and prints the part asked for.
figure() {
	[ -s "$run" ] || die "no recorded run $run (make bench-doc records one)"
	[ "$1" = user-perf ] && { user_perf; return; }
	awk -v fig="$1" '
	function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
	# 1234567.8 -> 1,234,567.8 (numbers as the docs print them)
	function num(s,   int_, frac, out) {
		int_ = s; frac = ""
		if (index(s, ".")) { int_ = substr(s, 1, index(s, ".") - 1); frac = substr(s, index(s, ".")) }
		out = ""
		while (length(int_) > 3) {
			out = "," substr(int_, length(int_) - 2) out
			int_ = substr(int_, 1, length(int_) - 3)
		}
		return int_ out frac
	}
	# The numbers after the colon of a "# bench" line, labels in parentheses left out.
	function numbers(line, v,   rest) {
		rest = substr(line, index(line, ":") + 1)
		gsub(/\([^)]*\)/, "", rest)
		gsub(/[^0-9.]+/, " ", rest)
		return split(trim(rest), v, " ")
	}
	function machine(a) {
		return a == "armv7" ? "ARMv7" : a == "aarch64" ? "AArch64" : a == "riscv64" ? "RISC-V" : a
	}
	function row_label(k) { return label[k] }
	BEGIN {
		nkeys = split("map1 query unmap1 mapp unmapp dz cowc cowr store ksmall klarge", keys, " ")
		label["map1"] = "map, one call (per page)"
		label["query"] = "query (per page)"
		label["unmap1"] = "unmap, one call (per page)"
		label["mapp"] = "map, page by page"
		label["unmapp"] = "unmap, page by page"
		label["dz"] = "demand-zero fault (with its store)"
		label["cowc"] = "copy-on-write fault, copy"
		label["cowr"] = "copy-on-write fault, reuse"
		label["store"] = "store without a fault"
		label["ksmall"] = "mmk_kmalloc + mmk_kfree, 16-1024 B (1000 live)"
		label["klarge"] = "mmk_kmalloc + mmk_kfree, 2-4 pages (1000 live)"
	}
	/^recorded:/ { meta_recorded = trim(substr($0, 10)) }
	/^commit:/ { meta_commit = trim(substr($0, 8)) }
	/^qemu:/ { meta_qemu = trim(substr($0, 6)) }
	/^host:/ { meta_host = trim(substr($0, 6)) }
	/^PMM: / { sec = "pmm"; pmm_title = substr($0, 6); next }
	/^VAS: / { sec = "vas"; vas_title = substr($0, 6); next }
	/^kernel heap \(host\)/ { sec = "kheap"; kheap_title = $0; next }
	/^i386 MMU \(host/ { sec = "i386mmu"; i386mmu_title = $0; next }
	/^x86_64 direct map/ { sec = "hhdm"; hhdm_title = $0; next }
	/ kernel, QEMU -icount shift=0/ { sec = "icount"; arch = $1; archs[++narchs] = arch; next }
	/ kernel, QEMU TCG without -icount/ { sec = "tcg"; next }
	/^The backends side by side:/ { sec = "side"; next }
	sec == "pmm" && /^(4 KiB|2 MiB)/ {
		n = ++npmm
		pmm_op[n] = trim(substr($0, 1, 26)); pmm_fill[n] = trim(substr($0, 28, 10))
		pmm_a[n] = $(NF - 2); pmm_b[n] = $(NF - 1); pmm_r[n] = $NF
	}
	sec == "pmm" && /^metadata per 4 KiB frame/ { pmm_meta = $0 }
	sec == "vas" && /mmukit augmented AVL/ { vas_m = $NF }
	sec == "vas" && /first-fit list/ { vas_p = $NF }
	sec == "vas" && /list\/mmukit/ { vas_r = $NF }
	sec == "kheap" && /mmukit kheap/ { kh_m = $NF }
	sec == "kheap" && /host malloc/ { kh_p = $NF }
	sec == "kheap" && /malloc\/kheap/ { kh_r = $NF }
	sec == "i386mmu" && /^(map|query|unmap) / {
		n = ++nim; im_op[n] = $1; im_one[n] = $2; im_pp[n] = $3; im_naive[n] = $4; im_r[n] = $5
	}
	sec == "hhdm" && /^  (1 GiB|2 MiB|4 KiB)/ { n = ++nhh; hh_size[n] = $1 " " $2; hh_ms[n] = $3; hh_kib[n] = $4 }
	sec == "icount" && /^# bench pages per 4 KiB page:/ {
		numbers($0, v); k[arch, "map1"] = v[1]; k[arch, "query"] = v[2]; k[arch, "unmap1"] = v[3]
		k[arch, "mapp"] = v[4]; k[arch, "unmapp"] = v[5]
	}
	sec == "icount" && /^# bench fault per page:/ {
		numbers($0, v); k[arch, "dz"] = v[1]; k[arch, "cowc"] = v[2]; k[arch, "cowr"] = v[3]; k[arch, "store"] = v[4]
	}
	sec == "icount" && /^# bench kheap free\+alloc per pair/ {
		numbers($0, v); k[arch, "ksmall"] = v[1]; k[arch, "klarge"] = v[2]
	}
	sec == "icount" && /^# bench (map|query|unmap) +per page:/ {
		n = ++nnv; nv_arch[n] = arch; nv_op[n] = $3
		split(substr($0, index($0, ":") + 1), piece, ";")
		for (i = 1; i <= 4; i++) { c = split(trim(piece[i]), w, " "); nv[n, i] = w[c] }
	}
	sec == "icount" && /^# bench unmap +[0-9]+ pages \+ touch/ {
		n = ++ntlb; tlb_arch[n] = arch; tlb_pages[n] = $4
		numbers($0, v); tlb_inv[n] = v[1]; tlb_flush[n] = v[2]
		tlb_note[n] = index($0, "past a batch") ? "flushed either way (past a batch)" : ""
	}
	function kernel_table(which,   a, i, key, line) {
		line = "| instructions (QEMU -icount) |"
		for (a = 1; a <= narchs; a++) line = line " " machine(archs[a]) " |"
		print line
		line = "|---|"
		for (a = 1; a <= narchs; a++) line = line "---:|"
		print line
		for (i = 1; i <= nkeys; i++) {
			key = keys[i]
			if (which == "vm" && key !~ /^(dz|cowc|cowr|store|ksmall|klarge)$/) continue
			if (which == "mmu" && key !~ /^(map1|query|unmap1|mapp|unmapp)$/) continue
			line = "| " label[key] " |"
			for (a = 1; a <= narchs; a++)
				line = line " " (((archs[a], key) in k) ? num(k[archs[a], key]) : "-") " |"
			print line
		}
	}
	function machine_table(a,   i, key) {
		print "| " machine(a) ", QEMU -icount | instructions |"
		print "|---|---:|"
		for (i = 1; i <= nkeys; i++) {
			key = keys[i]
			if ((a, key) in k) print "| " label[key] " | " num(k[a, key]) " |"
		}
	}
	function naive_table(a,   n, op) {
		print "| " machine(a) " kernel, instructions per page | mmukit, one call | mmukit, page by page | the naive way | naive / one call |"
		print "|---|---:|---:|---:|---:|"
		for (n = 1; n <= nnv; n++)
			if (nv_arch[n] == a)
				print "| " nv_op[n] " | " num(nv[n, 1]) " | " num(nv[n, 2]) " | " num(nv[n, 3]) " | " nv[n, 4] " |"
	}
	function tlb_table(a,   n) {
		print "| pages unmapped, then 64 touched | INVLPG each | one full flush | flush / INVLPG |"
		print "|---:|---:|---:|---:|"
		for (n = 1; n <= ntlb; n++) {
			if (tlb_arch[n] != a) continue
			if (tlb_note[n] != "")
				print "| " tlb_pages[n] " | - | " num(tlb_flush[n]) " | " tlb_note[n] " |"
			else
				print "| " tlb_pages[n] " | " num(tlb_inv[n]) " | " num(tlb_flush[n]) " | " \
					sprintf("%.2fx", tlb_flush[n] / tlb_inv[n]) " |"
		}
	}
	END {
		if (narchs == 0 || npmm == 0) { print "bench-doc: the recorded run has no benchmark output" > "/dev/stderr"; exit 2 }
		if (fig == "run") {
			printf "%s, commit %s, QEMU %s, on %s", meta_recorded, meta_commit, meta_qemu, meta_host
		} else if (fig == "kernel-table") { kernel_table("all")
		} else if (fig == "kernel-vm") { kernel_table("vm")
		} else if (fig == "kernel-mmu") { kernel_table("mmu")
		} else if (fig ~ /^kernel-(i386|x86_64|armv7|aarch64|riscv64)$/) { machine_table(substr(fig, 8))
		} else if (fig == "i386-naive") { naive_table("i386")
		} else if (fig == "i386-tlb") { tlb_table("i386")
		} else if (fig == "pmm-host") {
			print "| operation | fill | mmukit buddy (ns) | bitmap peer (ns) | peer / mmukit |"
			print "|---|---|---:|---:|---:|"
			for (n = 1; n <= npmm; n++)
				print "| " pmm_op[n] " | " pmm_fill[n] " | " num(pmm_a[n]) " | " num(pmm_b[n]) " | " pmm_r[n] " |"
		} else if (fig == "pmm-title") { printf "%s", pmm_title
		} else if (fig == "pmm-meta") { printf "%s", pmm_meta
		} else if (fig == "vas-host") {
			printf "%s ns against %s ns for a first-fit sorted list (%s)", num(vas_m), num(vas_p), vas_r
		} else if (fig == "vas-ratio") { printf "%s", vas_r
		} else if (fig == "vas-title") { printf "%s", vas_title
		} else if (fig == "kheap-host") {
			printf "%s ns against glibc malloc'"'"'s %s ns (malloc / kheap %s)", num(kh_m), num(kh_p), kh_r
		} else if (fig == "i386-mmu-host") {
			print "| op | mmukit, one call (ns) | mmukit, page by page (ns) | the naive way (ns) | naive / one call |"
			print "|---|---:|---:|---:|---:|"
			for (n = 1; n <= nim; n++)
				print "| " im_op[n] " | " num(im_one[n]) " | " num(im_pp[n]) " | " num(im_naive[n]) " | " im_r[n] " |"
		} else if (fig == "hhdm-host") {
			print "| page size | time (ms) | tables (KiB) |"
			print "|---|---:|---:|"
			for (n = 1; n <= nhh; n++) print "| " hh_size[n] " | " hh_ms[n] " | " num(hh_kib[n]) " |"
		} else {
			print "bench-doc: no figure named \"" fig "\"" > "/dev/stderr"; exit 2
		}
	}' "$run"
}

# The user-mode costs (user/perf.c under -icount, one section per machine in the run)
# side by side with Linux's, by tools/uperf-table.sh.
user_perf() {
	local dir args=() a
	dir=$(mktemp -d)
	for a in i386 x86_64 armv7 aarch64 riscv64; do
		awk -v a="$a" '$0 ~ "^" a " user programs" { on = 1; next } on && !/perf: / { on = 0 } on' \
			"$run" >"$dir/$a"
		[ -s "$dir/$a" ] && args+=("$a=$dir/$a")
	done
	if [ ${#args[@]} -eq 0 ]; then
		echo "(this recorded run has no user-mode figures: make bench-doc records them)"
	else
		"$here/tools/uperf-table.sh" "${args[@]}"
	fi
	rm -rf "$dir"
}

figures() {
	echo "run kernel-table kernel-vm kernel-mmu kernel-i386 kernel-x86_64 kernel-armv7"
	echo "kernel-aarch64 kernel-riscv64 i386-naive i386-tlb pmm-host pmm-title pmm-meta"
	echo "vas-host vas-ratio vas-title kheap-host i386-mmu-host hhdm-host user-perf"
}

# FILE with every marked block replaced by its figure, on stdout.
render() {
	awk -v self="$self" -v file="$1" '
	function fig(name,   cmd, line, out, n) {
		cmd = "\"" self "\" figure \"" name "\""
		out = ""; n = 0
		while ((cmd | getline line) > 0) out = out (n++ ? "\n" : "") line
		if (close(cmd) != 0) { print "bench-doc: " file ": figure " name " failed" > "/dev/stderr"; exit 1 }
		return out
	}
	skipping { if ($0 == "<!-- /bench -->") { print; skipping = 0 } ; next }
	/<!-- bench:[a-z0-9_-]+ -->/ {
		start = index($0, "<!-- bench:")
		rest = substr($0, start + 11)
		name = substr(rest, 1, index(rest, " -->") - 1)
		open = "<!-- bench:" name " -->"
		after = substr($0, start + length(open))
		close_at = index(after, "<!-- /bench -->")
		if (close_at) {                         # inline
			print substr($0, 1, start - 1) open fig(name) substr(after, close_at)
			next
		}
		if ($0 != open) { print "bench-doc: " file ": " open " must be alone on its line or closed on it" > "/dev/stderr"; exit 1 }
		print; print fig(name); skipping = 1; opened = NR; next
	}
	{ print }
	END { if (skipping) { print "bench-doc: " file ": block opened on line " opened " is never closed" > "/dev/stderr"; exit 1 } }' "$1"
}

# docs/performance.md, whole.
performance() {
	cat <<EOF
# Performance

<!-- Generated by tools/bench-doc.sh from docs/bench/bench.txt: do not edit. A new run:
make bench-doc. make test fails when this page or a marked figure in docs/ differs from
what the recorded run gives. -->

Every figure here and every marked figure elsewhere in docs/ comes from one \`make bench\`
run, kept in [bench/bench.txt](bench/bench.txt): $(figure run).

How it measures:

- **In the kernels** (\`bench/kernel/\`, \`bench/kernel-<arch>/\`): each machine's demo kernel
  booted with \`bench\` on its command line under QEMU \`-icount shift=0\`, where the cycle
  counter (RDTSC, PMCCNTR, rdcycle) counts guest instructions: the figures are
  instructions, the same on every run and every host. They count work, not time: TCG
  does not model caches, TLB misses or pipelines.
- **On the host** (\`bench/bench_*.c\`, \`bench/<arch>/\`): optimised, no sanitizers,
  nanoseconds, the median of several runs, on a shared machine: they move by a third
  between quiet runs and by twice that when other work shares the cores, so read them as
  orders of magnitude. The page-table and heap benchmarks run over a machine's simulator,
  which pays a simulated TLB on every access.
- **Peers**, measured in the same run: a bitmap PMM that scans from the start
  (\`bench/peer_bitmap_pmm.c\`), a sorted first-fit list of ranges (\`bench/peer_list_vas.c\`),
  glibc's malloc, and the naive way of editing i386 page tables (a walk and an INVLPG per
  page, \`bench/i386/peer_naive.c\`). A ratio above 1 means mmukit is that many times
  faster.

## The machines side by side

Instructions per 4 KiB page (one call over many pages, or one call per page), per fault
including the faulting store, per heap pair:

$(figure kernel-table)

## From user mode

What a process pays (\`user/perf.c\`, run by the shell under \`-icount shift=0\`): the cycle
counter read in user mode before and after, so trap to return and the access itself,
the minimum of several tries. Linux 6.1 (Debian 12's kernel) was measured booted in the
same QEMU with the same flags, from user mode, where a figure is given:

$(figure user-perf)

## Each machine

$(for a in i386 x86_64 armv7 aarch64 riscv64; do
	[ $a = i386 ] || echo
	figure kernel-$a
	echo
	case $a in
	i386)
		echo "Against the naive way, in the same kernel:"
		echo
		figure i386-naive
		echo
		echo "Unmapping N pages and then reading 64 others: an INVLPG per page, or one full"
		echo "flush (past 32 pages the batch flushes anyway). Under TCG a refill costs few"
		echo "instructions, so the flush wins here; on hardware every refill is a page walk:"
		echo
		figure i386-tlb ;;
	x86_64)
		echo "Building the direct map of 8 GiB on the host (simulated x86_64), by page size:"
		echo
		figure hhdm-host ;;
	esac
done)

## On the host

PMM, $(figure pmm-title):

$(figure pmm-host)

$(figure pmm-meta).

VAS, $(figure vas-title): $(figure vas-host).

Kernel heap, free + alloc with 1000 live objects (16-1024 B, one in 16 of 8 KiB), on the
simulated i386: $(figure kheap-host).

i386 page tables on the simulator, ns per 4 KiB page over 4096 pages:

$(figure i386-mmu-host)
EOF
}

# Every docs/*.md (and README.md) holding a marked block.
marked_files() {
	grep -l -- '<!-- bench:' "$here"/docs/*.md "$here/README.md" 2>/dev/null | grep -v "^$perf\$"
}

update() {
	local f tmp
	tmp=$(mktemp)
	performance > "$tmp" || { rm -f "$tmp"; die "docs/performance.md: generation failed"; }
	mv "$tmp" "$perf"
	for f in $(marked_files); do
		tmp=$(mktemp)
		render "$f" > "$tmp" || { rm -f "$tmp"; die "${f#"$here"/}: not updated"; }
		cat "$tmp" > "$f"
		rm -f "$tmp"
	done
}

check() {
	local f tmp bad=0 n=0
	tmp=$(mktemp)
	trap 'rm -f "$tmp"' RETURN
	if ! performance > "$tmp" || ! diff -u "$perf" "$tmp" >&2; then
		echo "bench-doc: docs/performance.md is not what docs/bench/bench.txt gives" >&2
		bad=1
	fi
	for f in $(marked_files); do
		n=$((n + $(grep -o -E -- '<!-- bench:[a-z0-9_-]+ -->' "$f" | wc -l)))
		if ! render "$f" > "$tmp" || ! diff -u "$f" "$tmp" >&2; then
			echo "bench-doc: ${f#"$here"/}: a marked figure is not what docs/bench/bench.txt gives" >&2
			bad=1
		fi
	done
	[ $bad -eq 0 ] || die "run tools/bench-doc.sh update (or make bench-doc for a new run)"
	echo "bench-doc: docs/performance.md and $n marked figures match docs/bench/bench.txt"
}

record() {
	local log=$1
	[ -s "$log" ] || die "no benchmark log $log"
	grep -q '^make bench: status 0$' "$log" || die "$log: make bench did not finish with status 0"
	mkdir -p "$(dirname "$run")"
	{
		echo "recorded: $(date -u +%Y-%m-%d)"
		echo "commit: $(git -C "$here" rev-parse --short HEAD)$(git -C "$here" diff --quiet HEAD -- \
			core arch include bench kernel lib firmware || echo ' plus work-tree changes')"
		echo "qemu: $(qemu-system-x86_64 --version | sed -n '1s/.*version \([^ ]*\).*/\1/p') (TCG)"
		echo "host: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(nproc) CPUs"
		echo
		# make bench's own lines: the compiler, linker and make itself.
		grep -v -E '^  (CC|LD|AS|AR) |^cp |^make(\[[0-9]+\])?[: ]|^tools/deps.sh|^make bench: status' "$log"
	} > "$run"
	update
}

case "${1:-}" in
record) record "${2:?usage: bench-doc.sh record LOG}" ;;
update) update ;;
check) check ;;
figure) figure "${2:?usage: bench-doc.sh figure NAME}" ;;
figures) figures ;;
*) echo "usage: bench-doc.sh record LOG | update | check | figure NAME | figures" >&2; exit 2 ;;
esac
