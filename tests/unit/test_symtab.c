/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for lib/symtab.c and tools/mksyms: blobs built here and blobs
 * made by running mksyms on nm listings and assembling its output; lookups
 * before, at, inside and after symbols; tokens, name limits; malformed and
 * truncated blobs.
 */
#include <k/symtab.h>

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

struct entry {
	uint32_t addr_off;
	const char *name;
};

struct buf {
	unsigned char *v;
	size_t n, cap;
};

static void put(struct buf *b, unsigned char c)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 256;
		b->v = realloc(b->v, b->cap);
		assert_non_null(b->v);
	}
	b->v[b->n++] = c;
}

static void put_le(struct buf *b, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		put(b, (unsigned char)(v >> (8 * i)));
}

static void put_uleb(struct buf *b, uint64_t v)
{
	do {
		put(b, (unsigned char)((v & 0x7f) | (v >= 0x80 ? 0x80 : 0)));
		v >>= 7;
	} while (v);
}

static void put_header(struct buf *b, uint32_t count, uint64_t base, unsigned ntok,
		       const unsigned char *pairs)
{
	put_le(b, SYMTAB_MAGIC, 4);
	put_le(b, count, 4);
	put_le(b, base, 8);
	put(b, (unsigned char)ntok);
	for (unsigned i = 0; i < 2 * ntok; i++)
		put(b, pairs[i]);
}

/* A blob in the layout of k/symtab.h (front-coded names, no tokens), in a
 * buffer of exactly *len bytes. */
static unsigned char *build_blob(uint64_t base, const struct entry *e, uint32_t n, size_t *len)
{
	struct buf b = { 0 };
	const char *prev = "";
	uint64_t at = base;

	put_header(&b, n, base, 0, NULL);
	for (uint32_t i = 0; i < n; i++) {
		size_t k = 0;

		while (e[i].name[k] && e[i].name[k] == prev[k])
			k++;
		put_uleb(&b, base + e[i].addr_off - at);
		at = base + e[i].addr_off;
		put(&b, (unsigned char)k);
		for (const char *c = e[i].name + k; *c; c++)
			put(&b, (unsigned char)*c);
		put(&b, 0);
		prev = e[i].name;
	}
	*len = b.n;
	b.v = realloc(b.v, b.n);
	return b.v;
}

static const struct entry sample[] = {
	{ 0x0, "_start" }, { 0x40, "main" }, { 0x100, "helper" }, { 0x180, "" },
	{ 0x200, "after_data" }, { 0x300, "" },
};
#define SAMPLE_BASE 0xffffffff80100000ull

static void expect(const void *blob, size_t len, uint64_t addr, const char *name, uint64_t off)
{
	uint64_t got_off = 0xdead;
	char buf[SYMTAB_NAME_MAX + 1];
	const char *got = symtab_lookup(blob, len, addr, buf, &got_off);

	if (name == NULL) {
		if (got != NULL)
			fail_msg("%#llx: got %s, want nothing", (unsigned long long)addr, got);
		return;
	}
	if (got == NULL)
		fail_msg("%#llx: got nothing, want %s", (unsigned long long)addr, name);
	assert_ptr_equal(got, buf);
	assert_string_equal(got, name);
	assert_int_equal(got_off, off);
}

static const char *look(const void *blob, size_t len, uint64_t addr)
{
	static char buf[SYMTAB_NAME_MAX + 1];

	return symtab_lookup(blob, len, addr, buf, NULL);
}

static void test_lookup_positions(void **state)
{
	size_t len;
	unsigned char *b = build_blob(SAMPLE_BASE, sample, 6, &len);

	expect(b, len, 0, NULL, 0);
	expect(b, len, SAMPLE_BASE - 1, NULL, 0);		/* before the first symbol */
	expect(b, len, SAMPLE_BASE, "_start", 0);		/* exact */
	expect(b, len, SAMPLE_BASE + 0x3f, "_start", 0x3f);	/* inside */
	expect(b, len, SAMPLE_BASE + 0x40, "main", 0);
	expect(b, len, SAMPLE_BASE + 0x41, "main", 1);
	expect(b, len, SAMPLE_BASE + 0x17f, "helper", 0x7f);
	expect(b, len, SAMPLE_BASE + 0x180, NULL, 0);		/* end marker: data */
	expect(b, len, SAMPLE_BASE + 0x1ff, NULL, 0);
	expect(b, len, SAMPLE_BASE + 0x200, "after_data", 0);
	expect(b, len, SAMPLE_BASE + 0x2ff, "after_data", 0xff);
	expect(b, len, SAMPLE_BASE + 0x300, NULL, 0);		/* after the last function */
	expect(b, len, SAMPLE_BASE + 0x100000000ull, NULL, 0);
	expect(b, len, UINT64_MAX, NULL, 0);
	/* off may be NULL; the name buffer may not */
	assert_string_equal(look(b, len, SAMPLE_BASE + 0x41), "main");
	assert_null(symtab_lookup(b, len, SAMPLE_BASE + 0x41, NULL, NULL));
	free(b);
}

