#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# A scripted session with the x86_64 kernel's shell (tests/shell/session.pl).
exec "$(dirname "$0")/../shell/session.pl" x86_64
