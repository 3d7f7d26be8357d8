/*
 * The list of a machine's spaces (struct mmk_mmu.spaces), shared by every MMU backend: a
 * new kernel-half entry goes into each, an address-space tag is checked against each.
 */
#include <mmukit/mmu.h>

void mmk_mmu_space_list_add(struct mmk_mmu *mmu, struct mmk_mmu_space *space)
{
	struct mmk_mmu_space **p = &mmu->spaces;
	while (*p)
		p = &(*p)->next;
	space->next = NULL;
	*p = space;
}

void mmk_mmu_space_list_remove(struct mmk_mmu *mmu, struct mmk_mmu_space *space)
{
	for (struct mmk_mmu_space **p = &mmu->spaces; *p; p = &(*p)->next) {
		if (*p == space) {
			*p = space->next;
			return;
		}
	}
}
