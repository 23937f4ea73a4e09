/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for FAT's pure parts: UTF-8 <-> UTF-16 names, long-name slots
 * and their checksum, 8.3 short names and numeric tails (fs/fat_name.c),
 * timestamps (fs/fat_time.c) and boot-sector checks (fs/fat_bpb.c).
 */
#include "../../fs/fat_impl.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <k/errno.h>

#include <cmocka.h>

static int u16(const char *s, uint16_t *out)
{
	return fat_utf8_to_utf16(s, strlen(s), out, FAT_LFN_MAX);
}

static void test_utf8_to_utf16(void **state)
{
	uint16_t u[FAT_LFN_MAX];
	assert_int_equal(u16("abc", u), 3);
	assert_int_equal(u[0], 'a');
	assert_int_equal(u16("\xc3\xa9t\xc3\xa9", u), 3); /* été */
	assert_int_equal(u[0], 0xE9);
	assert_int_equal(u16("\xe2\x82\xac", u), 1);     /* € */
	assert_int_equal(u[0], 0x20AC);
	assert_int_equal(u16("\xf0\x9f\x98\x80", u), 2); /* U+1F600: a pair */
	assert_int_equal(u[0], 0xD83D);
	assert_int_equal(u[1], 0xDE00);
	/* Malformed: overlong, lone continuation, surrogate, truncated,
	 * beyond U+10FFFF, NUL. */
	const char *bad[] = {"\xc0\x80", "\x80", "\xed\xa0\x80", "\xe2\x82", "\xf5\x80\x80\x80",
			     "\xf4\x90\x80\x80", "\xe0\x80\xaf"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(u16(bad[i], u), -EINVAL);
	assert_int_equal(fat_utf8_to_utf16("a\0b", 3, u, FAT_LFN_MAX), -EINVAL);
	char longname[300];
	memset(longname, 'x', sizeof(longname));
	assert_int_equal(fat_utf8_to_utf16(longname, 255, u, FAT_LFN_MAX), 255);
	assert_int_equal(fat_utf8_to_utf16(longname, 256, u, FAT_LFN_MAX), -ENAMETOOLONG);
}

static void test_utf16_to_utf8(void **state)
{
	uint16_t u[] = {'a', 0xE9, 0x20AC, 0xD83D, 0xDE00, 0xDC00, 'z'};
	char out[32];
	size_t n = fat_utf16_to_utf8(u, 7, out, sizeof(out));
	const char want[] = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xef\xbf\xbdz";
	assert_int_equal(n, sizeof(want) - 1);
	assert_memory_equal(out, want, n);
	/* Never past max, never half a character. */
	assert_int_equal(fat_utf16_to_utf8(u, 7, out, 4), 3);
}

static void test_name_rules(void **state)
{
	uint16_t u[FAT_LFN_MAX], w[FAT_LFN_MAX];
	int n = u16("name...", u);
	assert_int_equal(fat_name_strip(u, (size_t)n), 4);
	n = u16("...", u);
	assert_int_equal(fat_name_strip(u, (size_t)n), 0);
	const char *bad[] = {"a:b", "a*", "q?", "<", ">", "|", "\"", "a\\b", "tab\there"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = u16(bad[i], u);
		assert_int_equal(fat_name_valid(u, (size_t)n), -EINVAL);
	}
	n = u16("ok name+[x];=,.txt", u);
	assert_int_equal(fat_name_valid(u, (size_t)n), 0);
	assert_int_equal(fat_name_valid(u, 0), -EINVAL);
	n = u16("Hello.TXT", u);
	int m = u16("hELLO.txt", w);
	assert_true(fat_name_eq(u, (size_t)n, w, (size_t)m));
	n = u16("\xc3\xa9", u); /* é vs É: only ASCII folds */
	m = u16("\xc3\x89", w);
	assert_false(fat_name_eq(u, (size_t)n, w, (size_t)m));
}

static void test_lfn_checksum(void **state)
{
	/* The checksums mtools wrote next to these short names. */
	assert_int_equal(fat_lfn_csum((const uint8_t *)"README  TXT"), 115);
	assert_int_equal(fat_lfn_csum((const uint8_t *)"AVERYL~1TXT"), 128);
}

static void plan(const char *name, const char *sfn, bool lfn, bool tail, uint8_t ntres)
{
	uint16_t u[FAT_LFN_MAX];
	struct fat_sfn_plan p;
	int n = u16(name, u);
	fat_sfn_plan(u, (size_t)n, &p);
	if (tail) {
		struct fat_alias a;
		assert_int_equal(fat_alias_init(&a, &p), 0);
		assert_int_equal(fat_alias_pick(&a, &p), 0);
		fat_alias_free(&a);
	}
	char got[12] = {0};
	memcpy(got, p.sfn, 11);
	assert_string_equal(got, sfn);
	assert_int_equal(p.lfn, lfn);
	assert_int_equal(p.tail, tail);
	if (p.ntres != ntres)
		fail_msg("%s: ntres %#x, want %#x", name, p.ntres, ntres);
}

static void test_short_names(void **state)
{
	plan("README.TXT", "README  TXT", false, false, 0);
	plan("readme.txt", "README  TXT", false, false, NTRES_LOWER_BASE | NTRES_LOWER_EXT);
	plan("readme.TXT", "README  TXT", false, false, NTRES_LOWER_BASE);
	plan("MAKEFILE", "MAKEFILE   ", false, false, 0);
	plan("Readme.txt", "README  TXT", true, false, 0);
	plan("a very long name.txt", "AVERYL~1TXT", true, true, 0);
	plan(".bashrc", "BASHRC~1   ", true, true, 0);
	plan("foo.tar.gz", "FOOTAR~1GZ ", true, true, 0);
	plan("a+b.c", "A_B~1   C  ", true, true, 0);
	plan("\xc3\xa9t\xc3\xa9.txt", "_T_~1   TXT", true, true, 0);
	plan("abcdefghi", "ABCDEF~1   ", true, true, 0);
	plan("x.abcd", "X~1     ABC", true, true, 0);
	plan("\xf0\x9f\x98\x80.txt", "_~1     TXT", true, true, 0);
	plan("a b.txt", "AB~1    TXT", true, true, 0);
}

static void see(struct fat_alias *a, const char *sfn)
{
	fat_alias_see(a, (const uint8_t *)sfn);
}

static void test_numeric_tails(void **state)
{
	uint16_t u[FAT_LFN_MAX];
	struct fat_sfn_plan p;
	struct fat_alias a;
	int n = u16("abcdefghij.txt", u);
	fat_sfn_plan(u, (size_t)n, &p);
	assert_int_equal(fat_alias_init(&a, &p), 0);
	see(&a, "ABCDEF~1TXT");
	see(&a, "ABCDEF~2TXT");
	see(&a, "ABCDEF~3DOC"); /* another extension: no clash */
	see(&a, "ABCDE~3 TXT"); /* a 1-digit tail keeps 6 characters */
	assert_int_equal(fat_alias_pick(&a, &p), 0);
	assert_memory_equal(p.sfn, "ABCDEF~3TXT", 11);
	fat_alias_free(&a);

	/* ~1..~9 taken: two digits, one character less. */
	assert_int_equal(fat_alias_init(&a, &p), 0);
	char s[12];
	for (int i = 1; i <= 9; i++) {
		snprintf(s, sizeof(s), "ABCDEF~%cTXT", '0' + i);
		see(&a, s);
	}
	see(&a, "ABCDE~10TXT");
	assert_int_equal(fat_alias_pick(&a, &p), 0);
	assert_memory_equal(p.sfn, "ABCDE~11TXT", 11);
	fat_alias_free(&a);

	/* Short basis: the tail goes right after it. */
	n = u16("ab+.c", u);
	fat_sfn_plan(u, (size_t)n, &p);
	assert_int_equal(fat_alias_init(&a, &p), 0);
	see(&a, "AB_~1   C  ");
	see(&a, "AB_~01  C  "); /* a leading zero is not tail 1 */
	assert_int_equal(fat_alias_pick(&a, &p), 0);
	assert_memory_equal(p.sfn, "AB_~2   C  ", 11);
	fat_alias_free(&a);

	/* The exact 8.3 form taken is reported for a plan without tail. */
	n = u16("Readme.txt", u);
	fat_sfn_plan(u, (size_t)n, &p);
	assert_int_equal(fat_alias_init(&a, &p), 0);
	see(&a, "README  TXT");
	assert_true(a.basis_taken);
	fat_alias_free(&a);
}

/* Write a long name into slots (disk order) and read it back. */
static size_t lfn_roundtrip(const uint16_t *name, size_t n, uint8_t (*slots)[FAT_DIRENT],
			    uint16_t *out, void (*damage)(uint8_t (*)[FAT_DIRENT], size_t))
{
	uint8_t de[FAT_DIRENT] = "LONGNA~1TXT";
	uint8_t csum = fat_lfn_csum(de);
	size_t k = (n + LFN_CHARS - 1) / LFN_CHARS;
	for (size_t i = 0; i < k; i++)
		fat_lfn_put(slots[i], name, n, (unsigned)(k - i), csum);
	if (damage)
		damage(slots, k);
	struct fat_lfn_acc acc;
	fat_lfn_reset(&acc);
	for (size_t i = 0; i < k; i++)
		fat_lfn_feed(&acc, slots[i]);
	return fat_lfn_finish(&acc, de, out);
}

static void bad_csum(uint8_t (*s)[FAT_DIRENT], size_t k) { s[k - 1][LFN_CSUM] ^= 1; }
static void swap_order(uint8_t (*s)[FAT_DIRENT], size_t k)
{
	uint8_t t[FAT_DIRENT];
	memcpy(t, s[1], FAT_DIRENT);
	memcpy(s[1], s[2], FAT_DIRENT);
	memcpy(s[2], t, FAT_DIRENT);
}
static void drop_middle(uint8_t (*s)[FAT_DIRENT], size_t k) { s[1][LFN_ORD] = 1; }
static void slash(uint8_t (*s)[FAT_DIRENT], size_t k) { s[k - 1][1] = '/'; }
static void too_many(uint8_t (*s)[FAT_DIRENT], size_t k) { s[0][LFN_ORD] = LFN_LAST | 21; }

static void test_lfn_slots(void **state)
{
	uint16_t name[FAT_LFN_MAX], out[FAT_LFN_MAX + 1];
	uint8_t slots[FAT_LFN_SLOTS][FAT_DIRENT];
	for (int i = 0; i < FAT_LFN_MAX; i++)
		name[i] = (uint16_t)(i % 2 ? 0x4E2D : 'a' + i % 26);
	size_t lens[] = {1, 12, 13, 14, 26, 27, 254, 255};
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		memset(out, 0, sizeof(out));
		assert_int_equal(lfn_roundtrip(name, lens[i], slots, out, NULL), lens[i]);
		assert_memory_equal(out, name, lens[i] * 2);
	}
	/* A slot's padding: terminator then 0xFFFF. */
	lfn_roundtrip(name, 14, slots, out, NULL);
	assert_int_equal(slots[0][LFN_ORD], LFN_LAST | 2);
	assert_int_equal(fat_le16(slots[0] + 3), 0x0000);
	assert_int_equal(fat_le16(slots[0] + 5), 0xFFFF);
	/* Damage: the short name stands. */
	assert_int_equal(lfn_roundtrip(name, 40, slots, out, bad_csum), 0);
	assert_int_equal(lfn_roundtrip(name, 40, slots, out, swap_order), 0);
	assert_int_equal(lfn_roundtrip(name, 40, slots, out, drop_middle), 0);
	assert_int_equal(lfn_roundtrip(name, 40, slots, out, slash), 0);
	assert_int_equal(lfn_roundtrip(name, 40, slots, out, too_many), 0);
}

