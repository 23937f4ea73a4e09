/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for lib/bootargs.c: the arguments file the host hands over
 * through fw_cfg. Good files give back every string byte-exact; each kind of
 * bad file (magic, counts, missing NUL, trailing bytes, limits) is refused
 * with its reason, never read past its end (heap copies sized exactly, ASan).
 */
#include <k/bootargs.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <k/errno.h>

#include <cmocka.h>

/* Parse a heap copy of exactly len bytes. */
static int parse(const char *bytes, size_t len, struct bootargs *ba, const char **why, char **copy)
{
	*copy = malloc(len ? len : 1);
	assert_non_null(*copy);
	memcpy(*copy, bytes, len);
	*why = NULL;
	return bootargs_parse(*copy, len, ba, why);
}

#define FILE_OF(lit) lit, sizeof(lit) - 1 /* a literal's bytes, its own NULs included */

static void test_good_file(void **state)
{
	static const char f[] = "toro-args-1\0" "4\0" "2\0"
				"it's\0" "say \"hi\"\0" "\0" "a\nb\tc \xc3\xa9\0"
				"EMPTY=\0" "NL=x\ny\0";
	struct bootargs ba;
	const char *why, *vec[6];
	char *buf;

	assert_int_equal(parse(FILE_OF(f), &ba, &why, &buf), 0);
	assert_int_equal(ba.argc, 4);
	assert_int_equal(ba.envc, 2);
	bootargs_split(&ba, vec);
	assert_string_equal(vec[0], "it's");
	assert_string_equal(vec[1], "say \"hi\"");
	assert_string_equal(vec[2], "");
	assert_string_equal(vec[3], "a\nb\tc \xc3\xa9");
	assert_string_equal(vec[4], "EMPTY=");
	assert_string_equal(vec[5], "NL=x\ny");
	assert_ptr_equal(ba.end, buf + sizeof(f) - 1);
	free(buf);
}

static void test_nothing_at_all(void **state)
{
	static const char f[] = "toro-args-1\0" "0\0" "0\0";
	struct bootargs ba;
	const char *why;
	char *buf;

	assert_int_equal(parse(FILE_OF(f), &ba, &why, &buf), 0);
	assert_int_equal(ba.argc + ba.envc, 0);
	free(buf);
}

static void expect_refused(const char *bytes, size_t len, int err, const char *reason)
{
	struct bootargs ba;
	const char *why;
	char *buf;

	assert_int_equal(parse(bytes, len, &ba, &why, &buf), err);
	assert_non_null(why);
	assert_non_null(strstr(why, reason));
	free(buf);
}

static void test_bad_magic(void **state)
{
	expect_refused("", 0, -EINVAL, "does not start");
	expect_refused(FILE_OF("toro-args-2\0" "0\0" "0\0"), -EINVAL, "does not start");
	expect_refused(FILE_OF("toro-args-1"), -EINVAL, "does not start"); /* no NUL */
}

static void test_bad_counts(void **state)
{
	expect_refused(FILE_OF("toro-args-1\0"), -EINVAL, "counts");
	expect_refused(FILE_OF("toro-args-1\0" "1\0"), -EINVAL, "counts");
	expect_refused(FILE_OF("toro-args-1\0" "01\0" "0\0" "a\0"), -EINVAL, "counts");
	expect_refused(FILE_OF("toro-args-1\0" "-1\0" "0\0"), -EINVAL, "counts");
	expect_refused(FILE_OF("toro-args-1\0" "\0" "0\0"), -EINVAL, "counts");
	expect_refused(FILE_OF("toro-args-1\0" "1x\0" "0\0" "a\0"), -EINVAL, "counts");
	expect_refused(FILE_OF("toro-args-1\0" "1234567\0" "0\0"), -EINVAL, "counts");
}

static void test_strings_and_counts_disagree(void **state)
{
	expect_refused(FILE_OF("toro-args-1\0" "2\0" "0\0" "a\0"), -EINVAL, "fewer strings");
	expect_refused(FILE_OF("toro-args-1\0" "1\0" "0\0" "abc"), -EINVAL, "without its NUL");
	expect_refused(FILE_OF("toro-args-1\0" "1\0" "0\0" "a\0" "b\0"), -EINVAL, "bytes after");
	expect_refused(FILE_OF("toro-args-1\0" "0\0" "0\0" "x"), -EINVAL, "bytes after");
}

static void test_limits(void **state)
{
	char f[64];
	int n = snprintf(f, sizeof(f), "toro-args-1%c%u%c%u%c", 0, BOOTARGS_MAX_STRINGS, 0, 1u, 0);

	expect_refused(f, (size_t)n, -E2BIG, "more than 65536");
	/* The largest file passes the size check (and then needs its strings). */
	char *big = calloc(BOOTARGS_MAX_BYTES + 1, 1);
	assert_non_null(big);
	memcpy(big, "toro-args-1\0" "1\0" "0\0", 16);
	memset(big + 16, 'x', BOOTARGS_MAX_BYTES - 17);
	struct bootargs ba;
	const char *why, *vec[1];

	assert_int_equal(bootargs_parse(big, BOOTARGS_MAX_BYTES, &ba, &why), 0);
	bootargs_split(&ba, vec);
	assert_int_equal(strlen(vec[0]), BOOTARGS_MAX_BYTES - 17);
	assert_int_equal(bootargs_parse(big, BOOTARGS_MAX_BYTES + 1, &ba, &why), -E2BIG);
	assert_non_null(strstr(why, "1 MiB"));
	free(big);
}

/* 65536 empty strings: the most there may be, each one byte. */
static void test_most_strings(void **state)
{
	size_t head = 12 + 6 + 4, len = head + BOOTARGS_MAX_STRINGS;
	char *f = calloc(len, 1);
	struct bootargs ba;
	const char *why;

	assert_non_null(f);
	memcpy(f, "toro-args-1\0" "65000\0" "536\0", head);
	assert_int_equal(bootargs_parse(f, len, &ba, &why), 0);
	assert_int_equal(ba.argc, 65000);
	assert_int_equal(ba.envc, 536);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_nothing_at_all),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_bad_counts),
		cmocka_unit_test(test_strings_and_counts_disagree),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_most_strings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
