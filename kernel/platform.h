/*
 * What each architecture's boot code (arch/<arch>/) provides to the demo kernel.
 *
 * The boot code gets the machine into a C environment (stack, a mapping of itself and of
 * low RAM, serial console), turns the firmware's description of memory into
 * boot_info.memmap with the kernel image, boot structures and boot page tables marked
 * as reserved, and calls kmain. Nothing here knows about page-table bits.
 */
#ifndef MMUKIT_KERNEL_PLATFORM_H
#define MMUKIT_KERNEL_PLATFORM_H

#include <mmukit/memmap.h>

struct boot_info {
	const char *arch;          /* "i386", "x86_64", "armv7" */
	const char *firmware;      /* "multiboot", "pvh", "device tree" */
	struct mmk_memmap memmap;  /* firmware map + boot reservations */
	mmk_paddr_t early_limit;       /* arch_phys_to_virt works for pa < early_limit */
	const char *cmdline;       /* the kernel command line, "" when there is none */
};

/* Marks [base, base+size) with type in the boot map (boot data, the image...); panics when full. */
void boot_reserve(struct boot_info *boot, mmk_paddr_t base, mmk_psize_t size, unsigned type);

/* Bytes of the NUL-terminated string at physical pa, NUL included (early window). */
mmk_psize_t boot_string_size(mmk_paddr_t pa);

/* Writes one character to the serial console (blocking). */
void arch_console_putc(char c);

/* Polls the serial console for one received byte: the byte (0-255), or -1 when none. */
int arch_console_getc(void);

/* The early window: a kernel pointer to physical address pa (pa < early_limit). */
void *arch_phys_to_virt(mmk_paddr_t pa);

/* Ends the emulator: status 0 means every test passed, anything else failure. */
_Noreturn void arch_exit(int status);

/*
 * Brings up the machine's MMU backend over the PMM (kmain calls it once the PMM runs):
 * fresh tables from the PMM replace the boot ones. Returns 0 or an MMK_E* error.
 */
struct mmk_pmm;
int arch_vm_start(struct mmk_pmm *pmm, struct boot_info *boot);

/*
 * kernel/vm.c, for machines whose kernel runs on mmukit's tables: mmk_mmu_init from the boot
 * state, then the heap/MMIO window [window_base, window_top), the kernel heap (mmk_kmalloc)
 * and the VM with its fault handler and reporter. Returns mmk_mmu_init's error.
 */
struct mmk_mmu_boot;
int kernel_vm_start(struct mmk_pmm *pmm, const struct mmk_mmu_boot *boot, mmk_vaddr_t window_base,
		    mmk_vaddr_t window_top);

/* The kernel's MMU state once arch_vm_start succeeded; NULL before. */
struct mmk_mmu;
struct mmk_mmu *kernel_mmu(void);

/* The kernel's heap-up / MMIO-down window (include/mmukit/kvm.h), or NULL. */
struct mmk_kvm;
struct mmk_kvm *kernel_kvm(void);

/* The kernel heap behind mmk_kmalloc, or NULL. */
struct mmk_kheap;
struct mmk_kheap *kernel_heap(void);

/* The portable kernel entry, called once by the boot code. */
_Noreturn void kmain(struct boot_info *boot);

#endif
