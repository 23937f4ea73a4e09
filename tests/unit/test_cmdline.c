/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for lib/cmdline.c: splitting a kernel command line into kernel
 * options, environment and application arguments; quoting; "--"; overflow;
 * option lookup and iteration; number parsing; virtio_mmio.device= words.
 */
#include <k/cmdline.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <k/errno.h>

#include <cmocka.h>

/* Parse a heap copy sized exactly, so ASan sees any write past its end. */
static int parse(struct cmdline *cl, char **buf, const char *text)
{
	*buf = strdup(text);
	assert_non_null(*buf);
	return cmdline_parse(cl, *buf);
}

static void assert_inside(const char *buf, size_t size, const char *p)
{
	assert_true(p >= buf && p < buf + size);
	assert_non_null(memchr(p, '\0', size - (size_t)(p - buf)));
}

static void test_split_options_env_args(void **state)
{
	struct cmdline cl;
	char *buf;
	const char *text = "console=ttyS0 toro.ip=10.0.2.15/24 quiet HOME=/root "
			   "PATH=/bin:/usr/bin _UNDERSCORE=1 -- -v --port 8080";

	assert_int_equal(parse(&cl, &buf, text), 0);
	assert_int_equal(cl.optc, 3);
	assert_string_equal(cl.opts[0], "console=ttyS0");
	assert_string_equal(cl.opts[1], "toro.ip=10.0.2.15/24");
	assert_string_equal(cl.opts[2], "quiet");
	assert_int_equal(cl.envc, 3);
	assert_string_equal(cl.envp[0], "HOME=/root");
	assert_string_equal(cl.envp[1], "PATH=/bin:/usr/bin");
	assert_string_equal(cl.envp[2], "_UNDERSCORE=1");
	assert_null(cl.envp[3]);
	assert_int_equal(cl.argc, 3);
	assert_string_equal(cl.argv[0], "-v");
	assert_string_equal(cl.argv[1], "--port");
	assert_string_equal(cl.argv[2], "8080");
	assert_null(cl.argv[3]);
	for (int i = 0; i < cl.argc; i++)
		assert_inside(buf, strlen(text) + 1, cl.argv[i]);
	free(buf);
}

static void test_classification(void **state)
{
	struct cmdline cl;
	char *buf;

	assert_int_equal(parse(&cl, &buf, "virtio_mmio.device=512@0xd0000000:5 Foo.bar=1 "
				      "lower=1 =x X Upper=  A=b=c toro.cpus=2 9X=1"), 0);
	assert_int_equal(cl.optc, 7);
	assert_string_equal(cl.opts[0], "virtio_mmio.device=512@0xd0000000:5");
	assert_string_equal(cl.opts[1], "Foo.bar=1");	/* a dot in the key: kernel */
	assert_string_equal(cl.opts[2], "lower=1");
	assert_string_equal(cl.opts[3], "=x");
	assert_string_equal(cl.opts[4], "X");		/* no '=': kernel */
	assert_string_equal(cl.opts[5], "toro.cpus=2");
	assert_string_equal(cl.opts[6], "9X=1");
	assert_int_equal(cl.envc, 2);
	assert_string_equal(cl.envp[0], "Upper=");
	assert_string_equal(cl.envp[1], "A=b=c");
	assert_int_equal(cl.argc, 0);
	assert_null(cl.argv[0]);
	free(buf);
}

static void test_quotes(void **state)
{
	struct cmdline cl;
	char *buf;

	assert_int_equal(parse(&cl, &buf, "MSG=\"hello  world\" toro.name=\"a b\" "
				      "-- \"a b\" c\"d e\"f \"\" \"--\" x\"\"y"), 0);
	assert_int_equal(cl.envc, 1);
	assert_string_equal(cl.envp[0], "MSG=hello  world");
	assert_int_equal(cl.optc, 1);
	assert_string_equal(cl.opts[0], "toro.name=a b");
	assert_int_equal(cl.argc, 5);
	assert_string_equal(cl.argv[0], "a b");
	assert_string_equal(cl.argv[1], "cd ef");
	assert_string_equal(cl.argv[2], "");	/* "" is an empty argument */
	assert_string_equal(cl.argv[3], "--");
	assert_string_equal(cl.argv[4], "xy");
	free(buf);

	/* An unterminated quote runs to the end of the line. */
	assert_int_equal(parse(&cl, &buf, "A=\"x y -- z"), 0);
	assert_int_equal(cl.envc, 1);
	assert_string_equal(cl.envp[0], "A=x y -- z");
	assert_int_equal(cl.argc, 0);
	free(buf);

	/* A quoted "--" is an ordinary word, not the separator. */
	assert_int_equal(parse(&cl, &buf, "\"--\" a"), 0);
	assert_int_equal(cl.argc, 0);
	assert_int_equal(cl.optc, 2);
	assert_string_equal(cl.opts[0], "--");
	free(buf);
}

