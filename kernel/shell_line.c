/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Reading a command line from the serial console, polled: every byte is echoed, so a
 * piped session reads like a typed one. Editing keys (VT100 / xterm, what a terminal
 * sends through QEMU's -serial stdio):
 *   Backspace / Ctrl-H   delete before the cursor     Delete (ESC [ 3 ~), Ctrl-D  at it
 *   Left / Right, Ctrl-B / Ctrl-F   move              Home / End, Ctrl-A / Ctrl-E
 *   Up / Down            history (last SHELL_HISTORY lines)
 *   Ctrl-U  erase the line   Ctrl-C  abandon it   Ctrl-D on an empty line: end of input
 * Enter is CR or LF; an LF right after a CR is the same line end.
 */
#include <mmukit/services.h>

#include "platform.h"
#include "shell.h"

#define SHELL_HISTORY 16

#define KEY_CTRL(c) ((c) & 0x1F)
#define KEY_ESC 0x1B
#define KEY_DEL 0x7F

/* What an escape sequence meant. */
enum key { KEY_NONE, KEY_UP, KEY_DOWN, KEY_LEFT, KEY_RIGHT, KEY_HOME, KEY_END, KEY_DELETE };

struct line {
	char *buf;
	unsigned size; /* of buf, NUL included */
	unsigned len, cur;
};

static char history[SHELL_HISTORY][SHELL_LINE_MAX];
static unsigned history_count; /* lines ever kept; slot = n % SHELL_HISTORY */
static bool last_was_cr;

static int read_byte(void)
{
	int c;
	while ((c = arch_console_getc()) < 0)
		;
	return c;
}

static void put(char c)
{
	arch_console_putc(c);
}

static void put_str(const char *s)
{
	while (*s)
		put(*s++);
}

static void cursor_back(unsigned n)
{
	while (n--)
		put('\b');
}

/* Redraws from the cursor to the end, erasing `extra` old characters past it. */
static void redraw_tail(const struct line *l, unsigned extra)
{
	for (unsigned i = l->cur; i < l->len; i++)
		put(l->buf[i]);
	for (unsigned i = 0; i < extra; i++)
		put(' ');
	cursor_back(l->len - l->cur + extra);
}

static void insert(struct line *l, char c)
{
	if (l->len + 1 >= l->size) {
		put('\a'); /* full */
		return;
	}
	for (unsigned i = l->len; i > l->cur; i--)
		l->buf[i] = l->buf[i - 1];
	l->buf[l->cur] = c;
	l->len++;
	put(c);
	l->cur++;
	redraw_tail(l, 0);
}

static void delete_at(struct line *l)
{
	if (l->cur >= l->len)
		return;
	for (unsigned i = l->cur; i + 1 < l->len; i++)
		l->buf[i] = l->buf[i + 1];
	l->len--;
	redraw_tail(l, 1);
}

static void backspace(struct line *l)
{
	if (l->cur == 0)
		return;
	l->cur--;
	put('\b');
	delete_at(l);
}

/* Replaces the whole line by s (history), cursor at its end. */
static void replace(struct line *l, const char *s)
{
	unsigned old = l->len;
	cursor_back(l->cur);
	l->len = 0;
	while (s[l->len] && l->len + 1 < l->size) {
		l->buf[l->len] = s[l->len];
		l->len++;
	}
	l->cur = 0;
	redraw_tail(l, old > l->len ? old - l->len : 0);
	for (; l->cur < l->len; l->cur++)
		put(l->buf[l->cur]);
}

static enum key read_escape(void)
{
	int c = read_byte();
	if (c != '[' && c != 'O')
		return KEY_NONE;
	c = read_byte();
	switch (c) {
	case 'A': return KEY_UP;
	case 'B': return KEY_DOWN;
	case 'C': return KEY_RIGHT;
	case 'D': return KEY_LEFT;
	case 'H': return KEY_HOME;
	case 'F': return KEY_END;
	default: break;
	}
	if (c < '0' || c > '9')
		return KEY_NONE;
	int n = c - '0';
	while ((c = read_byte()) >= '0' && c <= '9')
		n = n * 10 + (c - '0');
	if (c != '~')
		return KEY_NONE;
	if (n == 1 || n == 7)
		return KEY_HOME;
	if (n == 4 || n == 8)
		return KEY_END;
	return n == 3 ? KEY_DELETE : KEY_NONE;
}

static void history_add(const char *s)
{
	if (*s == '\0')
		return;
	if (history_count > 0) {
		const char *last = history[(history_count - 1) % SHELL_HISTORY];
		unsigned i = 0;
		while (last[i] && last[i] == s[i])
			i++;
		if (last[i] == s[i])
			return; /* the same as the last one */
	}
	char *slot = history[history_count % SHELL_HISTORY];
	unsigned i = 0;
	for (; s[i] && i + 1 < SHELL_LINE_MAX; i++)
		slot[i] = s[i];
	slot[i] = '\0';
	history_count++;
}

/* Up (dir -1) or down (+1) through history; *pos counts back from the newest (0: the
 * line being typed, which is not kept). */
static void history_move(struct line *l, unsigned *pos, int dir)
{
	unsigned oldest = history_count < SHELL_HISTORY ? history_count : SHELL_HISTORY;
	if (dir < 0 && *pos < oldest)
		(*pos)++;
	else if (dir > 0 && *pos > 0)
		(*pos)--;
	else
		return;
	replace(l, *pos ? history[(history_count - *pos) % SHELL_HISTORY] : "");
}

static void handle_key(struct line *l, enum key k, unsigned *hpos)
{
	switch (k) {
	case KEY_LEFT:
		if (l->cur > 0) {
			l->cur--;
			put('\b');
		}
		break;
	case KEY_RIGHT:
		if (l->cur < l->len)
			put(l->buf[l->cur++]);
		break;
	case KEY_HOME:
		cursor_back(l->cur);
		l->cur = 0;
		break;
	case KEY_END:
		while (l->cur < l->len)
			put(l->buf[l->cur++]);
		break;
	case KEY_UP:
		history_move(l, hpos, -1);
		break;
	case KEY_DOWN:
		history_move(l, hpos, 1);
		break;
	case KEY_DELETE:
		delete_at(l);
		break;
	case KEY_NONE:
		break;
	}
}

/* One byte of input; returns 1 at the line's end, -1 at the end of input, else 0. */
static int handle_byte(struct line *l, int c, unsigned *hpos)
{
	bool after_cr = last_was_cr;
	last_was_cr = c == '\r';
	switch (c) {
	case '\r':
		return 1;
	case '\n':
		return after_cr ? 0 : 1;
	case KEY_CTRL('D'):
		if (l->len == 0)
			return -1;
		delete_at(l);
		return 0;
	case KEY_CTRL('C'):
		put_str("^C");
		l->len = l->cur = 0;
		return 1;
	case KEY_CTRL('H'):
	case KEY_DEL:
		backspace(l);
		return 0;
	case KEY_CTRL('U'):
		replace(l, "");
		return 0;
	case KEY_CTRL('A'):
		handle_key(l, KEY_HOME, hpos);
		return 0;
	case KEY_CTRL('E'):
		handle_key(l, KEY_END, hpos);
		return 0;
	case KEY_CTRL('B'):
		handle_key(l, KEY_LEFT, hpos);
		return 0;
	case KEY_CTRL('F'):
		handle_key(l, KEY_RIGHT, hpos);
		return 0;
	case KEY_ESC:
		handle_key(l, read_escape(), hpos);
		return 0;
	default:
		if (c >= ' ' && c < KEY_DEL)
			insert(l, (char)c);
		else if (c == '\t')
			insert(l, ' ');
		return 0;
	}
}

bool shell_read_line(const char *prompt, char *buf, unsigned size)
{
	struct line l = {.buf = buf, .size = size};
	unsigned hpos = 0;
	mmk_printf("%s", prompt);
	for (;;) {
		int r = handle_byte(&l, read_byte(), &hpos);
		if (r == 0)
			continue;
		buf[l.len] = '\0';
		mmk_printf("\n");
		if (r < 0)
			return false;
		history_add(buf);
		return true;
	}
}