static void test_sfn_display(void **state)
{
	uint8_t de[FAT_DIRENT] = "README  TXT";
	uint16_t u[12];
	char s[40];
	size_t n = fat_sfn_to_utf16(de, u);
	assert_int_equal(fat_utf16_to_utf8(u, n, s, sizeof(s)), 10);
	assert_memory_equal(s, "README.TXT", 10);
	de[DE_NTRES] = NTRES_LOWER_BASE;
	n = fat_sfn_to_utf16(de, u);
	fat_utf16_to_utf8(u, n, s, sizeof(s));
	assert_memory_equal(s, "readme.TXT", 10);
	/* 0x05 stands for 0xE5 (CP437: U+03C3), bytes a path cannot hold
	 * show as '_', no extension: no dot. */
	memcpy(de, "\x05" "A/\x01    " "   ", 11);
	de[DE_NTRES] = 0;
	n = fat_sfn_to_utf16(de, u);
	assert_int_equal(n, 4);
	assert_int_equal(u[0], 0x03C3);
	assert_int_equal(u[2], '_');
	assert_int_equal(u[3], '_');
}

static void test_time(void **state)
{
	uint16_t d, t;
	uint8_t tenth;
	const uint64_t S = 1000000000ull;
	fat_time_encode(315532800ull * S, &d, &t, &tenth); /* 1980-01-01 */
	assert_int_equal(d, 1 << 5 | 1);
	assert_int_equal(t, 0);
	fat_time_encode(0, &d, &t, &tenth); /* 1970: clamps to 1980 */
	assert_int_equal(d, 1 << 5 | 1);
	assert_int_equal(t, 0);
	assert_int_equal(tenth, 0);
	/* 2024-02-29 12:34:57.78 UTC = 1709210097 */
	fat_time_encode(1709210097ull * S + 780000000ull, &d, &t, &tenth);
	assert_int_equal(d, (2024 - 1980) << 9 | 2 << 5 | 29);
	assert_int_equal(t, 12 << 11 | 34 << 5 | 28);
	assert_int_equal(tenth, 178);
	assert_int_equal(fat_time_decode(d, t, tenth), 1709210097ull * S + 780000000ull);
	assert_int_equal(fat_time_decode(d, t, 0), 1709210096ull * S);
	/* 2108 and later: the last instant. */
	fat_time_encode(4354819200ull * S, &d, &t, &tenth);
	assert_int_equal(d, 127 << 9 | 12 << 5 | 31);
	assert_int_equal(t, 23 << 11 | 59 << 5 | 29);
	/* Every eight hours of 1980..2107 goes there and back. */
	for (uint64_t sec = 315532800ull; sec < 4354819200ull; sec += 28800) {
		fat_time_encode(sec * S, &d, &t, &tenth);
		if (fat_time_decode(d, t, tenth) != sec * S)
			fail_msg("%llu does not come back", (unsigned long long)sec);
	}
	/* Damaged fields do not wrap: month 0 and 15, day 0. */
	assert_int_equal(fat_time_decode(0, 0, 0), 315532800ull * S);
	assert_true(fat_time_decode(15 << 5 | 1, 0, 0) < 347155200ull * S);
}

