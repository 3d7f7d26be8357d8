/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What every machine's mmk_mmu_init maps the same way, written once over mmk_mmu_map and
 * mmk_mmu_protect: a direct window onto RAM from the boot memory map, the kernel image
 * section by section, the boot's fixed mappings (include/mmukit/pt.h).
 */
#include <mmukit/errno.h>
#include <mmukit/memmap.h>
#include <mmukit/mmu.h>
#include <mmukit/pt.h>

static bool wanted(const struct mmk_memrange *r, unsigned skip)
{
	return r->size > 0 && !(skip & (1u << r->type));
}

int mmk_pt_map_ram(struct mmk_mmu *mmu, const struct mmk_memmap *map,
		   const struct mmk_pt_window *w)
{
	unsigned flags = MMK_PROT_READ | MMK_PROT_WRITE | MMK_PROT_GLOBAL;
	for (unsigned i = 0; i < map->count;) {
		if (!wanted(&map->range[i], w->skip_types)) {
			i++;
			continue;
		}
		/* Touching ranges join into one run, so RAM gets the largest pages. */
		mmk_paddr_t lo = mmk_align_down(map->range[i].base, MMK_PAGE_SIZE);
		mmk_paddr_t hi = mmk_align_up(map->range[i].base + map->range[i].size, MMK_PAGE_SIZE);
		for (i++; i < map->count && wanted(&map->range[i], w->skip_types) &&
			  map->range[i].base <= hi;
		     i++)
			hi = mmk_align_up(map->range[i].base + map->range[i].size, MMK_PAGE_SIZE);
		if (lo < w->pa_start)
			lo = w->pa_start;
		if (hi > w->pa_end)
			hi = w->pa_end;
		struct mmk_mmu_mapping m; /* a run may share its first page with the last one */
		if (lo < hi && mmk_mmu_query(&mmu->kernel, w->va + (mmk_vaddr_t)(lo - w->pa_start), &m) == 0)
			lo += MMK_PAGE_SIZE;
		if (lo >= hi)
			continue;
		int err = mmk_mmu_map(&mmu->kernel, w->va + (mmk_vaddr_t)(lo - w->pa_start), lo, hi - lo,
				      flags, 0);
		if (err)
			return err;
	}
	return 0;
}

/* The image as one read-write-execute range (a boot that gives no sections). */
static int image_whole(struct mmk_mmu *mmu, const struct mmk_mmu_boot *boot, bool in_place)
{
	mmk_vaddr_t va = (mmk_vaddr_t)mmk_align_down(boot->kernel_va, MMK_PAGE_SIZE);
	mmk_vsize_t size = (mmk_vsize_t)(mmk_align_up(boot->kernel_va + boot->kernel_size,
						      MMK_PAGE_SIZE) - va);
	unsigned flags = MMK_PROT_READ | MMK_PROT_WRITE | MMK_PROT_EXEC | MMK_PROT_GLOBAL;
	if (size == 0)
		return 0;
	if (in_place)
		return mmk_mmu_protect(&mmu->kernel, va, size, flags, NULL);
	return mmk_mmu_map(&mmu->kernel, va,
			   mmk_align_down(boot->kernel_pa, MMK_PAGE_SIZE), size, flags, 0);
}

int mmk_pt_map_image(struct mmk_mmu *mmu, const struct mmk_mmu_boot *boot, bool in_place)
{
	if (boot->section_count > MMK_MMU_BOOT_SECTIONS)
		return -MMK_EINVAL;
	if (boot->section_count == 0)
		return image_whole(mmu, boot, in_place);
	for (unsigned i = 0; i < boot->section_count; i++) {
		const struct mmk_mmu_boot_section *sec = &boot->sections[i];
		mmk_vsize_t size = (mmk_vsize_t)mmk_align_up(sec->size, MMK_PAGE_SIZE);
		unsigned flags = sec->flags | MMK_PROT_GLOBAL;
		int err = in_place ? mmk_mmu_protect(&mmu->kernel, sec->va, size, flags, NULL)
				   : mmk_mmu_map(&mmu->kernel, sec->va, sec->pa, size, flags, 0);
		if (err)
			return err;
	}
	return 0;
}

int mmk_pt_map_fixed(struct mmk_mmu *mmu, const struct mmk_mmu_boot *boot)
{
	if (boot->fixed_count > MMK_MMU_BOOT_FIXED)
		return -MMK_EINVAL;
	for (unsigned i = 0; i < boot->fixed_count; i++) {
		const struct mmk_mmu_boot_section *fx = &boot->fixed[i];
		int err = mmk_mmu_map(&mmu->kernel, fx->va, fx->pa, fx->size, fx->flags, 0);
		if (err)
			return err;
	}
	return 0;
}

int mmk_pt_map_boot(struct mmk_mmu *mmu, const struct mmk_mmu_boot *boot,
		    const struct mmk_pt_window *window, bool image_in_window)
{
	int err = mmk_pt_map_ram(mmu, boot->memmap, window);
	if (!err)
		err = mmk_pt_map_image(mmu, boot, image_in_window);
	if (!err)
		err = mmk_pt_map_fixed(mmu, boot);
	if (err)
		mmk_pt_kernel_teardown(mmu);
	return err;
}
