/* SPDX-License-Identifier: MIT */
/*
 * Kernel command line parsing (include/k/cmdline.h): split in place into
 * kernel options, the application's environment and its arguments. Words are
 * separated by blanks (space, tab, newline, CR); a double quote toggles quoting
 * and is removed, so `"a b"`, `K="a b"` and `""` (an empty word) all work; an
 * unterminated quote runs to the end. Only an unquoted `--` separates.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <k/cmdline.h>
#include <k/errno.h>
#include <k/string.h>

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Cut the next word out of *cursor, removing quotes. The word is written over
 * its own text: the write position never passes the read position, so the
 * terminating NUL lands on a character that has already been consumed.
 */
static char *next_word(char **cursor, bool *quoted)
{
	char *r = *cursor, *w, *word;
	bool inq = false;

	while (is_blank(*r))
		r++;
	if (*r == '\0') {
		*cursor = r;
		return NULL;
	}
	word = w = r;
	*quoted = false;
	while (*r != '\0') {
		char c = *r++;

		if (c == '"') {
			inq = !inq;
			*quoted = true;
		} else if (!inq && is_blank(c)) {
			break;
		} else {
			*w++ = c;
		}
	}
	*w = '\0';
	*cursor = r;
	return word;
}

/* KEY=VALUE with KEY starting upper case or '_' and free of dots. */
static bool is_env(const char *word)
{
	const char *p;

	if (!((word[0] >= 'A' && word[0] <= 'Z') || word[0] == '_'))
		return false;
	for (p = word; *p != '\0' && *p != '='; p++) {
		if (*p == '.')
			return false;
	}
	return *p == '=';
}

static bool push(char **arr, int *count, int max, char *word)
{
	if (*count >= max)
		return false;
	arr[(*count)++] = word;
	return true;
}

int cmdline_parse(struct cmdline *cl, char *buf)
{
	char *cursor = buf, *word;
	bool quoted, app = false, fits = true;

	memset(cl, 0, sizeof(*cl));
	if (buf == NULL)
		return 0;
	while ((word = next_word(&cursor, &quoted)) != NULL) {
		if (app)
			fits &= push(cl->argv, &cl->argc, CMDLINE_MAX_ARGS, word);
		else if (!quoted && strcmp(word, "--") == 0)
			app = true;
		else if (is_env(word))
			fits &= push(cl->envp, &cl->envc, CMDLINE_MAX_ENV, word);
		else
			fits &= push(cl->opts, &cl->optc, CMDLINE_MAX_OPTS, word);
	}
	cl->argv[cl->argc] = NULL;
	cl->envp[cl->envc] = NULL;
	return fits ? 0 : -E2BIG;
}

const char *cmdline_opt(const struct cmdline *cl, const char *key)
{
	const char *found = NULL;
	size_t klen;

	if (key == NULL)
		return NULL;
	klen = strlen(key);
	for (int i = 0; i < cl->optc; i++) {
		const char *o = cl->opts[i];

		if (strncmp(o, key, klen) != 0)
			continue;
		if (o[klen] == '=')
			found = o + klen + 1;
		else if (o[klen] == '\0')
			found = o + klen;
	}
	return found;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

int cmdline_parse_u64(const char *s, unsigned long long *out)
{
	unsigned long long v = 0;
	unsigned base = 10;
	bool overflow = false;

	if (s == NULL)
		return -EINVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (*s == '\0')
		return -EINVAL;
	for (; *s != '\0'; s++) {
		unsigned d = (unsigned)digit_value(*s);

		if (d >= base)
			return -EINVAL;
		if (v > (~0ull - d) / base)
			overflow = true;
		v = v * base + d;
	}
	if (overflow)
		return -ERANGE;
	*out = v;
	return 0;
}
