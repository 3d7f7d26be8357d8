#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# riscv64 stress run, short (kernel/stress.h): 20,000 random operations - kernel structures,
# VM spaces, user processes - against a model, every invariant checked after each batch
# and every frame back at the end. make stress runs 1,000,000.
exec "$(dirname "$0")/../../tools/ktest-qemu.sh" riscv64 -append stress=20000
