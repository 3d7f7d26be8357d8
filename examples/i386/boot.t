#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Boots the i386 example kernel (built from the installed mmukit) as one TAP test.
exec "$(dirname "$0")/../boot-example.sh" i386
