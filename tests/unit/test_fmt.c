/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for lib/fmt.c: every conversion, flag, width, precision and
 * length modifier is compared with the host's snprintf, including the return
 * value and truncation to every small buffer size.
 */
#include <k/fmt.h>

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static unsigned long checks;
static bool full_sweep = true;	/* every n, or only the interesting ones */

static bool sweep_n(size_t n, int len)
{
	return full_sweep || n < 3 || n == (size_t)len / 2 || n + 1 >= (size_t)len;
}

/* Compare fmt_vsnprintf with vsnprintf for this format, for n = 0..len+2 and a big n. */
static void __attribute__((format(printf, 1, 2))) check(const char *fmt, ...)
{
	char want[1024], got[1024];
	va_list ap, aq;
	int wn, gn;

	va_start(ap, fmt);
	va_copy(aq, ap);
	wn = vsnprintf(want, sizeof(want), fmt, aq);
	va_end(aq);
	va_copy(aq, ap);
	gn = fmt_vsnprintf(got, sizeof(got), fmt, aq);
	va_end(aq);
	if (gn != wn || strcmp(got, want) != 0)
		fail_msg("format \"%s\": got %d \"%s\", want %d \"%s\"", fmt, gn, got, wn, want);

	for (size_t n = 0; n <= (size_t)wn + 2 && n < sizeof(want); n++) {
		char tw[1024], tg[1024];

		if (!sweep_n(n, wn))
			continue;
		memset(tw, 'W', sizeof(tw));
		memset(tg, 'W', sizeof(tg));
		va_copy(aq, ap);
		wn = vsnprintf(tw, n, fmt, aq);
		va_end(aq);
		va_copy(aq, ap);
		gn = fmt_vsnprintf(tg, n, fmt, aq);
		va_end(aq);
		if (gn != wn || memcmp(tg, tw, n + 1) != 0)
			fail_msg("format \"%s\" n=%zu: got %d \"%.*s\", want %d \"%.*s\"", fmt, n,
				 gn, (int)n, tg, wn, (int)n, tw);
	}
	va_end(ap);
	checks++;
}

static const int64_t values[] = {
	0, 1, -1, 7, -7, 8, 9, 10, 15, 16, 42, -42, 99, 100, 127, 128, -128, -129, 255, 256,
	1000, 4095, 4096, 32767, 32768, -32768, -32769, 65535, 65536, 123456789, -123456789,
	INT32_MAX, INT32_MIN, (int64_t)UINT32_MAX, (int64_t)UINT32_MAX + 1,
	0x123456789abcdefll, -0x123456789abcdefll, INT64_MAX, INT64_MIN, INT64_MIN + 1,
	(int64_t)0xdeadbeefcafef00dull,
};

/* The value passed with the type the length modifier asks for. */
static void check_len(const char *f, const char *len, int64_t v)
{
	if (strcmp(len, "l") == 0)
		check(f, (long)v);
	else if (strcmp(len, "ll") == 0)
		check(f, (long long)v);
	else if (strcmp(len, "z") == 0)
		check(f, (size_t)v);
	else if (strcmp(len, "t") == 0)
		check(f, (ptrdiff_t)v);
	else if (strcmp(len, "j") == 0)
		check(f, (intmax_t)v);
	else
		check(f, (int)v);
}

static void test_integers_match_host(void **state)
{
	static const char *flags[] = { "", "-", "0", "+", " ", "#", "-0", "+0", "- ",
				       "#0", "-#", "+ ", "0#-+ " };
	static const char *widths[] = { "", "1", "7", "25" };
	static const char *precs[] = { "", ".", ".0", ".1", ".5", ".22" };
	static const char *lens[] = { "hh", "h", "", "l", "ll", "z", "t", "j" };
	static const char convs[] = "diuxXo";
	char f[64];

	full_sweep = false;
	for (size_t a = 0; a < sizeof(flags) / sizeof(flags[0]); a++)
	for (size_t b = 0; b < sizeof(widths) / sizeof(widths[0]); b++)
	for (size_t c = 0; c < sizeof(precs) / sizeof(precs[0]); c++)
	for (size_t d = 0; d < sizeof(lens) / sizeof(lens[0]); d++)
	for (size_t e = 0; convs[e]; e++) {
		snprintf(f, sizeof(f), "[%%%s%s%s%s%c]", flags[a], widths[b], precs[c],
			 lens[d], convs[e]);
		for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
			check_len(f, lens[d], values[i]);
	}
	full_sweep = true;
	assert_true(checks > 100000);
}

static void test_extremes(void **state)
{
	check("%lld %lld", (long long)INT64_MIN, (long long)INT64_MAX);
	check("%llu %llx %llo", (unsigned long long)UINT64_MAX, (unsigned long long)UINT64_MAX,
	      (unsigned long long)UINT64_MAX);
	check("%d %d %u", INT_MIN, INT_MAX, UINT_MAX);
	check("%hhd %hhu %hd %hu", -128, 255, -32768, 65535);
	check("%hhd %hhu %hd %hu", 0x1ff, 0x1ff, 0x1ffff, 0x1ffff);	/* truncated to the type */
	check("%jd %zd %td", (intmax_t)INT64_MIN, (ssize_t)-5, (ptrdiff_t)INT64_MIN);
	check("%+.0d|% .0d|%.0d|%#.0x|%#.0o|%5.0d|", 0, 0, 0, 0, 0, 0);
	check("%#x %#X %#o %#o", 0, 0, 0, 8);
	check("%-#20.15llx|%0#20llx|%#020llo", 0xabcULL, 0xabcULL, 0777ULL);
}

