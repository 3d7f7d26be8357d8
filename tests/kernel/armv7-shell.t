#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# A scripted session with the armv7 kernel's shell (tests/shell/session.pl).
exec "$(dirname "$0")/../shell/session.pl" armv7
