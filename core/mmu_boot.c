/*
 * What every MMU backend's mmk_mmu_init does the same way, written once: the boot's fixed
 * mappings (mmu_boot.fixed: an MMIO console, the ARM vector page).
 */
#include <mmukit/errno.h>
#include <mmukit/mmu.h>

int mmk_mmu_boot_map_fixed(struct mmk_mmu *mmu, const struct mmk_mmu_boot *boot)
{
	if (boot->fixed_count > MMK_MMU_BOOT_FIXED)
		return -MMK_EINVAL;
	for (unsigned i = 0; i < boot->fixed_count; i++) {
		const struct mmk_mmu_boot_section *f = &boot->fixed[i];
		int err = mmk_mmu_map(&mmu->kernel, f->va, f->pa, f->size, f->flags, 0);
		if (err)
			return err;
	}
	return 0;
}
