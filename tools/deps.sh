#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Installs what the build and the tests need and is missing; quick when all is there.
# Debian 12, as root (or through sudo), non-interactive.
set -eu

need=""
command -v clang >/dev/null 2>&1 || need="$need clang"
command -v ld.lld >/dev/null 2>&1 || need="$need lld"
command -v llvm-ar >/dev/null 2>&1 || need="$need llvm"
command -v make >/dev/null 2>&1 || need="$need make"
command -v prove >/dev/null 2>&1 || need="$need perl"
command -v timeout >/dev/null 2>&1 || need="$need coreutils"
command -v qemu-system-i386 >/dev/null 2>&1 || need="$need qemu-system-x86"
command -v qemu-system-x86_64 >/dev/null 2>&1 || need="$need qemu-system-x86"
command -v qemu-system-arm >/dev/null 2>&1 || need="$need qemu-system-arm"
command -v qemu-system-aarch64 >/dev/null 2>&1 || need="$need qemu-system-arm"
command -v qemu-system-riscv64 >/dev/null 2>&1 || need="$need qemu-system-misc"
# riscv64 boots through OpenSBI (QEMU's default -bios), shipped in qemu-system-data.
[ -f /usr/share/qemu/opensbi-riscv64-generic-fw_dynamic.bin ] ||
	need="$need qemu-system-data"
# The host tests link clang's sanitizer runtimes.
[ -n "$(ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.asan-x86_64.a 2>/dev/null)" ] ||
	need="$need libclang-rt-14-dev"
# The fuzz targets (fuzz/) link libFuzzer's runtime, in the same package.
[ -n "$(ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a 2>/dev/null)" ] ||
	need="$need libclang-rt-14-dev"

# gdb for every machine, with Python: make debug, and make test's tests/kernel/*-gdb.t,
# which drive the helpers in tools/gdb/ against each kernel.
command -v gdb-multiarch >/dev/null 2>&1 || need="$need gdb-multiarch"

[ -z "$need" ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "tools/deps.sh: installing$need" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $need >/dev/null
