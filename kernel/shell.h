/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The demo kernel's shell on the serial console: what its files share.
 *
 *   shell.c          the command table, argument parsing, the read-eval loop
 *   shell_line.c     reading a line: echo, editing, history, end of input
 *   shell_mem.c      what the VMM looks like: meminfo, vmmap, ptdump, walk, translate,
 *                    and the boot summary kmain prints before the prompt
 *   shell_scratch.c  map / unmap / protect / touch on a scratch range of the kernel space
 *   shell_proc.c     ps, run, spawn, wait, kill, and a process's regions for vmmap PID
 *   arch/<arch>/features.c (arch/x86/ for both x86 machines): the CPU features the VMM
 *                    uses, for the boot summary
 *
 * A command is one row of a table (shell.c): a name, a usage line, one line of help and
 * a function taking the words after the name.
 */
#ifndef MMUKIT_KERNEL_SHELL_H
#define MMUKIT_KERNEL_SHELL_H

#include <mmukit/types.h>

struct mmk_pmm;
struct mmk_memmap;
struct mmk_mmu_space;

#define SHELL_LINE_MAX 128
#define SHELL_ARGS_MAX 8

/* What the shell works on, given by kmain once the VM runs. */
struct shell_env {
	struct mmk_pmm *pmm;
	const struct mmk_memmap *memmap;
};

/* Runs the shell until `halt` or the end of input; returns the exit status (0). */
int shell_run(const struct shell_env *env);

/* The boot summary: kernel virtual map, page sizes, MMU features, CPU features. */
void shell_boot_summary(const struct shell_env *env);

/* shell_line.c: reads one line into buf (NUL-terminated, without the newline), with
 * editing when the other end is a terminal. Returns false at the end of input (Ctrl-D
 * on an empty line: what tools/qemu.sh sends when piped input runs out). */
bool shell_read_line(const char *prompt, char *buf, unsigned size);

/* Parsing helpers (shell.c): each prints a clear error and returns false on bad input. */
bool shell_parse_u64(const char *word, uint64_t *out);
bool shell_parse_size(const char *word, uint64_t *out); /* 4096, 0x1000, 4K, 2M, 1G */
bool shell_parse_prot(const char *word, unsigned *flags); /* "rw", "rx", "r", "rwx", +"g", +"d" */
const struct shell_env *shell_env(void);

/* Commands (argc counts the words after the name). */
int shell_cmd_meminfo(int argc, char **argv);
int shell_cmd_vmmap(int argc, char **argv);
int shell_cmd_ptdump(int argc, char **argv);
int shell_cmd_walk(int argc, char **argv);
int shell_cmd_translate(int argc, char **argv);
int shell_cmd_map(int argc, char **argv);
int shell_cmd_unmap(int argc, char **argv);
int shell_cmd_protect(int argc, char **argv);
int shell_cmd_touch(int argc, char **argv);
int shell_cmd_scratch(int argc, char **argv);
int shell_cmd_ps(int argc, char **argv);
int shell_cmd_run(int argc, char **argv);
int shell_cmd_spawn(int argc, char **argv);
int shell_cmd_wait(int argc, char **argv);
int shell_cmd_kill(int argc, char **argv);

/* shell_proc.c: the live process whose pid is word (it has a space), or NULL after a
 * clear error; and vmmap's listing of its regions. */
struct proc;
struct proc *shell_proc_arg(const char *word);
void shell_proc_vmmap(struct proc *p);

/* arch/<arch>/features.c: prints which CPU features the VMM uses on this machine (from
 * the CPU's identification registers and what the kernel turned on), for the boot
 * summary. */
void arch_print_cpu_features(void);

/* shell_scratch.c: the scratch range, [*start, *end); false when there is none. */
bool shell_scratch_range(mmk_vaddr_t *start, mmk_vaddr_t *end);

/* shell_mem.c: prints flags as "rwxg wb" (the columns ptdump and vmmap use). */
void shell_print_flags(unsigned flags);
/* A size as "4K", "2M", "1G" or bytes. */
void shell_print_size(uint64_t bytes);

#endif
