/* SPDX-License-Identifier: BSD-2-Clause */
/* Host-only helpers for tests: catching an expected panic. */
#ifndef MMUKIT_HOSTED_H
#define MMUKIT_HOSTED_H

#include <setjmp.h>

/*
 * The next mmk_panic longjmps to target instead of aborting (once). Use:
 *   jmp_buf jb; if (setjmp(jb) == 0) { hosted_catch_panic(&jb); call(); ... }
 */
void hosted_catch_panic(jmp_buf *target);
const char *hosted_last_panic(void);

#endif
