/* SPDX-License-Identifier: MIT */
/*
 * mksyms: turn `nm -n --defined-only` output (stdin) into the assembler source
 * of the image's symbol table blob (stdout), laid out as include/k/symtab.h
 * says, in section .toro_syms between the labels toro_symtab and
 * toro_symtab_end. Usage: mksyms < nm.txt > syms.S
 * Function symbols (T t W w) are kept, one name per address (a global wins).
 * The end of code is marked with an empty name: at the end of a function when
 * `nm -S` gave sizes, and at the first data symbol that follows a function.
 * Addresses are stored as deltas, names front-coded against the one before,
 * and frequent byte pairs of what remains replaced by one-byte tokens.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <k/symtab.h>

struct sym {
	uint64_t addr;
	uint64_t size;	/* 0: unknown */
	size_t seq;	/* input order, for a stable sort */
	char type;	/* nm's letter; 0 for an end marker */
	char *name;
};

struct symvec {
	struct sym *v;
	size_t n, cap;
};

static void die(const char *msg)
{
	fprintf(stderr, "mksyms: %s\n", msg);
	exit(1);
}

static void push(struct symvec *sv, struct sym s)
{
	if (sv->n == sv->cap) {
		sv->cap = sv->cap ? sv->cap * 2 : 1024;
		sv->v = realloc(sv->v, sv->cap * sizeof(*sv->v));
		if (sv->v == NULL)
			die("out of memory");
	}
	s.seq = sv->n;
	sv->v[sv->n++] = s;
}

static bool is_func(char t)
{
	return t == 'T' || t == 't' || t == 'W' || t == 'w';
}

/* Data-like symbols: where one follows a function, that function has ended. */
static bool is_data(char t)
{
	return t != 0 && strchr("bBdDrRgGsSvV", t) != NULL;
}

static bool parse_hex(const char *s, uint64_t *out)
{
	char *end;

	if (!isxdigit((unsigned char)*s))
		return false;
	errno = 0;
	*out = strtoull(s, &end, 16);
	return errno == 0 && *end == '\0';
}

/* "ADDR TYPE NAME" or, with nm -S, "ADDR SIZE TYPE NAME". */
static bool parse_line(char *line, struct sym *s)
{
	char *tok[5];
	int n = 0;

	for (char *p = strtok(line, " \t\r\n"); p != NULL && n < 5; p = strtok(NULL, " \t\r\n"))
		tok[n++] = p;
	if (n < 3 || n > 4 || strlen(tok[n - 2]) != 1 || !parse_hex(tok[0], &s->addr))
		return false;
	s->size = 0;
	if (n == 4 && !parse_hex(tok[1], &s->size))
		return false;
	s->type = tok[n - 2][0];
	s->name = strdup(tok[n - 1]);
	if (s->name == NULL)
		die("out of memory");
	return true;
}

