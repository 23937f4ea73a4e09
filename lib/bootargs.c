/* SPDX-License-Identifier: MIT */
/*
 * The arguments file (include/k/bootargs.h): checked whole before any of it
 * is used, so a bad file changes nothing and is named with its reason.
 */
#include <stdbool.h>
#include <stddef.h>

#include <k/bootargs.h>
#include <k/errno.h>
#include <k/string.h>

/* The next NUL-terminated string at *pos, or NULL when the file ends first. */
static const char *next_string(const char *buf, size_t len, size_t *pos)
{
	const char *s = buf + *pos;
	size_t n;

	if (*pos >= len)
		return NULL;
	n = strnlen(s, len - *pos);
	if (n == len - *pos)
		return NULL;
	*pos += n + 1;
	return s;
}

/* A count: 1 to 6 decimal digits, no leading zero but "0" itself. */
static bool parse_count(const char *s, unsigned *out)
{
	unsigned v = 0;
	size_t n = strlen(s);

	if (n == 0 || n > 6 || (n > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return true;
}

static int fail(const char **why, const char *reason, int err)
{
	*why = reason;
	return err;
}

int bootargs_parse(const char *buf, size_t len, struct bootargs *ba, const char **why)
{
	const char *magic, *sargc, *senvc;
	unsigned argc, envc, n;
	size_t pos = 0;

	if (len > BOOTARGS_MAX_BYTES)
		return fail(why, "larger than 1 MiB", -E2BIG);
	magic = next_string(buf, len, &pos);
	if (magic == NULL || strcmp(magic, BOOTARGS_MAGIC) != 0)
		return fail(why, "does not start with \"" BOOTARGS_MAGIC "\"", -EINVAL);
	sargc = next_string(buf, len, &pos);
	senvc = sargc ? next_string(buf, len, &pos) : NULL;
	if (senvc == NULL || !parse_count(sargc, &argc) || !parse_count(senvc, &envc))
		return fail(why, "no valid argument and environment counts", -EINVAL);
	if (argc + envc > BOOTARGS_MAX_STRINGS)
		return fail(why, "more than 65536 arguments and environment strings", -E2BIG);
	ba->strings = buf + pos;
	for (n = 0; n < argc + envc; n++) {
		if (next_string(buf, len, &pos) == NULL)
			return fail(why, "fewer strings than its counts say, or one without its NUL",
				    -EINVAL);
	}
	if (pos != len)
		return fail(why, "bytes after the last string its counts announce", -EINVAL);
	ba->argc = argc;
	ba->envc = envc;
	ba->end = buf + pos;
	return 0;
}

void bootargs_split(const struct bootargs *ba, const char **vec)
{
	const char *s = ba->strings;

	for (unsigned i = 0; i < ba->argc + ba->envc; i++) {
		vec[i] = s;
		s += strlen(s) + 1;
	}
}