static void test_separator(void **state)
{
	struct cmdline cl;
	char *buf;

	assert_int_equal(parse(&cl, &buf, "-- a -- B=1 toro.x --"), 0);
	assert_int_equal(cl.optc, 0);
	assert_int_equal(cl.envc, 0);
	assert_int_equal(cl.argc, 5);
	assert_string_equal(cl.argv[0], "a");
	assert_string_equal(cl.argv[1], "--");
	assert_string_equal(cl.argv[2], "B=1");	/* after "--" everything is an argument */
	assert_string_equal(cl.argv[3], "toro.x");
	assert_string_equal(cl.argv[4], "--");
	free(buf);

	assert_int_equal(parse(&cl, &buf, "quiet --"), 0);
	assert_int_equal(cl.optc, 1);
	assert_int_equal(cl.argc, 0);
	free(buf);

	assert_int_equal(parse(&cl, &buf, "quiet ---x --x"), 0);
	assert_int_equal(cl.optc, 3);
	assert_int_equal(cl.argc, 0);
	free(buf);
}

static void test_blanks_and_empty(void **state)
{
	struct cmdline cl;
	char *buf;

	assert_int_equal(parse(&cl, &buf, " \t\r\n  a\t\tB=1\n--\r\n x  "), 0);
	assert_int_equal(cl.optc, 1);
	assert_string_equal(cl.opts[0], "a");
	assert_int_equal(cl.envc, 1);
	assert_string_equal(cl.envp[0], "B=1");
	assert_int_equal(cl.argc, 1);
	assert_string_equal(cl.argv[0], "x");
	free(buf);

	assert_int_equal(parse(&cl, &buf, ""), 0);
	assert_int_equal(cl.optc + cl.envc + cl.argc, 0);
	assert_null(cl.argv[0]);
	assert_null(cl.envp[0]);
	free(buf);

	assert_int_equal(parse(&cl, &buf, "   \t  "), 0);
	assert_int_equal(cl.optc + cl.envc + cl.argc, 0);
	free(buf);

	assert_int_equal(cmdline_parse(&cl, NULL), 0);
	assert_int_equal(cl.optc + cl.envc + cl.argc, 0);
	assert_null(cl.argv[0]);
}

/* n words made by fmt (taking the index), optionally after a prefix. */
static char *make_words(const char *prefix, const char *fmt, int n)
{
	size_t cap = strlen(prefix) + (size_t)n * 32 + 1;
	char *s = malloc(cap);
	size_t len;

	assert_non_null(s);
	len = (size_t)snprintf(s, cap, "%s", prefix);
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(s + len, cap - len, fmt, i);
	return s;
}

static void test_overflow_args(void **state)
{
	struct cmdline cl;
	char *text = make_words("quiet V=1 --", " arg%d", CMDLINE_MAX_ARGS + 6);
	char *buf;
	char want[32];

	assert_int_equal(parse(&cl, &buf, text), -E2BIG);
	assert_int_equal(cl.argc, CMDLINE_MAX_ARGS);
	assert_null(cl.argv[CMDLINE_MAX_ARGS]);
	for (int i = 0; i < cl.argc; i++) {
		snprintf(want, sizeof(want), "arg%d", i);
		assert_string_equal(cl.argv[i], want);	/* the first ones are kept */
	}
	assert_int_equal(cl.optc, 1);
	assert_int_equal(cl.envc, 1);
	free(buf);
	free(text);

	/* Exactly the maximum fits. */
	text = make_words("--", " a%d", CMDLINE_MAX_ARGS);
	assert_int_equal(parse(&cl, &buf, text), 0);
	assert_int_equal(cl.argc, CMDLINE_MAX_ARGS);
	free(buf);
	free(text);
}