static void test_unaligned_blob(void **state)
{
	size_t len;
	unsigned char *b = build_blob(SAMPLE_BASE, sample, 6, &len);
	unsigned char *u = malloc(len + 1);

	assert_non_null(u);
	memcpy(u + 1, b, len);
	expect(u + 1, len, SAMPLE_BASE + 0x41, "main", 1);
	expect(u + 1, len, SAMPLE_BASE + 0x250, "after_data", 0x50);
	free(u);
	free(b);
}

static void test_many_symbols(void **state)
{
	enum { N = 3000 };
	struct entry *e = calloc(N, sizeof(*e));
	char (*names)[16] = calloc(N, 16);
	size_t len;
	unsigned char *b;

	assert_non_null(e);
	assert_non_null(names);
	for (uint32_t i = 0; i < N; i++) {
		snprintf(names[i], 16, "f%u", i);
		/* deltas of one to three uleb128 bytes */
		e[i].addr_off = i == 0 ? 0 : e[i - 1].addr_off + 0x20 + (i % 7 == 0 ? 0x4000 : 0) +
						(i % 5 == 0 ? 0x100 : 0);
		e[i].name = names[i];
	}
	b = build_blob(0x100000, e, N, &len);
	for (uint32_t i = 0; i < N; i++) {
		expect(b, len, 0x100000 + e[i].addr_off, names[i], 0);
		expect(b, len, 0x100000 + e[i].addr_off + 0x1f, names[i], 0x1f);
	}
	free(b);
	free(names);
	free(e);
}

/* Tokens: 0x80 = "ab", 0x81 = 0x80 'c' = "abc", 0x82 = 0x81 0x81 = "abcabc". */
static void test_tokens(void **state)
{
	static const unsigned char pairs[] = { 'a', 'b', 0x80, 'c', 0x81, 0x81 };
	struct buf b = { 0 };
	char buf[SYMTAB_NAME_MAX + 1];

	put_header(&b, 4, 0x1000, 3, pairs);
	put_uleb(&b, 0);	/* 0x1000 "x_abc" */
	put(&b, 0);
	put(&b, 'x');
	put(&b, '_');
	put(&b, 0x81);
	put(&b, 0);
	put_uleb(&b, 0x10);	/* 0x1010 "x_abcabcabcz": keeps "x_abc" */
	put(&b, 5);
	put(&b, 0x82);
	put(&b, 'z');
	put(&b, 0);
	put_uleb(&b, 0x10);	/* 0x1020 "ab" */
	put(&b, 0);
	put(&b, 0x80);
	put(&b, 0);
	put_uleb(&b, 0x10);	/* 0x1030 end */
	put(&b, 0);
	put(&b, 0);
	expect(b.v, b.n, 0x1001, "x_abc", 1);
	expect(b.v, b.n, 0x101f, "x_abcabcabcz", 0xf);
	expect(b.v, b.n, 0x1020, "ab", 0);
	expect(b.v, b.n, 0x1030, NULL, 0);

	/* A token naming itself or a later one: the table is refused. */
	b.v[17 + 2] = 0x81;
	assert_null(symtab_lookup(b.v, b.n, 0x1001, buf, NULL));
	b.v[17 + 2] = 0x83;
	assert_null(symtab_lookup(b.v, b.n, 0x1001, buf, NULL));
	b.v[17 + 2] = 0;	/* a NUL inside a pair */
	assert_null(symtab_lookup(b.v, b.n, 0x1001, buf, NULL));
	b.v[17 + 2] = 0x80;
	expect(b.v, b.n, 0x1001, "x_abc", 1);
	/* A token number past the table, in a name. */
	b.v[31] = 0x83;
	assert_null(symtab_lookup(b.v, b.n, 0x1010, buf, NULL));
	expect(b.v, b.n, 0x1001, "x_abc", 1);
	free(b.v);
}

