// sources: lib/appelf.c
/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for lib/appelf.c: the input is an ELF file given to
 * `toro pack --app` (whole, with its length) and, the second time, headers as
 * the kernel reads them from memory (no file length). An accepted program's
 * results must hold what the kernel relies on: segments ascending inside the
 * page-rounded extent, no page W and X, the entry in an executable page.
 * The same input, from its third byte, is also taken as the packed strings
 * with the first two bytes as the counts (appelf_strings): every string it
 * accepts ends inside the buffer.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <k/appelf.h>

static void check(const struct appelf *a)
{
	assert(a->nload > 0 && a->nload <= APPELF_MAX_LOAD);
	assert(a->lo <= a->hi && a->hi - a->lo <= APPELF_MAX_SPAN);
	for (int i = 0; i < a->nload; i++) {
		const struct appelf_seg *s = &a->load[i];
		assert(s->filesz <= s->memsz);
		assert(s->vaddr >= a->lo && s->vaddr + s->memsz <= a->hi);
		if (i)
			assert(s->vaddr >= a->load[i - 1].vaddr + a->load[i - 1].memsz);
		uint32_t f = appelf_page_flags(a, s->vaddr & ~0xfffull);
		assert(!((f & APPELF_W) && (f & APPELF_X)));
	}
	assert(appelf_page_flags(a, a->entry & ~0xfffull) & APPELF_X);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	memcpy(copy, data, size);
	struct appelf a;
	const char *why = NULL;
	if (appelf_parse(copy, size, size, &a, &why) == 0)
		check(&a);
	else
		assert(why);
	if (appelf_parse(copy, size, 0, &a, &why) == 0)
		check(&a);
	if (size >= 2) {
		const char *env[APPELF_PACKED_MAX], *argv[APPELF_PACKED_MAX];
		const char *b = (const char *)copy + 2;
		if (appelf_strings(b, size - 2, copy[0], copy[1], env, argv) == 0) {
			for (int i = 0; i < copy[0] + copy[1]; i++) {
				const char *s = i < copy[0] ? env[i] : argv[i - copy[0]];
				assert(s >= b && s + strlen(s) < b + size - 2);
			}
		}
	}
	free(copy);
	return 0;
}
