/* SPDX-License-Identifier: MIT */
/*
 * Kernel command line parsing (include/k/cmdline.h): split in place into
 * kernel options, the application's environment and its arguments. Words are
 * separated by blanks (space, tab, newline, CR); a double quote toggles quoting
 * and is removed, so `"a b"`, `K="a b"` and `""` (an empty word) all work; an
 * unterminated quote runs to the end. Only an unquoted `--` separates.
 * Also the sizes and the virtio_mmio.device= syntax of Linux's command line.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <k/cmdline.h>
#include <k/errno.h>
#include <k/string.h>

#define VMM_WORD "virtio_mmio.device="

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

static bool is_vmm_word(const char *w)
{
	return strncmp(w, VMM_WORD, sizeof(VMM_WORD) - 1) == 0;
}

/*
 * QEMU's microvm appends its virtio_mmio.device= words to the end of the line,
 * after our "--": move those trailing words back to the kernel options, in
 * order. A program argument of that form followed by others stays put.
 */
static bool take_vmm_words(struct cmdline *cl)
{
	int first = cl->argc;
	bool fits = true;

	while (first > 0 && is_vmm_word(cl->argv[first - 1]))
		first--;
	for (int i = first; i < cl->argc; i++)
		fits &= push(cl->opts, &cl->optc, CMDLINE_MAX_OPTS, cl->argv[i]);
	cl->argc = first;
	return fits;
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
	fits &= take_vmm_words(cl);
	cl->argv[cl->argc] = NULL;
	cl->envp[cl->envc] = NULL;
	return fits ? 0 : -E2BIG;
}

const char *cmdline_next_opt(const struct cmdline *cl, const char *key, int *pos)
{
	size_t klen;

	if (key == NULL || *pos < 0)
		return NULL;
	klen = strlen(key);
	while (*pos < cl->optc) {
		const char *o = cl->opts[(*pos)++];

		if (strncmp(o, key, klen) != 0)
			continue;
		if (o[klen] == '=')
			return o + klen + 1;
		if (o[klen] == '\0')
			return o + klen;
	}
	return NULL;
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

/* A number as cmdline_parse_u64 takes it, with an optional K, M or G (binary)
 * suffix, ending at `end` (exclusive); the text is copied, not changed. */
static int parse_size(const char *s, const char *end, unsigned long long *out)
{
	char num[24];
	unsigned shift = 0;
	size_t n = (size_t)(end - s);
	unsigned long long v;

	if (n > 0) {
		char c = end[-1];

		shift = c == 'K' || c == 'k' ? 10 : c == 'M' || c == 'm' ? 20 :
			c == 'G' || c == 'g' ? 30 : 0;
		if (shift)
			n--;
	}
	if (n == 0 || n >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, n);
	num[n] = '\0';
	int r = cmdline_parse_u64(num, &v);
	if (r)
		return r;
	if (v > (~0ull >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}

static const char *find_char(const char *s, char c)
{
	while (*s != '\0' && *s != c)
		s++;
	return s;
}

int cmdline_parse_virtio_mmio(const char *v, struct cmdline_mmio *out)
{
	unsigned long long size, base, irq, id;
	const char *at, *colon, *colon2;

	if (v == NULL)
		return -EINVAL;
	at = find_char(v, '@');
	colon = *at ? find_char(at + 1, ':') : at;
	colon2 = *colon ? find_char(colon + 1, ':') : colon;
	if (*at == '\0' || *colon == '\0')
		return -EINVAL;
	if (parse_size(v, at, &size) || parse_size(at + 1, colon, &base) ||
	    parse_size(colon + 1, colon2, &irq))
		return -EINVAL;
	/* The platform device id that may follow is Linux's business: checked, unused. */
	if (*colon2 && parse_size(colon2 + 1, colon2 + 1 + strlen(colon2 + 1), &id))
		return -EINVAL;
	if (size == 0 || base + size < base || base + size > (1ull << 52) || irq > 255)
		return -EINVAL;
	out->base = base;
	out->size = size;
	out->irq = (unsigned)irq;
	return 0;
}