/* Names of exactly SYMTAB_NAME_MAX characters decode; one more is refused,
 * also when it comes from a token that doubles the length. */
static void test_name_limit(void **state)
{
	/* tokens: 0x80..0x86 = 2, 4, ..., 128 'a's */
	unsigned char pairs[14] = { 'a', 'a' };
	struct buf b = { 0 };
	char buf[SYMTAB_NAME_MAX + 1];
	const char *got;

	for (int i = 1; i < 7; i++) {
		pairs[2 * i] = (unsigned char)(0x80 + i - 1);
		pairs[2 * i + 1] = (unsigned char)(0x80 + i - 1);
	}
	put_header(&b, 3, 0, 7, pairs);
	put_uleb(&b, 0x10);	/* 127 'a's: 64 + 32 + 16 + 8 + 4 + 2 + 1 */
	put(&b, 0);
	for (int i = 5; i >= 0; i--)
		put(&b, (unsigned char)(0x80 + i));
	put(&b, 'a');
	put(&b, 0);
	put_uleb(&b, 0x10);	/* 128 'a's, keeping 127 */
	put(&b, SYMTAB_NAME_MAX);
	put(&b, 'a');
	put(&b, 0);
	put_uleb(&b, 0x10);
	put(&b, 0);
	put(&b, 0);
	got = symtab_lookup(b.v, b.n, 0x15, buf, NULL);
	assert_non_null(got);
	assert_int_equal(strlen(got), SYMTAB_NAME_MAX);
	assert_int_equal(strspn(got, "a"), SYMTAB_NAME_MAX);
	assert_null(symtab_lookup(b.v, b.n, 0x25, buf, NULL));
	/* 128 from a single token */
	b.v[17 + 14 + 1 + 1] = 0x86;
	b.v[17 + 14 + 1 + 2] = 0;
	assert_null(symtab_lookup(b.v, b.n, 0x15, buf, NULL));
	free(b.v);
}

