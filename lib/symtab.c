/* SPDX-License-Identifier: MIT */
/*
 * Symbol lookup in the image's own symbol table blob (include/k/symtab.h).
 * The blob is read in a crash, when anything may be corrupt: every byte is
 * read inside len, token pairs may only name earlier tokens, addresses must
 * not wrap, and names are decoded into the caller's bounded buffer.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <k/symtab.h>

#define HDR_SIZE 16u

struct reader {
	const unsigned char *p, *end;
	const unsigned char *tokens;	/* ntokens pairs */
	unsigned ntokens;
};

static uint64_t rd_le(const unsigned char *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static bool rd_byte(struct reader *r, unsigned char *out)
{
	if (r->p >= r->end)
		return false;
	*out = *r->p++;
	return true;
}

static bool rd_uleb(struct reader *r, uint64_t *out)
{
	uint64_t v = 0;
	unsigned char b;

	for (unsigned shift = 0; shift < 64; shift += 7) {
		if (!rd_byte(r, &b))
			return false;
		if (shift == 63 && b > 1)
			return false;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*out = v;
			return true;
		}
	}
	return false;
}

/* Append the expansion of byte b to name[*n]; false past SYMTAB_NAME_MAX or
 * on a byte that is no character or token. Tokens name only earlier ones
 * (checked when the table is opened), so the stack never holds more than one
 * pending byte per token level. */
static bool expand(const struct reader *r, unsigned char b, char *name, unsigned *n)
{
	unsigned char stack[SYMTAB_TOKENS + 1];
	unsigned sp = 0;

	stack[sp++] = b;
	while (sp > 0) {
		unsigned char c = stack[--sp];

		if (c < 0x80) {
			if (c == 0 || *n >= SYMTAB_NAME_MAX)
				return false;
			name[(*n)++] = (char)c;
			continue;
		}
		if ((unsigned)(c - 0x80) >= r->ntokens || sp + 2 > sizeof(stack))
			return false;
		stack[sp++] = r->tokens[2 * (c - 0x80) + 1];
		stack[sp++] = r->tokens[2 * (c - 0x80)];
	}
	return true;
}

static bool open_table(struct reader *r, const void *blob, size_t len, uint32_t *count,
		       uint64_t *base)
{
	const unsigned char *b = blob;
	unsigned char nt;

	if (b == NULL || len < HDR_SIZE + 1 || rd_le(b, 4) != SYMTAB_MAGIC)
		return false;
	*count = (uint32_t)rd_le(b + 4, 4);
	*base = rd_le(b + 8, 8);
	nt = b[HDR_SIZE];
	if (*count == 0 || nt > SYMTAB_TOKENS || len - HDR_SIZE - 1 < 2u * nt)
		return false;
	r->tokens = b + HDR_SIZE + 1;
	r->ntokens = nt;
	r->p = r->tokens + 2 * (size_t)nt;
	r->end = b + len;
	for (unsigned i = 0; i < 2u * nt; i++) {
		unsigned char c = r->tokens[i];

		if (c == 0 || (c >= 0x80 && (unsigned)(c - 0x80) >= i / 2))
			return false;
	}
	return true;
}

/* The next entry's name, front-coded against name[0..*n). */
static bool read_name(struct reader *r, char *name, unsigned *n)
{
	unsigned char keep, c;

	if (!rd_byte(r, &keep) || keep > *n)
		return false;
	*n = keep;
	for (;;) {
		if (!rd_byte(r, &c))
			return false;
		if (c == 0)
			break;
		if (!expand(r, c, name, n))
			return false;
	}
	name[*n] = '\0';
	return true;
}

const char *symtab_lookup(const void *blob, size_t len, uint64_t addr,
			  char name[SYMTAB_NAME_MAX + 1], uint64_t *off)
{
	struct reader r;
	uint32_t count;
	uint64_t base, at, delta;
	unsigned n = 0;
	bool found = false;

	if (name == NULL || !open_table(&r, blob, len, &count, &base))
		return NULL;
	name[0] = '\0';
	at = base;
	for (uint32_t i = 0; i < count; i++) {
		uint64_t next;

		if (!rd_uleb(&r, &delta) || __builtin_add_overflow(at, delta, &next))
			return NULL;
		if (next > addr)
			break;
		at = next;
		if (!read_name(&r, name, &n))
			return NULL;
		found = true;
	}
	if (!found || n == 0)
		return NULL;
	if (off != NULL)
		*off = addr - at;
	return name;
}
