/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The x86_64 kernel image as mmk_mmu_init mapped it: text executable and read-only, rodata
 * neither writable nor executable, data writable but not executable (NX).
 */
#include <mmukit/errno.h>
#include <mmukit/ktest.h>
#include <mmukit/mmu.h>

#include "platform.h"

static const uint32_t constant = 0xC0FFEE;
static uint32_t variable = 1;

static unsigned flags_at(const void *p)
{
	struct mmk_mmu_mapping m;
	if (mmk_mmu_query(&kernel_mmu()->kernel, (mmk_vaddr_t)p, &m))
		return 0;
	return m.flags;
}

KTEST(image_x86_64, text_rodata_and_data_have_their_own_protection)
{
	unsigned text = flags_at((const void *)(uintptr_t)flags_at);
	unsigned ro = flags_at(&constant);
	unsigned rw = flags_at(&variable);
	KEXPECT_TRUE(text & MMK_PROT_EXEC);
	KEXPECT_FALSE(text & MMK_PROT_WRITE);
	KEXPECT_FALSE(ro & MMK_PROT_WRITE);
	KEXPECT_TRUE(rw & MMK_PROT_WRITE);
	KEXPECT_TRUE(text & MMK_PROT_GLOBAL);
	/* Without NX (a CPU without it) everything readable is executable. */
	bool nx = !(rw & MMK_PROT_EXEC);
	ktest_log("NX %s", nx ? "on" : "off");
	if (nx)
		KEXPECT_FALSE(ro & MMK_PROT_EXEC);
	uint32_t v = 7;
	KEXPECT_EQ(ktest_env_access((mmk_vaddr_t)&constant, true, &v), -MMK_EFAULT); /* CR0.WP */
	KEXPECT_EQ(constant, 0xC0FFEE);
	KEXPECT_EQ(ktest_env_access((mmk_vaddr_t)&variable, true, &v), 0);
	KEXPECT_EQ(variable, 7);
}
