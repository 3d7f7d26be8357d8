/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A small flattened device tree (FDT / DTB) reader: enough to learn the memory layout
 * and the kernel command line.
 * Devicetree Specification v0.4, chapter 5 "Flattened Devicetree (DTB) Format": a
 * big-endian header, a memory reservation block of (address, size) pairs ending in
 * (0, 0), a structure block of tokens (BEGIN_NODE name, PROP len nameoff value,
 * END_NODE, NOP, END) and a strings block holding property names.
 *
 * Every read is bounds-checked against the blob's totalsize: a malformed blob gives
 * MMK_EINVAL, never a read outside it.
 */
#ifndef MMUKIT_FIRMWARE_FDT_H
#define MMUKIT_FIRMWARE_FDT_H

#include <stddef.h>

#include <mmukit/memmap.h>

#define MMK_FDT_MAGIC 0xD00DFEEDu

/*
 * Validates the header of the blob at fdt, of which at most size bytes may be read:
 * magic, version 16 or later with last_comp_version at most 17 (spec 5.2), every block
 * after the header and inside totalsize <= size, blocks aligned. Returns 0 or MMK_EINVAL.
 */
int mmk_fdt_check(const void *fdt, size_t size);

/* The blob's totalsize header field (call mmk_fdt_check first). */
uint32_t mmk_fdt_total_size(const void *fdt);

/*
 * Adds to out what the tree says of memory: the reg ranges of the root's memory nodes
 * (node name "memory" or "memory@...", or device_type "memory") as usable, decoded with
 * the root's #address-cells/#size-cells; the children of /reserved-memory and the
 * memory reservation block as reserved.
 * Errors: MMK_EINVAL (malformed blob, cells other than 1 or 2), MMK_ENOSPC (out is
 * full); out is then unchanged.
 */
int mmk_fdt_memmap(const void *fdt, size_t size, struct mmk_memmap *out);

/*
 * The /chosen node's bootargs string inside the blob (spec 3.6; QEMU puts -append
 * there): sets *out to it and returns 0. Only the root's child "chosen" counts. The
 * value must hold a NUL within its length ("" is fine); *out ends at its first NUL.
 * Errors: MMK_ENOENT (no /chosen or no bootargs in it), MMK_EINVAL (what mmk_fdt_check
 * refuses, a malformed structure block, an unterminated bootargs); *out is then unchanged.
 */
int mmk_fdt_bootargs(const void *fdt, size_t size, const char **out);

#endif
