/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for lib/string.c's memcpy and memset: every alignment of source
 * and destination against each other, lengths across the word and the
 * eight-word loops, and not a byte written outside the destination. The
 * kernel's functions are compiled here under k_ names so the host's own
 * (and the sanitizers') stay in place.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#define memcpy k_memcpy
#define memmove k_memmove
#define memset k_memset
#define memcmp k_memcmp
#define strlen k_strlen
#define strnlen k_strnlen
#define strcmp k_strcmp
#define strncmp k_strncmp
#define strchr k_strchr
#include "../../lib/string.c"
#undef memcpy
#undef memmove
#undef memset
#undef memcmp
#undef strlen
#undef strnlen
#undef strcmp
#undef strncmp
#undef strchr

#define PAD 16
#define MAXLEN 300

static void fill(unsigned char *b, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (unsigned char)(seed * 131 + i * 7 + 1);
}

/* Every (source offset, destination offset) pair 0..7 and every length up
 * to MAXLEN: the bytes arrive, the guard bytes around stay. */
static void test_memcpy_alignments(void **state)
{
	static unsigned char src[MAXLEN + 2 * PAD], dst[MAXLEN + 2 * PAD], ref[MAXLEN + 2 * PAD];
	for (int so = 0; so < 8; so++) {
		for (int doff = 0; doff < 8; doff++) {
			for (size_t n = 0; n <= MAXLEN; n++) {
				fill(src, sizeof(src), (unsigned)(so + n));
				memset(dst, 0xa5, sizeof(dst));
				memcpy(ref, dst, sizeof(ref));
				memcpy(ref + PAD + doff, src + PAD + so, n);
				void *r = k_memcpy(dst + PAD + doff, src + PAD + so, n);
				assert_ptr_equal(r, dst + PAD + doff);
				assert_memory_equal(dst, ref, sizeof(dst));
			}
		}
	}
}

static void test_memmove_overlap(void **state)
{
	unsigned char b[MAXLEN], ref[MAXLEN];
	for (int shift = -9; shift <= 9; shift++) {
		for (size_t n = 0; n + 20 <= MAXLEN; n += 13) {
			fill(b, sizeof(b), (unsigned)n);
			memcpy(ref, b, sizeof(ref));
			memmove(ref + 10 + shift, ref + 10, n);
			k_memmove(b + 10 + shift, b + 10, n);
			assert_memory_equal(b, ref, sizeof(b));
		}
	}
}

static void test_memset_alignments(void **state)
{
	unsigned char b[MAXLEN + 2 * PAD], ref[MAXLEN + 2 * PAD];
	for (int off = 0; off < 8; off++) {
		for (size_t n = 0; n <= MAXLEN; n++) {
			memset(b, 0x11, sizeof(b));
			memset(ref, 0x11, sizeof(ref));
			memset(ref + PAD + off, 0xee, n);
			assert_ptr_equal(k_memset(b + PAD + off, 0xee, n), b + PAD + off);
			assert_memory_equal(b, ref, sizeof(b));
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memcpy_alignments),
		cmocka_unit_test(test_memmove_overlap),
		cmocka_unit_test(test_memset_alignments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
