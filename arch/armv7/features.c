/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The ARMv7 CPU features the VMM uses, for the boot summary: what the ID registers say
 * the CPU has, and what the kernel set in SCTLR / TTBCR.
 */
#include <mmukit/mmu.h>
#include <mmukit/services.h>

#include "cp15.h"
#include "platform.h"
#include "shell.h"

static uint32_t read_id_mmfr0(void)
{
	uint32_t v;
	__asm__ volatile("mrc p15, 0, %0, c0, c1, 4" : "=r"(v)); /* ARM ARM B4.1.89 */
	return v;
}

static uint32_t read_id_mmfr3(void)
{
	uint32_t v;
	__asm__ volatile("mrc p15, 0, %0, c0, c1, 7" : "=r"(v)); /* ARM ARM B4.1.92 */
	return v;
}

static uint32_t read_sctlr(void)
{
	uint32_t v;
	__asm__ volatile("mrc p15, 0, %0, c1, c0, 0" : "=r"(v)); /* ARM ARM B4.1.130 */
	return v;
}

static uint32_t read_ttbcr(void)
{
	uint32_t v;
	__asm__ volatile("mrc p15, 0, %0, c2, c0, 2" : "=r"(v)); /* ARM ARM B4.1.153 */
	return v;
}

void arch_print_cpu_features(void)
{
	uint32_t vmsa = read_id_mmfr0() & 0xf; /* 3: VMSAv7, 4: + PXN, 5: + long descriptors */
	bool supersections = (read_id_mmfr3() >> 28) == 0; /* 0xF: not supported */
	uint32_t sctlr = read_sctlr();
	bool eae = read_ttbcr() >> 31; /* TTBCR.EAE: long-descriptor (LPAE) tables */
	struct mmk_mmu *mmu = kernel_mmu();

	mmk_printf("CPU features the VMM uses (ID_MMFR0 / ID_MMFR3, SCTLR, TTBCR):\n");
	mmk_printf("  VMSA: %s; tables: %s\n",
		   vmsa >= 5   ? "VMSAv7 with PXN and long descriptors (LPAE-capable)"
		   : vmsa == 4 ? "VMSAv7 with PXN, no LPAE"
		   : vmsa == 3 ? "VMSAv7, no PXN, no LPAE"
			       : "older than VMSAv7",
		   eae ? "long descriptors (LPAE)" : "short descriptors (LPAE not used)");
	mmk_printf("  ASIDs: %u bits (CONTEXTIDR.ASID); user pages are non-global and tagged\n",
		   mmu ? mmu->asids.bits : 0);
	mmk_printf("  XN: yes, on every page not mapped executable; PXN: %s\n",
		   vmsa >= 4 ? "on the user half's L1 entries and user sections (the kernel never "
			       "runs user memory)"
			     : "not on this CPU");
	mmk_printf("  supersections (16 MiB): %s, not used; access flag (SCTLR.AFE): %s; "
		   "TEX remap (SCTLR.TRE): %s\n",
		   supersections ? "supported" : "not supported", sctlr & SCTLR_AFE ? "on" : "off",
		   sctlr & SCTLR_TRE ? "on" : "off");
}
