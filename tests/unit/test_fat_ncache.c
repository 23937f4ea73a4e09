/* SPDX-License-Identifier: MIT */
/*
 * The FAT name cache (fs/fat_ncache.c) on FAT12, FAT16 and FAT32 images made
 * by mkfs.fat: names looked up again are answered without a walk of the
 * directory (its hit counter says so); whatever the directory went through
 * since a hint was taken (unlink, a new file in the freed slots, rename within
 * and across directories and over another file, rmdir and a new directory in
 * its cluster, mixed case, short aliases), every lookup answers what a walk
 * would, checked against a model of the tree and by reading contents back;
 * and a table far smaller than the directory (evictions) stays right.
 */
#include "fat_test.h"
#include "../../fs/fat_impl.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <k/bcache.h>
#include <k/errno.h>
#include <k/fd.h>

#include <cmocka.h>

static struct ft_img imgs[] = {
	{12, 4096, "", ""},
	{16, 32768, "", ""},
	{32, 40960, "", ""},
};

static int fresh(void **state)
{
	ft_img_make(*state, "nc");
	return 0;
}

static void fsck_clean(const char *img)
{
	char *why = ft_unclean(img);
	if (why)
		fail_msg("%s", why);
}

static struct fat_vol *vol(struct ft *t) { return t->m.m_priv; }

static void stats(struct ft *t, uint64_t *hits, uint64_t *misses)
{
	fat_nc_stats(vol(t), hits, misses);
}

/* The file holds 64 bytes made from seed: the model's check. */
static void put(struct ft *t, const char *path, uint32_t seed)
{
	uint8_t b[64];
	ft_fill(b, sizeof(b), seed);
	assert_int_equal(ft_write_file(t, path, b, sizeof(b)), 0);
}

static void expect(struct ft *t, const char *path, uint32_t seed)
{
	uint8_t want[64], *got = NULL;
	ft_fill(want, sizeof(want), seed);
	long n = ft_read_file(t, path, &got);
	if (n != (long)sizeof(want) || memcmp(got, want, sizeof(want)))
		fail_msg("%s: read %ld bytes, not the file of seed %u", path, n, seed);
	free(got);
}

static void expect_none(struct ft *t, const char *path)
{
	struct vnode *vn;
	int r = ft_walk(t, path, &vn);
	if (r == 0) {
		vfs_vput(vn);
		fail_msg("%s: still found", path);
	}
	assert_int_equal(r, -ENOENT);
}

/* 200 names created and looked up again: no walk for any of them. */
static void test_hits(void **state)
{
	struct ft_img *im = *state;
	struct ft t;
	char p[64];
	uint64_t h0, m0, h1, m1;
	assert_int_equal(ft_open(&t, im->path, false, false), 0);
	assert_non_null(vol(&t)->nc);
	assert_int_equal(ft_mkdir(&t, "d"), 0);
	for (unsigned i = 0; i < 200; i++) {
		snprintf(p, sizeof(p), "d/%s%03u.dat", i % 2 ? "f" : "A Long Name ", i);
		put(&t, p, i);
	}
	stats(&t, &h0, &m0);
	for (unsigned i = 0; i < 200; i++) {
		snprintf(p, sizeof(p), "d/%s%03u.dat", i % 2 ? "F" : "a long NAME ", i);
		expect(&t, p, i);
	}
	stats(&t, &h1, &m1);
	/* Each path walk looks up "d" in the root, then the name in d. */
	assert_int_equal(h1 - h0, 400);
	assert_int_equal(m1 - m0, 0);
	ft_close(&t);
	fsck_clean(im->path);
}

/* Hints left behind by every kind of change: each lookup still answers
 * what the tree holds. */
