/*
 * For machines whose MMU backend is still to come (arch/<arch>/mmu.c absent): the
 * kernel stays on the boot's page tables, and says so. Built only for them.
 */
#include <mmukit/services.h>

#include "platform.h"

struct mmu *kernel_mmu(void)
{
	return NULL;
}

struct kvm *kernel_kvm(void)
{
	return NULL;
}

int arch_vm_start(struct pmm *pmm, struct boot_info *boot)
{
	(void)pmm;
	mmk_printf("vm: no %s MMU backend yet; running on the boot page tables\n", boot->arch);
	return 0;
}
