/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The GICv2 of QEMU's virt machine, shared by the ARMv7 and AArch64 kernels for their
 * virtual timer's tick (arch/<arch>/user.c): distributor at 0x08000000, CPU interface
 * 64 KiB above it, mapped as device memory in the kernel window. Registers: GICv2
 * architecture specification (IHI 0048B) 4.3 (distributor) and 4.4 (CPU interface).
 */
#include <mmukit/kvm.h>

#include "gic.h"
#include "platform.h"

#define GIC_PA 0x08000000ull
#define GIC_SIZE 0x20000ull
#define GICD_CTLR 0x000
#define GICD_ISENABLER0 0x100
#define GICD_IPRIORITYR 0x400
#define GICC 0x10000
#define GICC_CTLR 0x00
#define GICC_PMR 0x04
#define GICC_IAR 0x0C
#define GICC_EOIR 0x10
#define INTID_MASK 0x3FFu
#define INTID_SPURIOUS 1023u

static volatile uint8_t *gic;
static struct mmk_kvm_pages gic_pages;

static void gic_write(unsigned offset, uint32_t v)
{
	*(volatile uint32_t *)(gic + offset) = v;
}

static uint32_t gic_read(unsigned offset)
{
	return *(volatile uint32_t *)(gic + offset);
}

int arm_gic_start(unsigned intid)
{
	mmk_vaddr_t va;
	int err = mmk_kvm_map_mmio(kernel_kvm(), &gic_pages, GIC_PA, GIC_SIZE, MMK_CACHE_UC, &va);
	if (err)
		return err;
	gic = (volatile uint8_t *)(uintptr_t)va;
	gic[GICD_IPRIORITYR + intid] = 0x80;
	gic_write(GICD_ISENABLER0 + 4 * (intid / 32), 1u << (intid % 32));
	gic_write(GICD_CTLR, 1);
	gic_write(GICC + GICC_PMR, 0xFF); /* every priority passes */
	gic_write(GICC + GICC_CTLR, 1);
	return 0;
}

bool arm_gic_irq(unsigned intid, void (*rearm)(void))
{
	uint32_t iar = gic_read(GICC + GICC_IAR);
	unsigned id = iar & INTID_MASK;
	if (id == INTID_SPURIOUS)
		return false;
	if (id == intid)
		rearm();
	gic_write(GICC + GICC_EOIR, iar);
	return id == intid;
}
