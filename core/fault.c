/* SPDX-License-Identifier: BSD-2-Clause */
/* The portable page-fault entry (include/mmukit/fault.h). */
#include <mmukit/fault.h>
#include <mmukit/services.h>

/* The space a fault at addr belongs to: the kernel's for a kernel-half address. */
static struct mmk_mmu_space *space_of(struct mmk_mmu_space *space, mmk_vaddr_t addr)
{
	if (space && !space->is_kernel && addr >= mmk_mmu_kernel_base(space->mmu))
		return &space->mmu->kernel;
	return space;
}

void mmk_fault_set_owner(struct mmk_mmu_space *space, const struct mmk_fault_ops *ops, void *owner)
{
	space->fault_ops = ops;
	space->owner = ops ? owner : NULL;
}

enum mmk_fault_result mmk_fault_dispatch(struct mmk_mmu_space *space, const struct mmk_fault *fault)
{
	space = space_of(space, fault->addr);
	if (!space || !space->fault_ops || !space->fault_ops->resolve)
		return MMK_FAULT_BAD_ACCESS;
	return space->fault_ops->resolve(space->owner, space, fault);
}

void mmk_fault_report_fatal(struct mmk_mmu_space *space, const struct mmk_fault *fault,
			    enum mmk_fault_result result)
{
	mmk_fault_report(space, fault, result);
	space = space_of(space, fault->addr);
	if (space && space->fault_ops && space->fault_ops->describe)
		space->fault_ops->describe(space->owner, space, fault);
	else
		mmk_printf("  in a space nobody handles faults in%s\n",
			   space && space->is_kernel ? " (the kernel space)" : "");
}

const char *mmk_fault_access_name(unsigned access)
{
	switch (access) {
	case MMK_ACCESS_READ: return "read";
	case MMK_ACCESS_WRITE: return "write";
	case MMK_ACCESS_EXEC: return "execute";
	default: return "unknown access";
	}
}

void mmk_fault_report(const struct mmk_mmu_space *space, const struct mmk_fault *fault,
		  enum mmk_fault_result result)
{
	mmk_printf("\npage fault: %s %s of 0x%llx at pc 0x%llx: %s%s (code 0x%llx)%s\n",
		   fault->user ? "user" : "kernel", mmk_fault_access_name(fault->access),
		   (unsigned long long)fault->addr, (unsigned long long)fault->pc,
		   fault->present ? "protection violation" : "page not present",
		   fault->reserved_bit ? ", reserved bit set" : "",
		   (unsigned long long)fault->arch_code,
		   result == MMK_FAULT_OOM ? ": out of memory resolving it" : "");
	(void)space; /* the caller prints the walk: mmk_mmu_print_walk(space, fault->addr) */
}
