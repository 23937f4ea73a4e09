// sources: lib/symtab.c tests/unit/host_stubs.c
/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for lib/symtab.c: the symbol table blob is read from the
 * image in a crash, when anything may be corrupt. Any bytes must be looked up
 * without reading outside them, and a name found must be a short, non-empty,
 * 7-bit string in the caller's buffer. The addresses tried are the base, small
 * offsets from it taken from the input's last bytes, and their neighbours.
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
	char buf[SYMTAB_NAME_MAX + 2];
	uint64_t off = 0;
	const char *name;
	size_t n;

	buf[SYMTAB_NAME_MAX + 1] = 'G';	/* guard: never written */
	name = symtab_lookup(blob, size, addr, buf, &off);
	if (buf[SYMTAB_NAME_MAX + 1] != 'G')
		abort();
	if (name == NULL)
		return;
	if (name != buf)
		abort();
	n = strnlen(buf, SYMTAB_NAME_MAX + 1);
	if (n == 0 || n > SYMTAB_NAME_MAX || off > addr)
		abort();
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)buf[i] >= 0x80)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy, so ASan sees any read past the end. */
	uint8_t *blob = malloc(size ? size : 1);

	if (blob == NULL)
		return 0;
	memcpy(blob, data, size);
	lookup(blob, size, 0);
	lookup(blob, size, UINT64_MAX);
	if (size >= 16) {
		uint64_t base = rd(blob + 8, 8);

		lookup(blob, size, base);
		for (size_t i = 1; i <= 6 && 16 + 2 * i <= size; i++) {
			uint64_t a = base + rd(blob + size - 2 * i, 2);

			lookup(blob, size, a);
			lookup(blob, size, a + 1);
			lookup(blob, size, a - 1);
		}
	}
	free(blob);
	return 0;
}