/* By address; at one address functions before markers, globals first, then input order. */
static int cmp_sym(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;
	int rx, ry;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	rx = x->type == 0 ? 2 : isupper((unsigned char)x->type) ? 0 : 1;
	ry = y->type == 0 ? 2 : isupper((unsigned char)y->type) ? 0 : 1;
	if (rx != ry)
		return rx - ry;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Functions and end markers, sorted; then one entry per address, no marker
 * before the first function or right after another marker. */
static struct symvec build_table(const struct symvec *all)
{
	struct symvec cand = { 0 }, out = { 0 };
	bool seen_func = false;

	for (size_t i = 0; i < all->n; i++) {
		struct sym s = all->v[i];

		if (is_func(s.type)) {
			push(&cand, s);
			if (s.size != 0 && s.addr + s.size > s.addr) {
				struct sym end = { .addr = s.addr + s.size, .name = "" };
				push(&cand, end);
			}
		} else if (is_data(s.type)) {
			struct sym end = { .addr = s.addr, .name = "" };
			push(&cand, end);
		}
	}
	qsort(cand.v, cand.n, sizeof(*cand.v), cmp_sym);
	for (size_t i = 0; i < cand.n; i++) {
		struct sym *s = &cand.v[i];
		struct sym *last = out.n ? &out.v[out.n - 1] : NULL;

		if (last != NULL && last->addr == s->addr)
			continue;
		if (s->type == 0 && (!seen_func || last->type == 0))
			continue;
		seen_func |= s->type != 0;
		push(&out, *s);
	}
	free(cand.v);
	return out;
}

/* ---- encoding (include/k/symtab.h) ---- */

struct bytes {
	unsigned char *v;
	size_t n;
};

static void out_byte(unsigned v)
{
	static unsigned col;

	printf(col == 0 ? "\t.byte %u" : ", %u", v & 0xff);
	if (++col == 16) {
		putchar('\n');
		col = 0;
	}
}

static void out_uleb(uint64_t v)
{
	do {
		out_byte((unsigned)(v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
		v >>= 7;
	} while (v != 0);
}

/* Names as the kernel will print them: at most SYMTAB_NAME_MAX characters,
 * 7-bit (anything else becomes '?'). */
static char *clean_name(const char *name)
{
	size_t n = strlen(name);
	char *c;

	if (n > SYMTAB_NAME_MAX)
		n = SYMTAB_NAME_MAX;
	c = malloc(n + 1);
	if (c == NULL)
		die("out of memory");
	for (size_t i = 0; i < n; i++)
		c[i] = (unsigned char)name[i] >= 0x80 ? '?' : name[i];
	c[n] = '\0';
	return c;
}

/* Replace the most frequent adjacent pair of bytes by a new token while that
 * saves bytes (a token costs its two-byte pair), up to SYMTAB_TOKENS tokens. */
static unsigned make_tokens(struct bytes *s, size_t n, unsigned char pairs[][2])
{
	static uint32_t freq[256 * 256];
	unsigned ntok = 0;

	while (ntok < SYMTAB_TOKENS) {
		uint32_t best = 0;
		unsigned bp = 0, tok = 0x80 + ntok;

		memset(freq, 0, sizeof(freq));
		for (size_t i = 0; i < n; i++) {
			for (size_t j = 0; j + 1 < s[i].n; j++)
				freq[s[i].v[j] << 8 | s[i].v[j + 1]]++;
		}
		for (unsigned p = 0; p < 256 * 256; p++) {
			if (freq[p] > best) {
				best = freq[p];
				bp = p;
			}
		}
		if (best < 3)
			break;
		pairs[ntok][0] = (unsigned char)(bp >> 8);
		pairs[ntok][1] = (unsigned char)bp;
		for (size_t i = 0; i < n; i++) {
			size_t w = 0;

			for (size_t j = 0; j < s[i].n; j++) {
				if (j + 1 < s[i].n && (unsigned)(s[i].v[j] << 8 | s[i].v[j + 1]) == bp) {
					s[i].v[w++] = (unsigned char)tok;
					j++;
				} else {
					s[i].v[w++] = s[i].v[j];
				}
			}
			s[i].n = w;
		}
		ntok++;
	}
	return ntok;
}

static void emit_table(const struct symvec *t)
{
	uint64_t base = t->n ? t->v[0].addr : 0, prev_addr = base;
	struct bytes *suffix = calloc(t->n + 1, sizeof(*suffix));
	unsigned char *keep = calloc(t->n + 1, 1);
	unsigned char pairs[SYMTAB_TOKENS][2];
	char *prev = clean_name("");
	unsigned ntok;

	if (suffix == NULL || keep == NULL)
		die("out of memory");
	/* Front coding: each name after what it shares with the one before. */
	for (size_t i = 0; i < t->n; i++) {
		char *name = clean_name(t->v[i].name);
		size_t k = 0;

		while (name[k] != '\0' && name[k] == prev[k])
			k++;
		keep[i] = (unsigned char)k;
		suffix[i].n = strlen(name + k);
		suffix[i].v = (unsigned char *)strdup(name + k);
		if (suffix[i].v == NULL)
			die("out of memory");
		free(prev);
		prev = name;
	}
	free(prev);
	ntok = make_tokens(suffix, t->n, pairs);

	printf("/* Generated by tools/mksyms: the symbol table blob of include/k/symtab.h. */\n");
	printf("\t.section .toro_syms,\"a\",@progbits\n\t.balign 8\n");
	printf("\t.globl toro_symtab\ntoro_symtab:\n");
	printf("\t.long 0x%08x, %zu\n\t.quad 0x%016" PRIx64 "\n", SYMTAB_MAGIC, t->n, base);
	out_byte(ntok);
	for (unsigned i = 0; i < ntok; i++) {
		out_byte(pairs[i][0]);
		out_byte(pairs[i][1]);
	}
	for (size_t i = 0; i < t->n; i++) {
		out_uleb(t->v[i].addr - prev_addr);
		prev_addr = t->v[i].addr;
		out_byte(keep[i]);
		for (size_t j = 0; j < suffix[i].n; j++)
			out_byte(suffix[i].v[j]);
		out_byte(0);
		free(suffix[i].v);
	}
	free(suffix);
	free(keep);
	printf("\n\t.globl toro_symtab_end\ntoro_symtab_end:\n");
}

int main(int argc, char **argv)
{
	struct symvec all = { 0 }, table;
	char *line = NULL;
	size_t cap = 0;

	if (argc != 1) {
		fprintf(stderr, "usage: %s < nm-output > syms.S\n", argv[0]);
		return 2;
	}
	while (getline(&line, &cap, stdin) != -1) {
		struct sym s;

		if (parse_line(line, &s))
			push(&all, s);
	}
	free(line);
	if (ferror(stdin))
		die("read error");
	if (all.n > UINT32_MAX / 8)
		die("too many symbols");
	table = build_table(&all);
	emit_table(&table);
	if (fflush(stdout) != 0 || ferror(stdout))
		die("write error");
	return 0;
}
