/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Page faults, portable: every architecture decodes its fault (x86 CR2 and error code,
 * ARM DFAR/DFSR or IFAR/IFSR, RISC-V scause/stval) into a struct mmk_fault and hands it
 * to mmk_fault_dispatch with the space the CPU was in. The fault goes to whoever owns
 * the space that address belongs to (a kernel-half address: the kernel space): the VM
 * owns the spaces it created, a kernel may own its kernel space, tests borrow one for a
 * while. There is no global handler: a space nobody owns gets MMK_FAULT_BAD_ACCESS, and a
 * fault in it never reads past its struct. A fault that cannot be resolved is fatal:
 * mmk_fault_report_fatal prints the address, the decoded access, what the owner knows
 * (the VM: the region), and the architecture prints the table walk.
 */
#ifndef MMUKIT_FAULT_H
#define MMUKIT_FAULT_H

#include <mmukit/mmu.h>

#define MMK_ACCESS_READ 0x1u
#define MMK_ACCESS_WRITE 0x2u
#define MMK_ACCESS_EXEC 0x4u

struct mmk_fault {
	mmk_vaddr_t addr;        /* the address that faulted */
	mmk_vaddr_t pc;          /* the instruction that faulted */
	unsigned access;     /* one MMK_ACCESS_* */
	bool user;           /* from user mode */
	bool present;        /* a protection fault on a present mapping (else not present) */
	bool reserved_bit;   /* a reserved bit was set in a table entry */
	uint64_t arch_code;  /* the raw error code / fault status, for the report */
};

enum mmk_fault_result {
	MMK_FAULT_RESOLVED,   /* retry the access */
	MMK_FAULT_BAD_ACCESS, /* outside any region or against its protection: fatal */
	MMK_FAULT_OOM,        /* could not get memory to resolve it: fatal */
};

/* What an owner of a space does with its faults. */
struct mmk_fault_ops {
	/* Decides a fault in space (owner: as given to mmk_fault_set_owner). */
	enum mmk_fault_result (*resolve)(void *owner, struct mmk_mmu_space *space,
					 const struct mmk_fault *fault);
	/* Says where a fatal fault fell (its region...) for the report; may be NULL. */
	void (*describe)(void *owner, struct mmk_mmu_space *space, const struct mmk_fault *fault);
};

/* Makes owner (with ops; NULL ops: nobody) handle the faults of space. */
void mmk_fault_set_owner(struct mmk_mmu_space *space, const struct mmk_fault_ops *ops, void *owner);

/*
 * Decides what a fault means: space is the one the CPU translated with; a kernel-half
 * address is the kernel space's. Its owner's resolve decides; nobody: BAD_ACCESS.
 */
enum mmk_fault_result mmk_fault_dispatch(struct mmk_mmu_space *space, const struct mmk_fault *fault);

/*
 * Prints a fault: address, access, mode, kind, pc. The architecture's trap code then
 * prints the table walk with mmk_mmu_print_walk (core code does not link a backend).
 */
void mmk_fault_report(const struct mmk_mmu_space *space, const struct mmk_fault *fault,
		  enum mmk_fault_result result);

/*
 * The architecture's trap code calls this for a fault it is about to die of:
 * mmk_fault_report, then the owner's describe. It then prints the walk itself.
 */
void mmk_fault_report_fatal(struct mmk_mmu_space *space, const struct mmk_fault *fault,
			enum mmk_fault_result result);

/* "read", "write", "execute". */
const char *mmk_fault_access_name(unsigned access);

#endif
