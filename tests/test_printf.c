/* SPDX-License-Identifier: BSD-2-Clause */
/* Tests for the kernel's printf engine (lib/printf.c), compiled on the host too. */
#include <mmukit/ktest.h>

#include "printf.h"

static char buf[96];

static bool formats_as(const char *expected)
{
	for (unsigned i = 0;; i++) {
		if (buf[i] != expected[i])
			return false;
		if (!expected[i])
			return true;
	}
}

KTEST(printf, integers)
{
	mmk_snprintf(buf, sizeof(buf), "%d %i %u %d", 42, -7, 3000000000u, 0);
	KEXPECT_TRUE(formats_as("42 -7 3000000000 0"));
	mmk_snprintf(buf, sizeof(buf), "%lld %llu", -9223372036854775807ll - 1,
		     18446744073709551615ull);
	KEXPECT_TRUE(formats_as("-9223372036854775808 18446744073709551615"));
	mmk_snprintf(buf, sizeof(buf), "%lu %zu", 123456789ul, (size_t)99);
	KEXPECT_TRUE(formats_as("123456789 99"));
}

KTEST(printf, hex_width_and_padding)
{
	mmk_snprintf(buf, sizeof(buf), "%x %X %08x %016llx", 0xbeefu, 0xbeefu, 0x1fu,
		     0x123456789abcull);
	KEXPECT_TRUE(formats_as("beef BEEF 0000001f 0000123456789abc"));
	mmk_snprintf(buf, sizeof(buf), "[%5d][%-5d][%-6s][%6s]", 42, 42, "ab", "cd");
	KEXPECT_TRUE(formats_as("[   42][42   ][ab    ][    cd]"));
	mmk_snprintf(buf, sizeof(buf), "%05d", -42);
	KEXPECT_TRUE(formats_as("-0042"));
}

KTEST(printf, strings_chars_pointers_percent)
{
	mmk_snprintf(buf, sizeof(buf), "%s %c %% %s", "hi", 'x', (const char *)0);
	KEXPECT_TRUE(formats_as("hi x % (null)"));
	mmk_snprintf(buf, sizeof(buf), "%p", (void *)0x1234);
	KEXPECT_EQ(buf[0], '0');
	KEXPECT_EQ(buf[1], 'x');
	KEXPECT_EQ(buf[2 + sizeof(void *) * 2 - 1], '4');
	KEXPECT_EQ(buf[2 + sizeof(void *) * 2], '\0');
}

KTEST(printf, decimal_conversion_of_many_values)
{
	/* Every power of ten and its neighbours: the shift-based division by 10. */
	unsigned long long v = 1;
	unsigned bad = 0;
	for (int i = 0; i < 19; i++, v *= 10) {
		for (int d = -1; d <= 1; d++) {
			unsigned long long x = v + (unsigned long long)d;
			mmk_snprintf(buf, sizeof(buf), "%llu", x);
			unsigned long long back = 0;
			for (const char *p = buf; *p; p++)
				back = back * 10 + (unsigned long long)(*p - '0');
			if (back != x)
				bad++;
		}
	}
	KEXPECT_EQ(bad, 0);
}

KTEST(printf, truncates_to_the_buffer_and_returns_the_full_length)
{
	char small[6];
	int n = mmk_snprintf(small, sizeof(small), "%s", "abcdefgh");
	KEXPECT_EQ(n, 8);
	KEXPECT_EQ(small[4], 'e');
	KEXPECT_EQ(small[5], '\0');
	KEXPECT_EQ(mmk_snprintf(small, 0, "xyz"), 3);
}
