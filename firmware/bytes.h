/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Reading firmware structures byte by byte: they may be unaligned (multiboot's 64-bit
 * fields sit at offset 4), big-endian (the device tree) and handed to us from anywhere,
 * and the ARM kernel runs with the MMU off, where an unaligned access faults.
 */
#ifndef MMUKIT_FIRMWARE_BYTES_H
#define MMUKIT_FIRMWARE_BYTES_H

#include <stdint.h>

static inline uint32_t read_le32(const void *p)
{
	const uint8_t *b = p;
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

static inline uint64_t read_le64(const void *p)
{
	const uint8_t *b = p;
	return (uint64_t)read_le32(b) | (uint64_t)read_le32(b + 4) << 32;
}

static inline uint32_t read_be32(const void *p)
{
	const uint8_t *b = p;
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 |
	       (uint32_t)b[3];
}

static inline uint64_t read_be64(const void *p)
{
	const uint8_t *b = p;
	return (uint64_t)read_be32(b) << 32 | (uint64_t)read_be32(b + 4);
}

#endif
