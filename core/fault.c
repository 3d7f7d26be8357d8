/* The portable page-fault entry (include/mmukit/fault.h). */
#include <mmukit/fault.h>
#include <mmukit/services.h>

static fault_handler_fn handler;
static void *handler_ctx;
static fault_reporter_fn reporter;
static void *reporter_ctx;

void fault_set_reporter(fault_reporter_fn fn, void *ctx, fault_reporter_fn *old_fn,
			void **old_ctx)
{
	if (old_fn)
		*old_fn = reporter;
	if (old_ctx)
		*old_ctx = reporter_ctx;
	reporter = fn;
	reporter_ctx = ctx;
}

void fault_report_fatal(struct mmu_space *space, const struct mmk_fault *fault,
			enum fault_result result)
{
	fault_report(space, fault, result);
	if (reporter)
		reporter(reporter_ctx, space, fault);
}

void fault_set_handler(fault_handler_fn fn, void *ctx, fault_handler_fn *old_fn,
		       void **old_ctx)
{
	if (old_fn)
		*old_fn = handler;
	if (old_ctx)
		*old_ctx = handler_ctx;
	handler = fn;
	handler_ctx = ctx;
}

enum fault_result fault_dispatch(struct mmu_space *space, const struct mmk_fault *fault)
{
	if (!handler)
		return FAULT_BAD_ACCESS;
	return handler(handler_ctx, space, fault);
}

const char *fault_access_name(unsigned access)
{
	switch (access) {
	case MMK_ACCESS_READ: return "read";
	case MMK_ACCESS_WRITE: return "write";
	case MMK_ACCESS_EXEC: return "execute";
	default: return "unknown access";
	}
}

void fault_report(const struct mmu_space *space, const struct mmk_fault *fault,
		  enum fault_result result)
{
	mmk_printf("\npage fault: %s %s of 0x%llx at pc 0x%llx: %s%s (code 0x%llx)%s\n",
		   fault->user ? "user" : "kernel", fault_access_name(fault->access),
		   (unsigned long long)fault->addr, (unsigned long long)fault->pc,
		   fault->present ? "protection violation" : "page not present",
		   fault->reserved_bit ? ", reserved bit set" : "",
		   (unsigned long long)fault->arch_code,
		   result == FAULT_OOM ? ": out of memory resolving it" : "");
	(void)space; /* the caller prints the walk: mmu_print_walk(space, fault->addr) */
}
