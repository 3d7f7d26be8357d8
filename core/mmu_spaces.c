/*
 * The list of a machine's spaces (struct mmu.spaces), shared by every MMU backend: a
 * new kernel-half entry goes into each, an address-space tag is checked against each.
 */
#include <mmukit/mmu.h>

void mmu_space_list_add(struct mmu *mmu, struct mmu_space *space)
{
	struct mmu_space **p = &mmu->spaces;
	while (*p)
		p = &(*p)->next;
	space->next = NULL;
	*p = space;
}

void mmu_space_list_remove(struct mmu *mmu, struct mmu_space *space)
{
	for (struct mmu_space **p = &mmu->spaces; *p; p = &(*p)->next) {
		if (*p == space) {
			*p = space->next;
			return;
		}
	}
}
