/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The RISC-V CPU features the VMM uses, for the boot summary: the translation mode in
 * satp and the ASID width the backend probed (RISC-V priv 4.1.11).
 */
#include <mmukit/mmu.h>
#include <mmukit/services.h>

#include "cpu.h"
#include "platform.h"
#include "shell.h"

void arch_print_cpu_features(void)
{
	unsigned mode = (unsigned)(riscv64_read_satp() >> 60); /* satp.MODE: 8 Sv39, 9 Sv48, 10 Sv57 */
	struct mmk_mmu *mmu = kernel_mmu();

	mmk_printf("CPU features the VMM uses (satp):\n");
	mmk_printf("  translation: %s%s\n",
		   mode == 8 ? "Sv39" : mode == 9 ? "Sv48" : mode == 10 ? "Sv57" : "bare or unknown",
		   mode == 8   ? " (the hart refused Sv48, or the boot word 'sv39' asked for it)"
		   : mode == 9 ? " (the hart took Sv48 when probed)"
			       : "");
	mmk_printf("  ASIDs: %u bits (ones written to satp.ASID, read back)\n",
		   mmu ? mmu->asids.bits : 0);
	mmk_printf("  Svadu, Svpbmt: not known from S-mode (menvcfg is M-mode's; no ISA string "
		   "read): accessed/dirty are set by the kernel on a fault, memory types come "
		   "from the PMAs\n");
}
