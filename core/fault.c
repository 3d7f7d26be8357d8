/* The portable page-fault entry (include/mmukit/fault.h). */
#include <mmukit/fault.h>
#include <mmukit/services.h>

static mmk_fault_handler_fn handler;
static void *handler_ctx;
static mmk_fault_reporter_fn reporter;
static void *reporter_ctx;

void mmk_fault_set_reporter(mmk_fault_reporter_fn fn, void *ctx, mmk_fault_reporter_fn *old_fn,
			void **old_ctx)
{
	if (old_fn)
		*old_fn = reporter;
	if (old_ctx)
		*old_ctx = reporter_ctx;
	reporter = fn;
	reporter_ctx = ctx;
}

void mmk_fault_report_fatal(struct mmk_mmu_space *space, const struct mmk_fault *fault,
			enum mmk_fault_result result)
{
	mmk_fault_report(space, fault, result);
	if (reporter)
		reporter(reporter_ctx, space, fault);
}

void mmk_fault_set_handler(mmk_fault_handler_fn fn, void *ctx, mmk_fault_handler_fn *old_fn,
		       void **old_ctx)
{
	if (old_fn)
		*old_fn = handler;
	if (old_ctx)
		*old_ctx = handler_ctx;
	handler = fn;
	handler_ctx = ctx;
}

enum mmk_fault_result mmk_fault_dispatch(struct mmk_mmu_space *space, const struct mmk_fault *fault)
{
	if (!handler)
		return MMK_FAULT_BAD_ACCESS;
	return handler(handler_ctx, space, fault);
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
