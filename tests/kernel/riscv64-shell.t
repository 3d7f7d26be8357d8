#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# A scripted session with the riscv64 kernel's shell (tests/shell/session.pl).
exec "$(dirname "$0")/../shell/session.pl" riscv64