static void test_malformed(void **state)
{
	size_t len;
	unsigned char *b = build_blob(SAMPLE_BASE, sample, 6, &len);
	unsigned char *m = malloc(len + 16);
	uint64_t addr = SAMPLE_BASE + 0x41;
	char buf[SYMTAB_NAME_MAX + 1];

	assert_non_null(m);
	expect(b, len, addr, "main", 1);
	assert_null(symtab_lookup(NULL, len, addr, buf, NULL));

	/* Every truncation, in a buffer of exactly that size: "main" or nothing,
	 * and nothing at all once the header is cut. */
	for (size_t l = 0; l < len; l++) {
		unsigned char *t = malloc(l ? l : 1);
		const char *name;

		assert_non_null(t);
		memcpy(t, b, l);
		name = symtab_lookup(t, l, addr, buf, NULL);
		if (name != NULL)
			assert_string_equal(name, "main");
		if (l < 17 + 1 + 1 + 7 + 1 + 1 + 1 + 5)	/* up to main's name */
			assert_null(name);
		/* after_data is known once the end marker's delta is in */
		name = symtab_lookup(t, l, SAMPLE_BASE + 0x250, buf, NULL);
		if (l < len - 2)
			assert_null(name);
		else
			assert_string_equal(name, "after_data");
		free(t);
	}

#define MUTATE(off, val, n)                       \
	do {                                      \
		memcpy(m, b, len);                \
		for (int i_ = 0; i_ < (n); i_++)  \
			m[(off) + i_] = (unsigned char)((uint64_t)(val) >> (8 * i_)); \
	} while (0)

	MUTATE(0, SYMTAB_MAGIC + 1, 4);			/* bad magic */
	assert_null(symtab_lookup(m, len, addr, buf, NULL));
	MUTATE(4, 0, 4);				/* no entries */
	assert_null(symtab_lookup(m, len, addr, buf, NULL));
	MUTATE(4, UINT32_MAX, 4);			/* more entries than bytes */
	expect(m, len, addr, "main", 1);		/* found before the end */
	assert_null(symtab_lookup(m, len, SAMPLE_BASE + 0x400, buf, NULL));
	MUTATE(16, SYMTAB_TOKENS + 1, 1);		/* too many tokens */
	assert_null(symtab_lookup(m, len, addr, buf, NULL));
	MUTATE(16, 100, 1);				/* tokens beyond the blob */
	assert_null(symtab_lookup(m, len, addr, buf, NULL));
	MUTATE(17 + 1 + 1 + 7 + 1, 7, 1);		/* main keeps more than _start has */
	assert_null(symtab_lookup(m, len, addr, buf, NULL));
	expect(m, len, SAMPLE_BASE + 1, "_start", 1);	/* the entry before is fine */
	MUTATE(17, 0xff, 1);				/* a first delta past everything */
	m[18] = 0xff;
	assert_null(symtab_lookup(m, len, addr, buf, NULL));

	/* A delta past 2^64, and deltas whose sum wraps. */
	{
		struct buf o = { 0 };

		put_header(&o, 3, UINT64_MAX - 0x10, 0, NULL);
		put_uleb(&o, 0);
		put(&o, 0);
		put(&o, 'f');
		put(&o, 0);
		put_uleb(&o, 0x8);
		put(&o, 0);
		put(&o, 0);
		put_uleb(&o, 0x20);		/* wraps */
		put(&o, 0);
		put(&o, 0);
		expect(o.v, o.n, UINT64_MAX - 0x10, "f", 0);
		expect(o.v, o.n, UINT64_MAX - 0x9, "f", 7);
		assert_null(symtab_lookup(o.v, o.n, UINT64_MAX, buf, NULL));
		o.n = 17 + 1 + 1 + 2;
		for (int i = 0; i < 9; i++)
			put(&o, 0xff);
		put(&o, 0x02);			/* the 64th bit and beyond */
		put(&o, 0);
		put(&o, 0);
		assert_null(symtab_lookup(o.v, o.n, UINT64_MAX, buf, NULL));
		free(o.v);
	}

	/* A later entry's bad name does not spoil this lookup. */
	MUTATE(len - 5, 0xff, 1);			/* "after_data"'s NUL: a bad token */
	expect(m, len, addr, "main", 1);
	assert_null(symtab_lookup(m, len, SAMPLE_BASE + 0x200, buf, NULL));
	/* Names not terminated inside the blob. */
	memcpy(m, b, len);
	m[len - 1] = 'x';	/* the end marker's empty name */
	expect(m, len, SAMPLE_BASE + 0x200, "after_data", 0);
	assert_null(symtab_lookup(m, len, SAMPLE_BASE + 0x300, buf, NULL));
	free(m);
	free(b);
}

/* ---- mksyms round trip: nm listing -> mksyms -> as -> objcopy -> blob ---- */

static char tmpdir[] = "/tmp/toro-symtab-XXXXXX";
static char mksyms_path[PATH_MAX + 32];

static int setup_tools(void **state)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n <= 0)
		return -1;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	*slash = '\0';
	/* build/unit/test_symtab -> build/tools/mksyms */
	snprintf(mksyms_path, sizeof(mksyms_path), "%s/../tools/mksyms", exe);
	if (access(mksyms_path, X_OK) != 0) {
		fprintf(stderr, "missing %s: run make build/tools/mksyms\n", mksyms_path);
		return -1;
	}
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_tools(void **state)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void run(const char *fmt, ...)
{
	char cmd[4 * PATH_MAX];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc != 0)
		fail_msg("`%s` failed: %d", cmd, rc);
}

