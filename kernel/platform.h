/* SPDX-License-Identifier: BSD-2-Clause */
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

/*
 * User processes (kernel/proc.c). What a machine provides so the portable process layer
 * can run programs in its user mode; a machine that has not got them yet keeps the
 * defaults of kernel/proc_noarch.c (arch_user_supported() false: the process tests skip).
 *
 * Model: every process has a kernel stack; a trap from user mode (system call, fault,
 * timer) saves the user registers in a struct arch_frame at the top of that stack, and
 * returning to user mode restores them. Kernel code runs with interrupts off, so the
 * timer preempts only user code. arch_switch moves between kernel stacks (the
 * scheduler's and each process's), saving only what a C call preserves.
 */
struct arch_frame; /* the machine's trap frame (arch/<arch>/trap.h) */

/* True when this machine can run user processes. */
bool arch_user_supported(void);

/* Once, before the first process: user segments, the system-call gate, protections
 * against kernel use of user memory where the CPU has them, the timer at hz ticks. */
int arch_user_init(unsigned hz);

/* A new kernel thread on the stack ending at top: its frame is placed at the top
 * (*frame) and the returned stack pointer, given to arch_switch, returns to user mode
 * through that frame. */
uintptr_t arch_thread_init(uintptr_t top, struct arch_frame **frame);

/* Saves the caller's kernel context in *save and continues the one saved in to. */
void arch_switch(uintptr_t *save, uintptr_t to);

/* Traps from user mode land on the kernel stack ending at top (x86: TSS rsp0/esp0). */
void arch_set_trap_stack(uintptr_t top);

/* A frame that enters user mode at pc with stack pointer sp (interrupts enabled). */
void arch_frame_init_user(struct arch_frame *f, mmk_vaddr_t pc, mmk_vaddr_t sp);
void arch_frame_copy(struct arch_frame *dst, const struct arch_frame *src);

/* A system call in f: returns its number and fills args[0..4]; the result goes back
 * to user mode with arch_frame_set_return. */
unsigned long arch_frame_syscall(const struct arch_frame *f, unsigned long args[5]);
void arch_frame_set_return(struct arch_frame *f, long value);

/* Copies between kernel memory and user addresses of the active space, inside the
 * window where the CPU lets the kernel touch user pages (x86 SMAP: stac/clac). A fault
 * the VM cannot resolve gives -MMK_EFAULT; so does a range outside the user half. */
int arch_copy_from_user(void *dst, mmk_vaddr_t src, size_t n);
int arch_copy_to_user(mmk_vaddr_t dst, const void *src, size_t n);

/* True when a kernel access to user memory outside arch_copy_*_user, as ktest_env_access
 * makes it, faults (x86_64 SMAP when the CPU has it). */
bool arch_user_access_guarded(void);

/* True when user pages can be made non-executable (x86_64 NX; not i386's 2-level tables). */
bool arch_user_nx(void);

/* What exec accepts: ELF e_machine and class (1: ELF32, 2: ELF64). */
unsigned arch_elf_machine(void);
unsigned arch_elf_class(void);

/* Called by the machine's trap code (kernel/proc.c). */
void proc_syscall(struct arch_frame *f);
void proc_timer_tick(void);
struct mmk_fault;
/* A page fault from user mode: returns when resolved, else reports it and kills. */
void proc_user_page_fault(const struct mmk_fault *fault);
/* Another exception from user mode: kills the current process. */
_Noreturn void proc_user_exception(unsigned long vector, mmk_vaddr_t pc);

/* kmain's hook for a boot with "procs" on the command line: runs the user programs as
 * the "procs" test suite; returns how many tests failed. */
unsigned proc_boot(void);

/* The portable kernel entry, called once by the boot code. */
_Noreturn void kmain(struct boot_info *boot);

#endif
