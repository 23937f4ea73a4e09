// sources: lib/symtab.c tests/unit/host_stubs.c
/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for lib/symtab.c: the symbol table blob is read from the
 * image in a crash, when anything may be corrupt. Any bytes must be looked up
 * without reading outside them, and a name found must lie, terminated, inside.
 * The addresses tried are the input's own entries (and their neighbours), so
 * the fuzzer reaches the name checks.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <k/symtab.h>

static uint64_t rd(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void lookup(const uint8_t *blob, size_t size, uint64_t addr)
{
	uint64_t off = 0;
	const char *name = symtab_lookup(blob, size, addr, &off);
	const uint8_t *n = (const uint8_t *)name;

	if (name == NULL)
		return;
	if (n < blob || n >= blob + size || memchr(n, '\0', size - (size_t)(n - blob)) == NULL)
		abort();
	if (name[0] == '\0' || off > addr)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy, so ASan sees any read past the end. */
	uint8_t *blob = malloc(size ? size : 1);
	uint64_t base;

	if (blob == NULL)
		return 0;
	memcpy(blob, data, size);
	lookup(blob, size, 0);
	lookup(blob, size, UINT64_MAX);
	if (size >= 16) {
		base = rd(blob + 8, 8);
		for (size_t i = 0; i < 8 && 16 + 4 * i + 4 <= size; i++) {
			uint64_t a = base + rd(blob + 16 + 4 * i, 4);

			lookup(blob, size, a);
			lookup(blob, size, a + 1);
			lookup(blob, size, a - 1);
		}
	}
	free(blob);
	return 0;
}