static void write_file(const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* Run mksyms on the listing, assemble, extract the section; check the labels. */
static unsigned char *blob_from_nm(const char *listing, size_t *len)
{
	char path[PATH_MAX], line[256];
	unsigned long long start = 1, end = 0;
	unsigned char *blob;
	FILE *f;
	long size;

	write_file("nm.txt", listing);
	run("'%s' < %s/nm.txt > %s/syms.S", mksyms_path, tmpdir, tmpdir);
	run("as --64 -o %s/syms.o %s/syms.S", tmpdir, tmpdir);
	run("objcopy -O binary --only-section=.toro_syms %s/syms.o %s/syms.bin", tmpdir, tmpdir);
	run("nm %s/syms.o > %s/syms.nm", tmpdir, tmpdir);
	run("readelf -S -W %s/syms.o | grep -q '\\.toro_syms .* A .* 8$'", tmpdir);

	snprintf(path, sizeof(path), "%s/syms.nm", tmpdir);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long long a;
		char type, name[64];

		if (sscanf(line, "%llx %c %63s", &a, &type, name) != 3)
			continue;
		if (strcmp(name, "toro_symtab") == 0 && type == 'R')
			start = a;
		if (strcmp(name, "toro_symtab_end") == 0 && type == 'R')
			end = a;
	}
	fclose(f);

	snprintf(path, sizeof(path), "%s/syms.bin", tmpdir);
	f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	assert_int_equal(start, 0);
	assert_int_equal(end, (unsigned long long)size);	/* the labels frame the blob */
	blob = malloc((size_t)size);
	assert_non_null(blob);
	assert_int_equal(fread(blob, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	*len = (size_t)size;
	return blob;
}

static void test_mksyms_round_trip(void **state)
{
	static const char listing[] =
		"0000000000000030 A some_abs\n"
		"00000000000ff000 r rodata_before_code\n"
		"0000000000100000 T _start\n"
		"0000000000100010 t local_fn\n"
		"0000000000100020 t helper\n"
		"0000000000100020 T helper_global\n"
		"0000000000100020 t helper_alias\n"
		"0000000000100040 W weak_fn\n"
		"0000000000100080 T main\n"
		"0000000000100090 t main.cold\n"
		"0000000000100100 r some_rodata\n"
		"0000000000100108 R more_rodata\n"
		"0000000000100200 T after_data\n"
		"0000000000100200 D data_same_address\n"
		"0000000000100300 A abs_inside_code\n"
		"0000000000100400 B bss_thing\n"
		"                 U undefined_sym\n"
		"this line is not a symbol\n"
		"\n"
		"0000000000100500 b more_bss\n";
	size_t len;
	unsigned char *b = blob_from_nm(listing, &len);

	expect(b, len, 0xff000, NULL, 0);
	expect(b, len, 0xfffff, NULL, 0);
	expect(b, len, 0x100000, "_start", 0);
	expect(b, len, 0x10000f, "_start", 0xf);
	expect(b, len, 0x100015, "local_fn", 5);
	expect(b, len, 0x100020, "helper_global", 0);	/* the global of three at one address */
	expect(b, len, 0x100041, "weak_fn", 1);
	expect(b, len, 0x100088, "main", 8);
	expect(b, len, 0x100095, "main.cold", 5);
	expect(b, len, 0x100100, NULL, 0);		/* data after code: not a function */
	expect(b, len, 0x1001ff, NULL, 0);
	expect(b, len, 0x100200, "after_data", 0);	/* function wins over data */
	expect(b, len, 0x100350, "after_data", 0x150);	/* absolute symbols ignored */
	expect(b, len, 0x100400, NULL, 0);		/* after the last function */
	expect(b, len, 0x200000, NULL, 0);
	free(b);
}

static void test_mksyms_sizes(void **state)
{
	/* nm -n -S: sizes mark where each function ends. */
	static const char listing[] =
		"0000000000400000 0000000000000010 T f1\n"
		"0000000000400020 0000000000000020 t f2\n"
		"0000000000400040 0000000000000008 T f3\n"
		"0000000000400048 T f4_no_size\n"
		"0000000000400060 0000000000000004 T last\n";
	size_t len;
	unsigned char *b = blob_from_nm(listing, &len);

	expect(b, len, 0x40000f, "f1", 0xf);
	expect(b, len, 0x400010, NULL, 0);		/* the gap after f1 */
	expect(b, len, 0x40003f, "f2", 0x1f);		/* f2 ends where f3 starts */
	expect(b, len, 0x400047, "f3", 7);
	expect(b, len, 0x400050, "f4_no_size", 8);
	expect(b, len, 0x400063, "last", 3);
	expect(b, len, 0x400064, NULL, 0);
	free(b);
}

static void test_mksyms_empty_and_odd_names(void **state)
{
	static const char odd[] =
		"0000000000001000 T name\"with\\quote\n"
		"0000000000001010 T sym@@VERSION\n";
	size_t len;
	unsigned char *b = blob_from_nm("0000000000001000 D only_data\n", &len);

	assert_true(len >= 16);
	expect(b, len, 0x1000, NULL, 0);	/* no functions: an empty table */
	free(b);

	b = blob_from_nm(odd, &len);
	expect(b, len, 0x1004, "name\"with\\quote", 4);
	expect(b, len, 0x1010, "sym@@VERSION", 0);
	free(b);
}

/* Many similar names: front coding and tokens make the blob much smaller than
 * the names; a name over SYMTAB_NAME_MAX is cut there, 8-bit bytes become '?'. */
static void test_mksyms_compact(void **state)
{
	enum { N = 400 };
	static const char *const words[] = { "sched_", "vmm_", "virtq_", "netdev_", "tcp_" };
	char *listing = NULL, name[300], want[SYMTAB_NAME_MAX + 1];
	size_t cap = 0, len, names = 0;
	FILE *mem = open_memstream(&listing, &cap);
	unsigned char *b;

	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "%s%s_%d", words[i % 5], i % 2 ? "queue" : "wake", i);
		fprintf(mem, "%016x T %s\n", 0x100000 + 0x30 * i, name);
		names += strlen(name) + 1;
	}
	memset(name, 'L', 200);
	name[200] = '\0';
	fprintf(mem, "%016x T %s\n", 0x100000 + 0x30 * N, name);
	fprintf(mem, "%016x T caf\xc3\xa9\n", 0x100000 + 0x30 * (N + 1));
	fprintf(mem, "%016x D data\n", 0x100000 + 0x30 * (N + 2));
	fclose(mem);
	b = blob_from_nm(listing, &len);
	free(listing);
	assert_true(len < names / 2);
	for (int i = 0; i < N; i++) {
		snprintf(want, sizeof(want), "%s%s_%d", words[i % 5], i % 2 ? "queue" : "wake", i);
		expect(b, len, 0x100000 + 0x30 * i + 5, want, 5);
	}
	memset(want, 'L', SYMTAB_NAME_MAX);
	want[SYMTAB_NAME_MAX] = '\0';
	expect(b, len, 0x100000 + 0x30 * N, want, 0);
	expect(b, len, 0x100000 + 0x30 * (N + 1) + 1, "caf??", 1);
	expect(b, len, 0x100000 + 0x30 * (N + 2), NULL, 0);
	free(b);
}

