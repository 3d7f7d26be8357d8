#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# A scripted session with the i386 kernel's shell (tests/shell/session.pl).
exec "$(dirname "$0")/../shell/session.pl" i386
