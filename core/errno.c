/* SPDX-License-Identifier: BSD-2-Clause */
#include <mmukit/errno.h>

const char *mmk_strerror(int error)
{
	static const char *const names[] = {
		[MMK_OK] = "success",
		[MMK_EINVAL] = "invalid argument",
		[MMK_EALIGN] = "misaligned address or size",
		[MMK_ERANGE] = "out of range",
		[MMK_EEXIST] = "already exists",
		[MMK_ENOENT] = "not found",
		[MMK_ENOMEM] = "out of memory",
		[MMK_ENOSPC] = "table full",
		[MMK_ESTATE] = "wrong state",
		[MMK_EPERM] = "not permitted",
		[MMK_EBUSY] = "busy",
		[MMK_EFAULT] = "bad address",
	};
	if (error < 0)
		error = -error;
	if ((unsigned)error >= sizeof(names) / sizeof(names[0]) || !names[error])
		return "unknown error";
	return names[error];
}
