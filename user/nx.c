/* SPDX-License-Identifier: BSD-2-Clause */
/* nx: a child jumps into a data page holding an instruction; the page is not executable,
 * so the child is killed instead of running it. Exits with 2 when the code ran. */
#include "lib/ulib.h"

static unsigned char code[16] __attribute__((aligned(16))); /* data: a ret copied in at run time */
extern const unsigned char ret_instruction[]; /* user/arch/<arch>/crt0.S */
extern const unsigned ret_instruction_size;

static int jump_data(void)
{
	void (*f)(void) = (void (*)(void))(uintptr_t)code;
	f();
	return 42; /* it ran */
}

int main(void)
{
	memcpy(code, ret_instruction, ret_instruction_size);
	int status = run_child(jump_data);
	if (status == 42)
		return 2; /* the machine cannot refuse it (the kernel knows which do) */
	CHECK(status == SYS_KILLED_PAGE_FAULT);
	return check_failures;
}
