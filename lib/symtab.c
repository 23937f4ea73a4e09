/* SPDX-License-Identifier: MIT */
/*
 * Symbol lookup in the image's own symbol table blob (include/k/symtab.h).
 * The blob is only trusted after checking it: every field is read byte by
 * byte (no alignment assumed), the count must fit the length, the addresses
 * must be sorted and the name found must lie, terminated, inside the blob.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <k/symtab.h>

#define HDR_SIZE 16u

static uint32_t rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t rd64(const unsigned char *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

struct table {
	uint32_t count;
	uint64_t base;
	const unsigned char *addrs;
	const unsigned char *name_offs;
	const char *names;
	size_t names_len;
};

static bool table_open(struct table *t, const void *blob, size_t len)
{
	const unsigned char *b = blob;
	uint32_t prev = 0;

	if (b == NULL || len < HDR_SIZE || rd32(b) != SYMTAB_MAGIC)
		return false;
	t->count = rd32(b + 4);
	t->base = rd64(b + 8);
	if (t->count == 0 || t->count > (len - HDR_SIZE) / 8)
		return false;
	t->addrs = b + HDR_SIZE;
	t->name_offs = t->addrs + 4 * (size_t)t->count;
	t->names = (const char *)(t->name_offs + 4 * (size_t)t->count);
	t->names_len = len - HDR_SIZE - 8 * (size_t)t->count;
	for (uint32_t i = 0; i < t->count; i++) {
		uint32_t a = rd32(t->addrs + 4 * (size_t)i);

		if (a < prev)
			return false;
		prev = a;
	}
	return true;
}

/* The entry's name, or NULL when its offset or terminator is outside the blob. */
static const char *entry_name(const struct table *t, uint32_t i)
{
	uint32_t off = rd32(t->name_offs + 4 * (size_t)i);

	if (off >= t->names_len)
		return NULL;
	for (size_t j = off; j < t->names_len; j++) {
		if (t->names[j] == '\0')
			return t->names + off;
	}
	return NULL;
}

const char *symtab_lookup(const void *blob, size_t len, uint64_t addr, uint64_t *off)
{
	struct table t;
	uint64_t rel;
	uint32_t lo, hi;
	const char *name;

	if (!table_open(&t, blob, len) || addr < t.base)
		return NULL;
	rel = addr - t.base;
	if (rel < rd32(t.addrs))
		return NULL;
	/* Last entry whose address is <= rel: invariant addrs[lo] <= rel < addrs[hi]. */
	lo = 0;
	hi = t.count;
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (rd32(t.addrs + 4 * (size_t)mid) <= rel)
			lo = mid;
		else
			hi = mid;
	}
	name = entry_name(&t, lo);
	if (name == NULL || name[0] == '\0')
		return NULL;
	if (off != NULL)
		*off = rel - rd32(t.addrs + 4 * (size_t)lo);
	return name;
}