static void test_overflow_env_and_opts(void **state)
{
	struct cmdline cl;
	char *text = make_words("", "E%d=x ", CMDLINE_MAX_ENV + 1);
	char *buf;

	assert_int_equal(parse(&cl, &buf, text), -E2BIG);
	assert_int_equal(cl.envc, CMDLINE_MAX_ENV);
	assert_string_equal(cl.envp[0], "E0=x");
	assert_string_equal(cl.envp[CMDLINE_MAX_ENV - 1], "E63=x");
	assert_null(cl.envp[CMDLINE_MAX_ENV]);
	free(buf);
	free(text);

	/* Too many kernel words: the rest of the line is still split. */
	text = make_words("", "o%d ", CMDLINE_MAX_OPTS + 10);
	char *full = malloc(strlen(text) + 32);
	assert_non_null(full);
	strcpy(full, text);
	strcat(full, "HOME=/ -- app");
	assert_int_equal(parse(&cl, &buf, full), -E2BIG);
	assert_int_equal(cl.optc, CMDLINE_MAX_OPTS);
	assert_string_equal(cl.opts[CMDLINE_MAX_OPTS - 1], "o31");
	assert_int_equal(cl.envc, 1);
	assert_int_equal(cl.argc, 1);
	assert_string_equal(cl.argv[0], "app");
	free(buf);
	free(full);
	free(text);
}

static void test_opt_lookup(void **state)
{
	struct cmdline cl;
	char *buf;

	assert_int_equal(parse(&cl, &buf, "toro.ip=10.0.0.1 quiet toro.ipx=9 toro.ip=10.0.0.2 "
				      "toro.gw= HOME=/ -- toro.dns=1"), 0);
	assert_string_equal(cmdline_opt(&cl, "toro.ip"), "10.0.0.2");	/* last wins */
	assert_string_equal(cmdline_opt(&cl, "toro.ipx"), "9");
	assert_string_equal(cmdline_opt(&cl, "quiet"), "");
	assert_string_equal(cmdline_opt(&cl, "toro.gw"), "");
	assert_null(cmdline_opt(&cl, "toro.i"));
	assert_null(cmdline_opt(&cl, "toro.dns"));	/* an app argument, not an option */
	assert_null(cmdline_opt(&cl, "HOME"));		/* environment, not an option */
	assert_null(cmdline_opt(&cl, "missing"));
	assert_null(cmdline_opt(&cl, NULL));
	free(buf);
}

