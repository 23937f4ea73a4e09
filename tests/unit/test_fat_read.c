/* SPDX-License-Identifier: MIT */
/*
 * FAT read path over images made by mkfs.fat and filled by mcopy (FAT12,
 * FAT16, FAT32): every file byte-exact (0 B to 5 MiB), long, short, mixed
 * case and non-ASCII names (mtools stores none beyond the BMP) listed exactly as mtools stored them, lookups
 * that ignore ASCII case and find short aliases, deep directories, readdir
 * positions that survive a stop after every entry, sizes and times.
 */
#include "fat_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <k/bcache.h>
#include <k/errno.h>
#include <k/fd.h>

#include <cmocka.h>

struct tfile {
	const char *path; /* relative to the root */
	size_t size;
};

static const struct tfile files[] = {
	{"EMPTY.TXT", 0},
	{"ONE", 1},
	{"lower.txt", 511},
	{"README.TXT", 512},
	{"Mixed Case Name.Dat", 513},
	{"a very long file name that goes past several thirteen-character slots.txt", 4097},
	{"\xc3\xa9t\xc3\xa9 \xc3\xbcn\xc3\xaf" "c\xc3\xb6" "d\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac.txt", 20000},
	{"odd;chars+in=name[1],x.y.z", 65543},
	{"dir with spaces/inner file.bin", 300000},
	{"d1/d2/d3/d4/d5/d6/d7/d8/deep.txt", 777},
	{"big.bin", 1048579},
	{"huge.bin", 3u << 20},
};
#define NFILES (sizeof(files) / sizeof(files[0]))

static struct ft_img imgs[] = {
	{12, 8192, "", ""},
	{16, 32768, "", ""},
	{32, 65536, "-s 1", ""},
};

static int setup_img(void **state)
{
	struct ft_img *im = *state;
	ft_img_make(im, "read");
	for (size_t i = 0; i < NFILES; i++) {
		uint8_t *data = malloc(files[i].size + 1);
		ft_fill(data, files[i].size, (uint32_t)i);
		char dos[512];
		snprintf(dos, sizeof(dos), "::/%s", files[i].path);
		ft_put(im->path, dos, data, files[i].size);
		free(data);
	}
	char *out;
	if (ft_fsck(im->path, &out) != 0)
		fail_msg("fsck of the fresh image: %s", out);
	free(out);
	return 0;
}

static void check_contents(struct ft *t)
{
	for (size_t i = 0; i < NFILES; i++) {
		uint8_t *got, *want = malloc(files[i].size + 1);
		ft_fill(want, files[i].size, (uint32_t)i);
		long n = ft_read_file(t, files[i].path, &got);
		if (n != (long)files[i].size)
			fail_msg("%s: read %ld bytes, want %zu", files[i].path, n, files[i].size);
		assert_memory_equal(got, want, files[i].size);
		free(got);
		free(want);
	}
}

static void test_contents(void **state)
{
	struct ft_img *im = *state;
	struct ft t;
	assert_int_equal(ft_open(&t, im->path, false, true), 0);
	check_contents(&t);
	/* Again with a cache of 8 blocks: everything goes through eviction
	 * and read-ahead that finds no room. */
	size_t old = bcache_limit();
	bcache_set_limit(8);
	check_contents(&t);
	bcache_set_limit(old);
	ft_close(&t);
}

/* Reads at odd offsets and lengths across cluster boundaries. */
static void test_partial_reads(void **state)
{
	struct ft_img *im = *state;
	struct ft t;
	struct vnode *vn;
	assert_int_equal(ft_open(&t, im->path, false, true), 0);
	assert_int_equal(ft_walk(&t, "big.bin", &vn), 0);
	size_t size = 1048579;
	uint8_t *want = malloc(size), *got = malloc(size);
	ft_fill(want, size, 10);
	uint64_t offs[] = {0, 1, 511, 512, 2047, 2048, 4095, 4096, 100000, size - 1, size, size + 9};
	size_t lens[] = {1, 7, 512, 513, 4096, 70001};
	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++)
		for (size_t j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
			long n = vn->v_ops->read(vn, got, lens[j], offs[i]);
			size_t exp = offs[i] >= size ? 0 : size - offs[i] < lens[j] ? size - offs[i] : lens[j];
			assert_int_equal(n, exp);
			assert_memory_equal(got, want + (offs[i] < size ? offs[i] : 0), exp);
		}
	/* Backwards, one cluster at a time. */
	for (long off = (long)size - 4096; off >= 0; off -= 40960) {
		assert_int_equal(vn->v_ops->read(vn, got, 4096, (uint64_t)off), 4096);
		assert_memory_equal(got, want + off, 4096);
	}
	free(want);
	free(got);
	vfs_vput(vn);
	ft_close(&t);
}

static void expect_names(struct ft *t, const char *dir, const char *const *want, size_t n)
{
	char *names;
	assert_int_equal(ft_list(t, dir, &names), 0);
	size_t count = 0;
	for (char *p = names; *p; p = strchr(p, '\n') + 1)
		count++;
	if (count != n)
		fail_msg("%s: %zu entries, want %zu:\n%s", dir, count, n, names);
	for (size_t i = 0; i < n; i++) {
		char line[600];
		snprintf(line, sizeof(line), "%s\n", want[i]);
		if (!strstr(names, line))
			fail_msg("%s: no '%s' in\n%s", dir, want[i], names);
	}
	free(names);
}