static void test_star_width_precision(void **state)
{
	check("[%*d]", 8, 42);
	check("[%*d]", -8, 42);
	check("[%-*d]", -8, 42);
	check("[%.*d]", 6, 42);
	check("[%.*d]", -3, 42);	/* negative precision: as if none */
	const char *zero_star = "[%0*.*d]";	/* '0' applies: the precision is negative */

	check(zero_star, 10, -1, -42);
	check("[%*.*s]", 10, 3, "abcdef");
	check("[%*.*s]", -10, 3, "abcdef");
	check("[%*c]", 4, 'x');
	check("[%*x|%*o]", 12, 0xbeef, -12, 0755);
}

static void test_strings_and_chars(void **state)
{
	static const char *strs[] = { "", "a", "hello", "hello world, a longer string" };
	static const char *specs[] = { "%s", "%10s", "%-10s", "%.0s", "%.3s", "%10.3s",
				       "%-10.3s", "%.40s", "%1s", "%05s" };

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		for (size_t j = 0; j < sizeof(specs) / sizeof(specs[0]); j++)
			check(specs[j], strs[i]);
	check("%c%c%c", 'a', 'Z', '~');
	check("[%5c|%-5c|%1c]", 'a', 'b', 'c');
	check("[%c]", 0);	/* a NUL character is still output and counted */
	check("%c", 200);
	check("no conversion at all");
	const char *empty = "", *pct_width = "100%% [%%] %5%";

	check(empty);
	check(pct_width);
	check("%s and %s", "this", "that");
}

static void test_pointers(void **state)
{
	int x;
	void *ptrs[] = { &x, (void *)0x1000, (void *)0xffffffff80000000ul, (void *)UINTPTR_MAX,
			 (void *)1 };

	for (size_t i = 0; i < sizeof(ptrs) / sizeof(ptrs[0]); i++) {
		check("%p", ptrs[i]);
		check("[%20p]", ptrs[i]);
		check("[%-20p]", ptrs[i]);
	}
	check("%p", NULL);
	check("[%10p]", NULL);
}

static void test_long_output(void **state)
{
	char big[4096];
	int n;

	check("%300d|%-300s|", 5, "x");
	n = fmt_snprintf(big, sizeof(big), "%2000d%2000d", 1, 2);
	assert_int_equal(n, 4000);
	assert_int_equal(strlen(big), 4000);
	n = fmt_snprintf(big, 10, "%2000d", 1);
	assert_int_equal(n, 2000);
	assert_string_equal(big, "         ");
}

static void test_n_zero_and_null_buffer(void **state)
{
	char buf[4] = "xyz";

	assert_int_equal(fmt_snprintf(NULL, 0, "%d-%s", 12345, "abc"), 9);
	assert_int_equal(fmt_snprintf(buf, 0, "%d", 12345), 5);
	assert_string_equal(buf, "xyz");	/* untouched */
	assert_int_equal(fmt_snprintf(buf, 1, "%d", 12345), 5);
	assert_string_equal(buf, "");
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%d", 12345), 5);
	assert_string_equal(buf, "123");
}

static void test_unknown_conversion_verbatim(void **state)
{
	char buf[64];
	const char *f1 = "a%qb", *f2 = "end%", *f3 = "%-5yz", *f4 = "%lq";

	assert_int_equal(fmt_snprintf(buf, sizeof(buf), f1, 1), 4);
	assert_string_equal(buf, "a%qb");
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), f2), 4);
	assert_string_equal(buf, "end%");
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), f3), 5);
	assert_string_equal(buf, "%-5yz");
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), f4), 3);
	assert_string_equal(buf, "%lq");
}

struct collect {
	char buf[256];
	size_t len;
	int calls;
};

static void collect_out(void *ctx, const char *s, size_t len)
{
	struct collect *c = ctx;

	assert_true(c->len + len < sizeof(c->buf));
	memcpy(c->buf + c->len, s, len);
	c->len += len;
	c->calls++;
}

static int vformat(struct collect *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vformat(collect_out, c, fmt, ap);
	va_end(ap);
	return n;
}

static void test_callback_form(void **state)
{
	struct collect c = { .len = 0 };
	char want[256];
	int wn = snprintf(want, sizeof(want), "cpu%d: %-8s|%#018lx|%40s", 3, "ok", 0xfee00000ul, "!");
	int n = vformat(&c, "cpu%d: %-8s|%#018lx|%40s", 3, "ok", 0xfee00000ul, "!");

	assert_int_equal(n, wn);
	assert_int_equal(c.len, (size_t)wn);
	assert_memory_equal(c.buf, want, c.len);
	assert_true(c.calls > 1);

	c.len = 0;
	c.calls = 0;
	assert_int_equal(vformat(&c, ""), 0);
	assert_int_equal(c.calls, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_integers_match_host),
		cmocka_unit_test(test_extremes),
		cmocka_unit_test(test_star_width_precision),
		cmocka_unit_test(test_strings_and_chars),
		cmocka_unit_test(test_pointers),
		cmocka_unit_test(test_long_output),
		cmocka_unit_test(test_n_zero_and_null_buffer),
		cmocka_unit_test(test_unknown_conversion_verbatim),
		cmocka_unit_test(test_callback_form),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
