/*
 * What every MMU backend's mmu_init does the same way, written once: the boot's fixed
 * mappings (mmu_boot.fixed: an MMIO console, the ARM vector page).
 */
#include <mmukit/errno.h>
#include <mmukit/mmu.h>

int mmu_boot_map_fixed(struct mmu *mmu, const struct mmu_boot *boot)
{
	if (boot->fixed_count > MMU_BOOT_FIXED)
		return -MMK_EINVAL;
	for (unsigned i = 0; i < boot->fixed_count; i++) {
		const struct mmu_boot_section *f = &boot->fixed[i];
		int err = mmu_map(&mmu->kernel, f->va, f->pa, f->size, f->flags, 0);
		if (err)
			return err;
	}
	return 0;
}