/* A FAT16 boot sector like mkfs.fat's for 16 MiB. */
static void bs16(uint8_t *bs)
{
	memset(bs, 0, 512);
	bs[0] = 0xEB, bs[1] = 0x3C, bs[2] = 0x90;
	fat_put16(bs + BPB_BYTS_PER_SEC, 512);
	bs[BPB_SEC_PER_CLUS] = 4;
	fat_put16(bs + BPB_RSVD_SEC_CNT, 4);
	bs[BPB_NUM_FATS] = 2;
	fat_put16(bs + BPB_ROOT_ENT_CNT, 512);
	fat_put16(bs + BPB_TOT_SEC16, 32768);
	bs[BPB_MEDIA] = 0xF8;
	fat_put16(bs + BPB_FAT_SZ16, 32);
	bs[510] = 0x55, bs[511] = 0xAA;
}

static void test_bpb(void **state)
{
	uint8_t bs[512];
	struct fat_geom g;
	const char *why = NULL;
	const uint64_t dev = 16ull << 20;
	bs16(bs);
	assert_int_equal(fat_geom_parse(bs, dev, &g, &why), 0);
	assert_int_equal(g.type, 16);
	assert_int_equal(g.nclusters, 8167);
	assert_int_equal(g.fat_start, 2048);
	assert_int_equal(g.root_start, 34816);
	assert_int_equal(g.data_start, 51200);
	assert_int_equal(fat_geom_bsize(&g), 2048);
	assert_int_equal(g.state_off, BS_STATE16);

	struct { int off, width; uint32_t val; const char *why; } cases[] = {
		{BPB_BYTS_PER_SEC, 2, 1000, "bytes per sector"},
		{BPB_BYTS_PER_SEC, 2, 256, "bytes per sector"},
		{BPB_BYTS_PER_SEC, 2, 8192, "bytes per sector"},
		{BPB_SEC_PER_CLUS, 1, 0, "sectors per cluster"},
		{BPB_SEC_PER_CLUS, 1, 3, "sectors per cluster"},
		{BPB_RSVD_SEC_CNT, 2, 0, "reserved sector count"},
		{BPB_NUM_FATS, 1, 0, "number of FATs"},
		{BPB_ROOT_ENT_CNT, 2, 500, "root directory entries"},
		{BPB_FAT_SZ16, 2, 8, "FAT shorter"},
		{BPB_TOT_SEC16, 2, 0, "total sector count"},
		{BPB_MEDIA, 1, 0x12, "media"},
		{510, 1, 0, "signature"},
		{BPB_FAT_SZ16, 2, 0, "FAT size is 0"},
		{BPB_RSVD_SEC_CNT, 2, 40000, "no room for data"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bs16(bs);
		if (cases[i].width == 1)
			bs[cases[i].off] = (uint8_t)cases[i].val;
		else
			fat_put16(bs + cases[i].off, (uint16_t)cases[i].val);
		why = NULL;
		assert_int_equal(fat_geom_parse(bs, dev, &g, &why), -EINVAL);
		assert_non_null(why);
		if (!strstr(why, cases[i].why))
			fail_msg("case %zu: '%s' does not say '%s'", i, why, cases[i].why);
	}
	bs16(bs);
	assert_int_equal(fat_geom_parse(bs, 8ull << 20, &g, &why), -EINVAL);
	assert_non_null(strstr(why, "larger than the device"));
	/* The label string does not decide the type: "FAT32" on FAT16. */
	bs16(bs);
	memcpy(bs + 54, "FAT32   ", 8);
	assert_int_equal(fat_geom_parse(bs, dev, &g, &why), 0);
	assert_int_equal(g.type, 16);
	/* FAT12 by count: 2 MiB. */
	bs16(bs);
	fat_put16(bs + BPB_TOT_SEC16, 4096);
	fat_put16(bs + BPB_FAT_SZ16, 3);
	fat_put16(bs + BPB_RSVD_SEC_CNT, 1);
	assert_int_equal(fat_geom_parse(bs, dev, &g, &why), 0);
	assert_int_equal(g.type, 12);
	assert_int_equal(fat_geom_bsize(&g), 512);
	/* FAT32 by count with a 16-bit FAT size: refused. */
	bs16(bs);
	fat_put16(bs + BPB_TOT_SEC16, 0);
	fat_put32(bs + BPB_TOT_SEC32, 600000);
	fat_put16(bs + BPB_FAT_SZ16, 4700);
	bs[BPB_SEC_PER_CLUS] = 1;
	assert_int_equal(fat_geom_parse(bs, 1ull << 30, &g, &why), -EINVAL);
	assert_non_null(strstr(why, "FAT32"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_to_utf16),
		cmocka_unit_test(test_utf16_to_utf8),
		cmocka_unit_test(test_name_rules),
		cmocka_unit_test(test_lfn_checksum),
		cmocka_unit_test(test_short_names),
		cmocka_unit_test(test_numeric_tails),
		cmocka_unit_test(test_lfn_slots),
		cmocka_unit_test(test_sfn_display),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_bpb),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