static void test_stale_hints(void **state)
{
	struct ft_img *im = *state;
	struct ft t;
	char p[64], q[64];
	assert_int_equal(ft_open(&t, im->path, false, false), 0);
	assert_int_equal(ft_mkdir(&t, "a"), 0);
	assert_int_equal(ft_mkdir(&t, "b"), 0);
	for (unsigned i = 0; i < 60; i++) {
		snprintf(p, sizeof(p), "a/name number %02u.txt", i);
		put(&t, p, i);
		expect(&t, p, i); /* a hint for every name */
	}
	/* Unlinked, then other names in the freed slots (shorter names: the
	 * old hints point into the middle of new entries or at deleted ones). */
	for (unsigned i = 0; i < 60; i += 3) {
		snprintf(p, sizeof(p), "a/name number %02u.txt", i);
		assert_int_equal(ft_unlink(&t, p, false), 0);
	}
	for (unsigned i = 0; i < 60; i += 3) {
		snprintf(p, sizeof(p), "a/n%02u", i);
		put(&t, p, 1000 + i);
	}
	/* Renamed within a, to b, and over a file in b. */
	for (unsigned i = 1; i < 60; i += 3) {
		snprintf(p, sizeof(p), "a/name number %02u.txt", i);
		snprintf(q, sizeof(q), i % 2 ? "a/renamed %02u.txt" : "b/moved %02u.txt", i);
		assert_int_equal(ft_rename(&t, p, q, 0), 0);
	}
	put(&t, "b/target.txt", 2000);
	expect(&t, "b/target.txt", 2000);
	assert_int_equal(ft_rename(&t, "a/name number 02.txt", "b/target.txt", 0), 0);
	/* The same name again, elsewhere in the directory. */
	assert_int_equal(ft_unlink(&t, "a/name number 05.txt", false), 0);
	put(&t, "a/filler", 3000);
	put(&t, "a/name number 05.txt", 3005);
	for (unsigned i = 0; i < 60; i++) {
		snprintf(p, sizeof(p), "a/name number %02u.txt", i);
		if (i % 3 == 0) {
			expect_none(&t, p);
			snprintf(p, sizeof(p), "a/N%02u", i);
			expect(&t, p, 1000 + i);
		} else if (i % 3 == 1) {
			expect_none(&t, p);
			snprintf(q, sizeof(q), i % 2 ? "a/renamed %02u.txt" : "b/moved %02u.txt", i);
			expect(&t, q, i);
		} else if (i == 2) {
			expect_none(&t, p);
			expect(&t, "b/target.txt", 2);
		} else if (i == 5) {
			expect(&t, p, 3005);
		} else {
			expect(&t, p, i);
		}
	}
	/* A removed directory whose cluster a new one gets: the old one's
	 * hints must not name anything in it. */
	for (unsigned i = 0; i < 10; i++) {
		snprintf(p, sizeof(p), "b/sub/x%u", i);
		if (i == 0)
			assert_int_equal(ft_mkdir(&t, "b/sub"), 0);
		put(&t, p, 4000 + i);
		expect(&t, p, 4000 + i);
	}
	for (unsigned i = 0; i < 10; i++) {
		snprintf(p, sizeof(p), "b/sub/x%u", i);
		assert_int_equal(ft_unlink(&t, p, false), 0);
	}
	assert_int_equal(ft_unlink(&t, "b/sub", true), 0);
	assert_int_equal(ft_mkdir(&t, "b/sub2"), 0);
	put(&t, "b/sub2/y", 5000);
	for (unsigned i = 0; i < 10; i++) {
		snprintf(p, sizeof(p), "b/sub2/x%u", i);
		expect_none(&t, p);
	}
	expect(&t, "b/sub2/y", 5000);
	ft_close(&t);
	fsck_clean(im->path);
}

/* A directory of 600 names through a table of 256 entries: evictions, two
 * names of one hash taking turns; every answer still right, and by the
 * short alias too. */
static void test_small_table(void **state)
{
	struct ft_img *im = *state;
	struct ft t;
	char p[64];
	if (im->fat == 12)
		skip(); /* 600 long names need more room than the 4 MiB FAT12 image */
	size_t old = bcache_limit();
	bcache_set_limit(32); /* the table's least: 256 entries */
	assert_int_equal(ft_open(&t, im->path, false, false), 0);
	bcache_set_limit(old);
	assert_int_equal(ft_mkdir(&t, "many"), 0);
	for (unsigned i = 0; i < 600; i++) {
		snprintf(p, sizeof(p), "many/Mixed Case %03u.Data", i);
		put(&t, p, i);
	}
	for (int round = 0; round < 2; round++)
		for (unsigned i = 0; i < 600; i += 7) {
			snprintf(p, sizeof(p), "many/mixed case %03u.data", i);
			expect(&t, p, i);
		}
	uint64_t hits, misses;
	stats(&t, &hits, &misses);
	assert_true(misses > 0); /* the table cannot hold them all */
	/* Aliases are MIXEDC~N.DAT in creation order. */
	expect(&t, "many/MIXEDC~1.DAT", 0);
	expect(&t, "many/mixedc~2.dat", 1);
	ft_close(&t);
	fsck_clean(im->path);
}

#define NC_TESTS(i)                                                                   \
	cmocka_unit_test_prestate_setup_teardown(test_hits, fresh, NULL, &imgs[i]),   \
	cmocka_unit_test_prestate_setup_teardown(test_stale_hints, fresh, NULL, &imgs[i]), \
	cmocka_unit_test_prestate_setup_teardown(test_small_table, fresh, NULL, &imgs[i])

int main(void)
{
	const struct CMUnitTest tests[] = { NC_TESTS(0), NC_TESTS(1), NC_TESTS(2) };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
