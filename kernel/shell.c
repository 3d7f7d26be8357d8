/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The demo kernel's shell: a command table, the words of a line, and the loop
 * (kernel/shell.h). Errors are printed as "error: ..." and the shell goes on; only
 * `halt` or the end of input ends it.
 */
#include <mmukit/kbench.h>
#include <mmukit/services.h>

#include "platform.h"
#include "shell.h"

struct shell_command {
	const char *name;
	const char *usage; /* the arguments */
	const char *help;
	int (*run)(int argc, char **argv);
	int min_args, max_args;
};

static int cmd_help(int argc, char **argv);
static int cmd_bench(int argc, char **argv);
static int cmd_halt(int argc, char **argv);

/* Every command; `help` lists them in this order. */
static const struct shell_command commands[] = {
	{"help", "[COMMAND]", "list the commands, or explain one", cmd_help, 0, 1},
	{"meminfo", "", "physical memory: PMM totals, free blocks by order, heap, table pages",
	 shell_cmd_meminfo, 0, 0},
	{"vmmap", "[PID]", "the regions of the kernel space, or of process PID: range, size, protection, kind, pages",
	 shell_cmd_vmmap, 0, 1},
	{"ptdump", "[START END] [PID]", "the page tables (kernel's, or PID's user half) as ranges with page size and flags",
	 shell_cmd_ptdump, 0, 3},
	{"walk", "ADDR [PID]", "the table walk for ADDR (in PID's space), each level's entry decoded",
	 shell_cmd_walk, 1, 2},
	{"translate", "ADDR", "the physical address ADDR maps to, with page size and flags",
	 shell_cmd_translate, 1, 1},
	{"scratch", "", "where map/unmap/protect/touch may work, and what is mapped there",
	 shell_cmd_scratch, 0, 0},
	{"map", "ADDR SIZE [PROT]", "map fresh frames at ADDR in the scratch range (PROT: r w x, g global, d device; default rw)",
	 shell_cmd_map, 2, 3},
	{"unmap", "ADDR SIZE", "unmap a range of the scratch range, frames back to the PMM",
	 shell_cmd_unmap, 2, 2},
	{"protect", "ADDR SIZE PROT", "change the protection of a mapped scratch range",
	 shell_cmd_protect, 3, 3},
	{"touch", "ADDR [r|w]", "read (or write) the word at ADDR through the MMU",
	 shell_cmd_touch, 1, 2},
	{"ps", "", "the processes: pid, parent, state, program, resident pages, table pages",
	 shell_cmd_ps, 0, 0},
	{"run", "[PROGRAM]", "run a user program and wait for it (it runs, and the others); no PROGRAM: list them",
	 shell_cmd_run, 0, 2},
	{"spawn", "PROGRAM", "start a user program without running it yet (it runs during the next run or wait)",
	 shell_cmd_spawn, 1, 1},
	{"wait", "PID", "run the processes until PID (started by the shell) ends; say how it ended",
	 shell_cmd_wait, 1, 1},
	{"kill", "PID", "end process PID (its children go on, as the kernel's)", shell_cmd_kill, 1,
	 1},
	{"bench", "", "run the in-kernel benchmarks", cmd_bench, 0, 0},
	{"halt", "", "stop the machine (QEMU exits with status 0)", cmd_halt, 0, 0},
};

#define COMMAND_COUNT (sizeof(commands) / sizeof(commands[0]))

static const struct shell_env *the_env;

const struct shell_env *shell_env(void)
{
	return the_env;
}

