/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The AArch64 CPU features the VMM uses, for the boot summary: what ID_AA64MMFR0/1_EL1
 * say the CPU has (ARM ARM D13.2), and what the kernel set in TCR_EL1 and PSTATE.
 */
#include <mmukit/mmu.h>
#include <mmukit/services.h>

#include "cpu.h"
#include "platform.h"
#include "shell.h"

static unsigned field(uint64_t reg, unsigned shift)
{
	return (unsigned)(reg >> shift) & 0xf;
}

/* PSTATE.PAN (ARM ARM C5.2.12), only where FEAT_PAN is implemented. */
static bool pan_on(void)
{
	uint64_t v;
	__asm__ volatile("mrs %0, S3_0_C4_C2_3" : "=r"(v));
	return v & (1ull << 22);
}

void arch_print_cpu_features(void)
{
	static const unsigned pa_bits[] = {32, 36, 40, 42, 44, 48, 52};
	uint64_t mmfr0 = aarch64_read_mmfr0(), mmfr1 = aarch64_read_mmfr1();
	uint64_t tcr = aarch64_read_tcr();
	unsigned parange = field(mmfr0, 0), pan = field(mmfr1, 20), hafdbs = field(mmfr1, 0);
	unsigned tg0 = (unsigned)(tcr >> 14) & 3; /* TCR_EL1.TG0: 0 4K, 1 64K, 2 16K */
	struct mmk_mmu *mmu = kernel_mmu();

	mmk_printf("CPU features the VMM uses (ID_AA64MMFR0/1_EL1, TCR_EL1):\n");
	mmk_printf("  physical addresses: %u bits (PARange); TCR_EL1.IPS %u\n",
		   parange < 7 ? pa_bits[parange] : 0, (unsigned)(tcr >> 32) & 7);
	mmk_printf("  granules: 4K %s, 16K %s, 64K %s; in use: %s\n",
		   field(mmfr0, 28) != 0xf ? "yes" : "no", field(mmfr0, 20) != 0 ? "yes" : "no",
		   field(mmfr0, 24) != 0xf ? "yes" : "no",
		   tg0 == 0 ? "4K" : tg0 == 1 ? "64K" : tg0 == 2 ? "16K" : "?");
	mmk_printf("  ASIDs: the CPU has %u bits, TCR_EL1.AS selects %u, the VMM uses %u\n",
		   field(mmfr0, 4) == 2 ? 16 : 8, (tcr >> 36) & 1 ? 16 : 8, mmu ? mmu->asids.bits : 0);
	mmk_printf("  UXN / PXN: yes (every page the kernel maps is non-executable at the level "
		   "that must not run it)\n");
	mmk_printf("  PAN: %s; hardware access flag / dirty state: %s, TCR_EL1.HA %s\n",
		   pan == 0   ? "not on this CPU"
		   : pan_on() ? "the CPU has it, on"
			      : "the CPU has it, off (turned on with the first user process)",
		   hafdbs == 0 ? "no" : hafdbs == 1 ? "access flag" : "access flag and dirty",
		   (tcr >> 39) & 1 ? "on" : "off");
}