static void test_names(void **state)
{
	struct ft_img *im = *state;
	struct ft t;
	assert_int_equal(ft_open(&t, im->path, false, true), 0);
	const char *root[] = {"EMPTY.TXT", "ONE", "lower.txt", "README.TXT", "Mixed Case Name.Dat",
			      files[5].path, files[6].path, files[7].path, "dir with spaces",
			      "d1", "big.bin", "huge.bin"};
	expect_names(&t, "", root, sizeof(root) / sizeof(root[0]));
	const char *deep[] = {"deep.txt"};
	expect_names(&t, "d1/d2/d3/d4/d5/d6/d7/d8", deep, 1);
	const char *spaces[] = {"inner file.bin"};
	expect_names(&t, "dir with spaces", spaces, 1);

	/* Lookups ignore ASCII case and also find short aliases; trailing
	 * dots are dropped. */
	struct vnode *a, *b;
	const char *same[][2] = {
		{"readme.txt", "README.TXT"},
		{"MIXED CASE NAME.DAT", "Mixed Case Name.Dat"},
		{"MIXEDC~1.DAT", "Mixed Case Name.Dat"},
		{"lower.txt.", "LOWER.TXT"},
		{"D1/d2/D3/d4/D5/d6/D7/d8/DEEP.TXT", "d1/d2/d3/d4/d5/d6/d7/d8/deep.txt"},
	};
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		assert_int_equal(ft_walk(&t, same[i][0], &a), 0);
		assert_int_equal(ft_walk(&t, same[i][1], &b), 0);
		assert_ptr_equal(a, b); /* one vnode per file */
		vfs_vput(a);
		vfs_vput(b);
	}
	/* Non-ASCII letters do not fold. */
	assert_int_equal(ft_walk(&t, "\xc3\x89T\xc3\x89 \xc3\xbcn\xc3\xaf" "c\xc3\xb6" "d\xc3\xa9 "
				 "\xe6\x97\xa5\xe6\x9c\xac.txt", &a), -ENOENT);
	assert_int_equal(ft_walk(&t, "nothere", &a), -ENOENT);
	assert_int_equal(ft_walk(&t, "README.TXT/x", &a), -ENOENT);
	ft_close(&t);
}

struct stepper {
	char buf[4096];
	size_t n;
	int calls;
};

static int one_at_a_time(void *ctx, const char *name, size_t len, uint64_t ino, unsigned type,
			 uint64_t next)
{
	struct stepper *s = ctx;
	if (s->calls++ > 0)
		return 1; /* full after one */
	memcpy(s->buf + s->n, name, len);
	s->n += len;
	s->buf[s->n++] = '\n';
	s->buf[s->n] = 0;
	return 0;
}

static void test_readdir_positions(void **state)
{
	struct ft_img *im = *state;
	struct ft t;
	struct vnode *root;
	assert_int_equal(ft_open(&t, im->path, false, true), 0);
	char *all;
	assert_int_equal(ft_list(&t, "", &all), 0);
	assert_int_equal(ft_walk(&t, "", &root), 0);
	struct stepper s = {.n = 0};
	uint64_t pos = 0, last = ~0ull;
	while (pos != last) {
		last = pos;
		s.calls = 0;
		assert_int_equal(root->v_ops->readdir(root, &pos, one_at_a_time, &s), 0);
	}
	assert_string_equal(s.buf, all);
	free(all);
	vfs_vput(root);
	ft_close(&t);
}

static void test_attrs(void **state)
{
	struct ft_img *im = *state;
	struct ft t;
	struct vnode *vn;
	struct kstat st;
	assert_int_equal(ft_open(&t, im->path, false, true), 0);
	assert_int_equal(ft_walk(&t, "big.bin", &vn), 0);
	memset(&st, 0, sizeof(st));
	vn->v_ops->getattr(vn, &st);
	assert_int_equal(st.mode, S_IFREG | 0644);
	assert_int_equal(st.size, 1048579);
	assert_true(st.blocks * 512 >= st.size);
	/* mcopy stamped the files just now (UTC on both sides). */
	uint64_t now = (uint64_t)time(NULL);
	if (st.mtime + 86400 < now || st.mtime > now + 86400)
		fail_msg("mtime %llu far from now %llu", (unsigned long long)st.mtime,
			 (unsigned long long)now);
	vfs_vput(vn);
	assert_int_equal(ft_walk(&t, "d1", &vn), 0);
	vn->v_ops->getattr(vn, &st);
	assert_int_equal(st.mode, S_IFDIR | 0755);
	assert_int_equal(st.nlink, 3); /* ".", its entry and d2's ".." */
	vfs_vput(vn);
	assert_int_equal(ft_walk(&t, "", &vn), 0);
	vn->v_ops->getattr(vn, &st);
	assert_int_equal(st.nlink, 4); /* two subdirectories */
	vfs_vput(vn);
	/* Reading needs no write on a read-only mount. */
	assert_int_equal(t.rd->writes, 0);
	ft_close(&t);
}

#define IMG_TESTS(i)                                                                   \
	cmocka_unit_test_prestate_setup_teardown(test_contents, setup_img, NULL, &imgs[i]),       \
	cmocka_unit_test_prestate(test_partial_reads, &imgs[i]),                     \
	cmocka_unit_test_prestate(test_names, &imgs[i]),                             \
	cmocka_unit_test_prestate(test_readdir_positions, &imgs[i]),                 \
	cmocka_unit_test_prestate(test_attrs, &imgs[i])

int main(void)
{
	const struct CMUnitTest tests[] = {IMG_TESTS(0), IMG_TESTS(1), IMG_TESTS(2)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
