/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Error codes returned by every mmukit library call.
 *
 * A call returns 0 on success or a negative MMK_E* value, and on error leaves every
 * structure exactly as it was before the call (an operation that ran out of memory
 * part-way has rolled back what it did).
 */
#ifndef MMUKIT_ERRNO_H
#define MMUKIT_ERRNO_H

enum mmk_error {
	MMK_OK = 0,
	MMK_EINVAL = 1,  /* an argument makes no sense (zero size, unknown flag, ...) */
	MMK_EALIGN = 2,  /* an address or size is not aligned as required */
	MMK_ERANGE = 3,  /* outside what the object manages, or the range wraps */
	MMK_EEXIST = 4,  /* already there: overlapping range, existing mapping */
	MMK_ENOENT = 5,  /* not there: nothing mapped, no such range */
	MMK_ENOMEM = 6,  /* out of memory (frames, table pages, metadata) */
	MMK_ENOSPC = 7,  /* a fixed-size table is full */
	MMK_ESTATE = 8,  /* the object is not in the state the call needs (double free) */
	MMK_EPERM = 9,   /* the request is refused by policy (W+X, kernel range in user) */
	MMK_EBUSY = 10,  /* still in use */
	MMK_EFAULT = 11, /* an access faulted and the fault could not be resolved */
};

/* A short English description of -error or error ("out of memory"). */
const char *mmk_strerror(int error);

#endif
