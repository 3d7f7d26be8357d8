/*
 * Page faults, portable: every architecture decodes its fault (x86 CR2 and error code,
 * ARM DFAR/DFSR or IFAR/IFSR) into a struct mmk_fault and hands it to mmk_fault_dispatch.
 * The VM layer installs the handler that decides (demand zero, copy-on-write, fatal);
 * tests install their own for a while. With no handler, or when the handler cannot
 * resolve it, the fault is fatal: mmk_fault_report prints the address, the decoded access
 * and the table walk, and the architecture stops the kernel with a failing status.
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

typedef enum mmk_fault_result (*mmk_fault_handler_fn)(void *ctx, struct mmk_mmu_space *space,
					      const struct mmk_fault *fault);

/* Installs the fault handler; returns the previous one through *old_fn / *old_ctx. */
void mmk_fault_set_handler(mmk_fault_handler_fn fn, void *ctx, mmk_fault_handler_fn *old_fn,
		       void **old_ctx);

/* Decides what a fault in space means. Without a handler: MMK_FAULT_BAD_ACCESS. */
enum mmk_fault_result mmk_fault_dispatch(struct mmk_mmu_space *space, const struct mmk_fault *fault);

/*
 * Prints a fault: address, access, mode, kind, pc. The architecture's trap code then
 * prints the table walk with mmk_mmu_print_walk (core code does not link a backend).
 */
void mmk_fault_report(const struct mmk_mmu_space *space, const struct mmk_fault *fault,
		  enum mmk_fault_result result);

typedef void (*mmk_fault_reporter_fn)(void *ctx, struct mmk_mmu_space *space,
				  const struct mmk_fault *fault);

/*
 * Installs what describes a fatal fault further (the VM: its region), NULL for
 * nothing; the previous one comes back through *old_fn / *old_ctx when not NULL.
 */
void mmk_fault_set_reporter(mmk_fault_reporter_fn fn, void *ctx, mmk_fault_reporter_fn *old_fn,
			void **old_ctx);

/*
 * The architecture's trap code calls this for a fault it is about to die of:
 * mmk_fault_report, then the installed reporter. It then prints the walk itself.
 */
void mmk_fault_report_fatal(struct mmk_mmu_space *space, const struct mmk_fault *fault,
			enum mmk_fault_result result);

/* "read", "write", "execute". */
const char *mmk_fault_access_name(unsigned access);

#endif