static void test_parse_u64(void **state)
{
	static const struct {
		const char *s;
		int ret;
		unsigned long long v;
	} cases[] = {
		{ "0", 0, 0 },
		{ "7", 0, 7 },
		{ "0010", 0, 10 },
		{ "123456789", 0, 123456789 },
		{ "18446744073709551615", 0, UINT64_MAX },
		{ "18446744073709551616", -ERANGE, 0 },
		{ "99999999999999999999999", -ERANGE, 0 },
		{ "0x0", 0, 0 },
		{ "0x10", 0, 16 },
		{ "0XfF", 0, 255 },
		{ "0xd0000000", 0, 0xd0000000ull },
		{ "0xffffffffffffffff", 0, UINT64_MAX },
		{ "0x10000000000000000", -ERANGE, 0 },
		{ "", -EINVAL, 0 },
		{ "0x", -EINVAL, 0 },
		{ "x10", -EINVAL, 0 },
		{ "12a", -EINVAL, 0 },
		{ "0x1g", -EINVAL, 0 },
		{ "-1", -EINVAL, 0 },
		{ "+1", -EINVAL, 0 },
		{ " 1", -EINVAL, 0 },
		{ "1 ", -EINVAL, 0 },
		{ "1k", -EINVAL, 0 },
		{ "99999999999999999999999z", -EINVAL, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned long long v = 0xabcdefull;
		int ret = cmdline_parse_u64(cases[i].s, &v);

		if (ret != cases[i].ret)
			fail_msg("\"%s\": returned %d, want %d", cases[i].s, ret, cases[i].ret);
		assert_int_equal(v, ret == 0 ? cases[i].v : 0xabcdefull);	/* untouched on error */
	}
	unsigned long long v;
	assert_int_equal(cmdline_parse_u64(NULL, &v), -EINVAL);
}

static void test_next_opt(void **state)
{
	struct cmdline cl;
	char *buf;
	int pos = 0;

	assert_int_equal(parse(&cl, &buf, "virtio_mmio.device=1@2:3 quiet virtio_mmio.devicex=9 "
				      "virtio_mmio.device virtio_mmio.device=4K@0x10:5 HOME=/ "
				      "-- virtio_mmio.device=app x"), 0);
	assert_string_equal(cmdline_next_opt(&cl, "virtio_mmio.device", &pos), "1@2:3");
	assert_string_equal(cmdline_next_opt(&cl, "virtio_mmio.device", &pos), "");
	assert_string_equal(cmdline_next_opt(&cl, "virtio_mmio.device", &pos), "4K@0x10:5");
	assert_null(cmdline_next_opt(&cl, "virtio_mmio.device", &pos));
	assert_null(cmdline_next_opt(&cl, "virtio_mmio.device", &pos));	/* stays at the end */
	pos = 0;
	assert_null(cmdline_next_opt(&cl, "missing", &pos));
	assert_int_equal(pos, cl.optc);
	pos = -1;
	assert_null(cmdline_next_opt(&cl, "quiet", &pos));
	pos = 0;
	assert_null(cmdline_next_opt(&cl, NULL, &pos));
	free(buf);
}

/* QEMU microvm appends its words after ours, so after "--". */
static void test_vmm_words_after_separator(void **state)
{
	struct cmdline cl;
	char *buf;
	int pos = 0;

	assert_int_equal(parse(&cl, &buf, "toro.debug -- world virtio_mmio.device=x end "
				      "virtio_mmio.device=512@0xfeb00e00:12 "
				      "virtio_mmio.device=512@0xfeb00c00:11"), 0);
	assert_int_equal(cl.argc, 3);	/* a program argument followed by others stays */
	assert_string_equal(cl.argv[0], "world");
	assert_string_equal(cl.argv[1], "virtio_mmio.device=x");
	assert_string_equal(cl.argv[2], "end");
	assert_null(cl.argv[3]);
	assert_int_equal(cl.optc, 3);
	assert_string_equal(cmdline_next_opt(&cl, "virtio_mmio.device", &pos), "512@0xfeb00e00:12");
	assert_string_equal(cmdline_next_opt(&cl, "virtio_mmio.device", &pos), "512@0xfeb00c00:11");
	free(buf);

	assert_int_equal(parse(&cl, &buf, "-- virtio_mmio.device=1@2:3"), 0);
	assert_int_equal(cl.argc, 0);
	assert_null(cl.argv[0]);
	assert_int_equal(cl.optc, 1);
	free(buf);

	/* No room among the options: -E2BIG, and the word is no argument either. */
	char *text = make_words("", "o%d ", CMDLINE_MAX_OPTS);
	char *full = malloc(strlen(text) + 64);
	assert_non_null(full);
	strcpy(full, text);
	strcat(full, "-- a virtio_mmio.device=1@2:3");
	assert_int_equal(parse(&cl, &buf, full), -E2BIG);
	assert_int_equal(cl.optc, CMDLINE_MAX_OPTS);
	assert_int_equal(cl.argc, 1);
	assert_null(cl.argv[1]);
	free(buf);
	free(full);
	free(text);
}

static void test_virtio_mmio_word(void **state)
{
	static const struct {
		const char *s;
		int ret;
		uint64_t base, size;
		unsigned irq;
	} cases[] = {
		{ "512@0xfeb00e00:12", 0, 0xfeb00e00, 512, 12 },
		{ "4K@0xd0000000:5", 0, 0xd0000000, 4096, 5 },
		{ "4k@0xd0000000:5:3", 0, 0xd0000000, 4096, 5 },
		{ "1M@4096:0x10", 0, 4096, 1 << 20, 16 },
		{ "1G@0x40000000:255", 0, 0x40000000, 1ull << 30, 255 },
		{ "0x200@0xfeb00000:5", 0, 0xfeb00000, 0x200, 5 },
		{ "512@0xfeb00e00:256", -EINVAL, 0, 0, 0 },
		{ "0@0xfeb00e00:12", -EINVAL, 0, 0, 0 },
		{ "512@0xfeb00e00", -EINVAL, 0, 0, 0 },
		{ "512:12", -EINVAL, 0, 0, 0 },
		{ "@0x1000:1", -EINVAL, 0, 0, 0 },
		{ "512@:1", -EINVAL, 0, 0, 0 },
		{ "512@0x1000:", -EINVAL, 0, 0, 0 },
		{ "512@0x1000:1:", -EINVAL, 0, 0, 0 },
		{ "512@0x1000:1:x", -EINVAL, 0, 0, 0 },
		{ "K@0x1000:1", -EINVAL, 0, 0, 0 },
		{ "4T@0x1000:1", -EINVAL, 0, 0, 0 },
		{ "16G@0xffffffffffff0000:1", -EINVAL, 0, 0, 0 },	/* wraps */
		{ "4K@0x10000000000000:1", -EINVAL, 0, 0, 0 },	/* above 2^52 */
		{ "17179869184G@0:1", -EINVAL, 0, 0, 0 },	/* the shift overflows */
		{ "512@0xfeb00e00:12 ", -EINVAL, 0, 0, 0 },
		{ "", -EINVAL, 0, 0, 0 },
		{ "999999999999999999999999@0:1", -EINVAL, 0, 0, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cmdline_mmio m = { 7, 7, 7 };
		int ret = cmdline_parse_virtio_mmio(cases[i].s, &m);

		if (ret != cases[i].ret)
			fail_msg("\"%s\": returned %d, want %d", cases[i].s, ret, cases[i].ret);
		if (ret == 0) {
			assert_int_equal(m.base, cases[i].base);
			assert_int_equal(m.size, cases[i].size);
			assert_int_equal(m.irq, cases[i].irq);
		} else {
			assert_int_equal(m.base, 7);	/* untouched on error */
		}
	}
	assert_int_equal(cmdline_parse_virtio_mmio(NULL, NULL), -EINVAL);
}

/* Random lines: pointers stay inside the buffer and counts within bounds. */
static void test_random_lines(void **state)
{
	static const char alphabet[] = "ab=\" \t-.A_Z\n";
	unsigned seed = 12345;

	for (int iter = 0; iter < 20000; iter++) {
		size_t len = (size_t)(rand_r(&seed) % 300);
		char *buf = malloc(len + 1);
		struct cmdline cl;
		int ret;

		assert_non_null(buf);
		for (size_t i = 0; i < len; i++)
			buf[i] = alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)];
		buf[len] = '\0';
		ret = cmdline_parse(&cl, buf);
		assert_true(ret == 0 || ret == -E2BIG);
		assert_in_range(cl.argc, 0, CMDLINE_MAX_ARGS);
		assert_in_range(cl.envc, 0, CMDLINE_MAX_ENV);
		assert_in_range(cl.optc, 0, CMDLINE_MAX_OPTS);
		assert_null(cl.argv[cl.argc]);
		assert_null(cl.envp[cl.envc]);
		for (int i = 0; i < cl.argc; i++)
			assert_inside(buf, len + 1, cl.argv[i]);
		for (int i = 0; i < cl.envc; i++) {
			assert_inside(buf, len + 1, cl.envp[i]);
			assert_non_null(strchr(cl.envp[i], '='));
		}
		for (int i = 0; i < cl.optc; i++) {
			assert_inside(buf, len + 1, cl.opts[i]);
			assert_null(strchr(cl.opts[i], '"'));
		}
		free(buf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_options_env_args),
		cmocka_unit_test(test_classification),
		cmocka_unit_test(test_quotes),
		cmocka_unit_test(test_separator),
		cmocka_unit_test(test_blanks_and_empty),
		cmocka_unit_test(test_overflow_args),
		cmocka_unit_test(test_overflow_env_and_opts),
		cmocka_unit_test(test_opt_lookup),
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_next_opt),
		cmocka_unit_test(test_vmm_words_after_separator),
		cmocka_unit_test(test_virtio_mmio_word),
		cmocka_unit_test(test_random_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