static bool same(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

static const struct shell_command *find(const char *name)
{
	for (unsigned i = 0; i < COMMAND_COUNT; i++)
		if (same(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static void print_usage(const struct shell_command *c)
{
	mmk_printf("usage: %s%s%s\n", c->name, c->usage[0] ? " " : "", c->usage);
}

static int cmd_help(int argc, char **argv)
{
	if (argc == 1) {
		const struct shell_command *c = find(argv[0]);
		if (!c) {
			mmk_printf("error: no command '%s' (try 'help')\n", argv[0]);
			return 1;
		}
		print_usage(c);
		mmk_printf("  %s\n", c->help);
		return 0;
	}
	mmk_printf("commands (numbers: decimal or 0x hex; sizes may end in K, M or G):\n");
	for (unsigned i = 0; i < COMMAND_COUNT; i++) {
		char left[48];
		unsigned n = 0;
		for (const char *s = commands[i].name; *s && n < sizeof(left) - 1; s++)
			left[n++] = *s;
		if (commands[i].usage[0] && n < sizeof(left) - 1)
			left[n++] = ' ';
		for (const char *s = commands[i].usage; *s && n < sizeof(left) - 1; s++)
			left[n++] = *s;
		left[n] = '\0';
		mmk_printf("  %-28s %s\n", left, commands[i].help);
	}
	mmk_printf("keys: left/right, home/end, backspace/delete, up/down for history, "
		   "Ctrl-U erases, Ctrl-D on an empty line ends the session\n");
	return 0;
}

static int cmd_bench(int argc, char **argv)
{
	unsigned n = kbench_run_all();
	mmk_printf("%u benchmarks\n", n);
	return 0;
}

static int cmd_halt(int argc, char **argv)
{
	mmk_printf("halting\n");
	arch_exit(0);
}

/* ------------------------------------------------------------ parsing */

static int digit_value(char c, unsigned base)
{
	int v = -1;
	if (c >= '0' && c <= '9')
		v = c - '0';
	else if (c >= 'a' && c <= 'f')
		v = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		v = c - 'A' + 10;
	return v >= 0 && (unsigned)v < base ? v : -1;
}

/* Parses the number at the start of word; *end is where it stopped. */
static bool parse_number(const char *word, uint64_t *out, const char **end)
{
	unsigned base = 10;
	const char *p = word;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	uint64_t v = 0;
	const char *digits = p;
	for (; *p && (*p != '_' || base == 16); p++) {
		if (*p == '_')
			continue; /* 0xffff_8000_0000_0000 */
		int d = digit_value(*p, base);
		if (d < 0)
			break;
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			return false; /* overflow */
		v = v * base + (uint64_t)d;
	}
	*out = v;
	*end = p;
	return p != digits;
}

bool shell_parse_u64(const char *word, uint64_t *out)
{
	const char *end;
	if (!parse_number(word, out, &end) || *end != '\0') {
		mmk_printf("error: '%s' is not a number (decimal, or hex with 0x)\n", word);
		return false;
	}
	return true;
}

bool shell_parse_size(const char *word, uint64_t *out)
{
	const char *end;
	uint64_t v;
	if (!parse_number(word, &v, &end))
		goto bad;
	unsigned shift = 0;
	if (*end == 'K' || *end == 'k')
		shift = 10;
	else if (*end == 'M' || *end == 'm')
		shift = 20;
	else if (*end == 'G' || *end == 'g')
		shift = 30;
	if (shift)
		end++;
	if (*end != '\0' || (shift && v > (UINT64_MAX >> shift)))
		goto bad;
	*out = v << shift;
	return true;
bad:
	mmk_printf("error: '%s' is not a size (4096, 0x1000, 4K, 2M, 1G)\n", word);
	return false;
}

/* ------------------------------------------------------------ the loop */

/* Splits line into words in place; returns how many (at most max). */
static int split(char *line, char **words, int max)
{
	int n = 0;
	char *p = line;
	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			return n;
		if (n == max)
			return max + 1; /* too many */
		words[n++] = p;
		while (*p && *p != ' ')
			p++;
		if (*p)
			*p++ = '\0';
	}
}

static void execute(char *line)
{
	char *words[SHELL_ARGS_MAX + 1];
	int n = split(line, words, SHELL_ARGS_MAX + 1);
	if (n == 0 || words[0][0] == '#')
		return; /* blank line or comment */
	const struct shell_command *c = find(words[0]);
	if (!c) {
		mmk_printf("error: unknown command '%s' (try 'help')\n", words[0]);
		return;
	}
	int argc = n - 1;
	if (n > SHELL_ARGS_MAX + 1 || argc < c->min_args || argc > c->max_args) {
		mmk_printf("error: %s takes %s%s\n", c->name, c->usage[0] ? "" : "no arguments",
			   c->usage);
		print_usage(c);
		return;
	}
	c->run(argc, words + 1);
}

int shell_run(const struct shell_env *env)
{
	char line[SHELL_LINE_MAX];
	the_env = env;
	mmk_printf("Type 'help' for the commands.\n");
	while (shell_read_line("mmukit> ", line, sizeof(line)))
		execute(line);
	mmk_printf("end of input\n");
	return 0;
}
