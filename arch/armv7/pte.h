/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ARMv7 short-descriptor translation tables (VMSAv7): every bit the backend uses.
 * ARM ARM (ARM DDI 0406C) B3.5.1, figures B3-4 (first level) and B3-5 (second level);
 * access permissions B3.7.1 table B3-8; memory types B3.8.2 table B3-10 (TEX remap off).
 *
 * First level: 4096 entries of 1 MiB (TTBR1, the kernel's) or, with TTBCR.N = 1, 2048
 * covering 0-2 GiB (TTBR0, a user space's). An entry is a fault, a 1 MiB section, or a
 * pointer to a 1 KiB second-level table of 256 entries: 4 KiB small pages, or 64 KiB
 * large pages written as 16 identical entries.
 */
#ifndef MMUKIT_ARCH_ARMV7_PTE_H
#define MMUKIT_ARCH_ARMV7_PTE_H

#include <stdint.h>

typedef uint32_t pte_t;

/* First level. */
#define L1_TYPE_MASK 0x3u
#define L1_TABLE 0x1u
#define L1_SECTION 0x2u
#define L1_TABLE_PXN (1u << 2) /* nothing below runs at PL1 (with PXN: ID_MMFR0.VMSA >= 4) */
#define L1_SECTION_KIND 0x2u   /* bit 0 of a section is its PXN */
#define L1_TABLE_BASE 0xFFFFFC00u
#define L1_SECTION_BASE 0xFFF00000u
#define SECT_PXN (1u << 0)
#define SECT_B (1u << 2)
#define SECT_C (1u << 3)
#define SECT_XN (1u << 4)
#define SECT_AP_SHIFT 10
#define SECT_TEX_SHIFT 12
#define SECT_APX (1u << 15)
#define SECT_NG (1u << 17)
#define SECT_SUPER (1u << 18)

/* Second level. */
#define L2_TYPE_MASK 0x3u
#define L2_LARGE 0x1u        /* 64 KiB */
#define L2_SMALL 0x2u        /* 4 KiB; bit 0 is its XN */
#define L2_SMALL_BASE 0xFFFFF000u
#define L2_LARGE_BASE 0xFFFF0000u
#define L2_B (1u << 2)
#define L2_C (1u << 3)
#define L2_AP_SHIFT 4
#define L2_SMALL_TEX_SHIFT 6
#define L2_APX (1u << 9)
#define L2_NG (1u << 11)
#define L2_LARGE_TEX_SHIFT 12
#define L2_LARGE_XN (1u << 15)
#define L2_SMALL_XN (1u << 0)

#define L1_ENTRIES 4096u
#define USER_L1_ENTRIES 2048u /* TTBCR.N = 1 */
#define L2_ENTRIES 256u
#define L2_TABLE_BYTES 1024u
#define SECTION_SIZE 0x100000u
#define LARGE_SIZE 0x10000u

#endif