/* The test binary's own nm listing: every function resolves to itself. */
static void test_mksyms_own_binary(void **state)
{
	char path[PATH_MAX], line[512];
	unsigned char *b;
	size_t len;
	FILE *f;
	int functions = 0;
	bool found_self = false;

	run("nm -n --defined-only /proc/%d/exe > %s/own.txt", (int)getpid(), tmpdir);
	snprintf(path, sizeof(path), "%s/own.txt", tmpdir);
	f = fopen(path, "r");
	assert_non_null(f);
	{
		char *listing = NULL;
		size_t cap = 0;
		FILE *mem = open_memstream(&listing, &cap);

		while (fgets(line, sizeof(line), f))
			fputs(line, mem);
		fclose(mem);
		b = blob_from_nm(listing, &len);
		free(listing);
	}
	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long long a;
		char type, name[400];
		uint64_t off = 1;
		char buf[SYMTAB_NAME_MAX + 1];
		const char *got;

		if (sscanf(line, "%llx %c %399s", &a, &type, name) != 3 || !strchr("Tt", type))
			continue;
		got = symtab_lookup(b, len, a, buf, &off);
		assert_non_null(got);
		assert_int_equal(off, 0);
		if (strcmp(name, "symtab_lookup") == 0) {
			expect(b, len, a, "symtab_lookup", 0);
			expect(b, len, a + 3, "symtab_lookup", 3);
			found_self = true;
		}
		functions++;
	}
	fclose(f);
	assert_true(found_self);
	assert_true(functions > 20);
	free(b);
}

int main(void)
{
	const struct CMUnitTest blob_tests[] = {
		cmocka_unit_test(test_lookup_positions),
		cmocka_unit_test(test_unaligned_blob),
		cmocka_unit_test(test_many_symbols),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_name_limit),
		cmocka_unit_test(test_malformed),
	};
	const struct CMUnitTest tool_tests[] = {
		cmocka_unit_test(test_mksyms_round_trip),
		cmocka_unit_test(test_mksyms_sizes),
		cmocka_unit_test(test_mksyms_empty_and_odd_names),
		cmocka_unit_test(test_mksyms_compact),
		cmocka_unit_test(test_mksyms_own_binary),
	};
	int failed = cmocka_run_group_tests(blob_tests, NULL, NULL);

	failed += cmocka_run_group_tests(tool_tests, setup_tools, teardown_tools);
	return failed;
}
