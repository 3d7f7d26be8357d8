#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# i386 kernel suites on the oldest CPU it is built for (-march=i586): a Pentium.
exec "$(dirname "$0")/../../tools/ktest-qemu.sh" i386 -cpu pentium
