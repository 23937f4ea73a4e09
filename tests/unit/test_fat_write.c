/* SPDX-License-Identifier: MIT */
/*
 * FAT writes through the vnode ops on FAT12, FAT16 and FAT32 images made by
 * mkfs.fat: create, write, append, overwrite, gaps, truncate, rename (same
 * and other directory, replacing, refusing), unlink, mkdir/rmdir, many files
 * in one directory; then unmount and let fsck.fat -n judge the image and
 * mtools read back every byte and name. Also a full disk (ENOSPC, nothing
 * before it lost), read-only mounts and devices (EROFS), unlink of an open
 * file, and the 4 GiB limit (EFBIG).
 */
#include "fat_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <k/errno.h>
#include <k/fd.h>

#include <cmocka.h>

static struct ft_img imgs[] = {
	{12, 4096, "", ""},
	{16, 32768, "", ""},
	{32, 40960, "-s 1", ""},
};

static int fresh(void **state)
{
	ft_img_make(*state, "w");
	return 0;
}

static void fsck_clean(const char *img)
{
	char *why = ft_unclean(img);
	if (why)
		fail_msg("%s", why);
}

/* mtools reads path back as exactly len bytes of seed's pattern. */
static void mtools_has(const char *img, const char *path, size_t len, uint32_t seed)
{
	char dos[600];
	uint8_t *got, *want = malloc(len + 1);
	snprintf(dos, sizeof(dos), "::/%s", path);
	long n = ft_get(img, dos, &got);
	if (n != (long)len)
		fail_msg("mcopy %s: %ld bytes, want %zu", path, n, len);
	ft_fill(want, len, seed);
	assert_memory_equal(got, want, len);
	free(got);
	free(want);
}

/* mdir's recursive bare listing equals want (sorted, '\n'-separated). */
static void mtools_tree(const char *img, const char *want)
{
	char *out;
	ft_sh(&out, "mdir -/ -b -i '%s' ::/ | LC_ALL=C sort", img);
	if (strcmp(out, want) != 0)
		fail_msg("mdir listing:\n%s\nwant:\n%s", out, want);
	free(out);
}

static void put(struct ft *t, const char *path, size_t len, uint32_t seed)
{
	uint8_t *p = malloc(len + 1);
	ft_fill(p, len, seed);
	int err = ft_write_file(t, path, p, len);
	if (err)
		fail_msg("write %s: %d", path, err);
	free(p);
}

static void has(struct ft *t, const char *path, size_t len, uint32_t seed)
{
	uint8_t *got, *want = malloc(len + 1);
	ft_fill(want, len, seed);
	long n = ft_read_file(t, path, &got);
	if (n != (long)len)
		fail_msg("%s: %ld bytes, want %zu", path, n, len);
	assert_memory_equal(got, want, len);
	free(got);
	free(want);
}

static void test_create_write(void **state)
{
	struct ft_img *im = *state;
	struct ft t;
	assert_int_equal(ft_open(&t, im->path, false, false), 0);
	put(&t, "new.txt", 100, 1);
	put(&t, "NEW2.TXT", 0, 2);
	put(&t, "Mixed.Txt", 5000, 3);
	put(&t, "a long name with spaces.text", 70000, 4);
	put(&t, "\xc3\xa9t\xc3\xa9.txt", 3, 5);
	assert_int_equal(ft_mkdir(&t, "sub"), 0);
	assert_int_equal(ft_mkdir(&t, "sub/Deeper Dir"), 0);
	put(&t, "sub/Deeper Dir/inside.bin", 1000000, 6);
	put(&t, "sub/x", 1, 7);
	/* Readable before and after a remount. */
	has(&t, "NEW.TXT", 100, 1);
	has(&t, "sub/deeper dir/INSIDE.BIN", 1000000, 6);
	ft_close(&t);
	fsck_clean(im->path);
	assert_int_equal(ft_open(&t, im->path, false, true), 0);
	has(&t, "a long name with spaces.text", 70000, 4);
	ft_close(&t);
	mtools_has(im->path, "new.txt", 100, 1);
	mtools_has(im->path, "NEW2.TXT", 0, 2);
	mtools_has(im->path, "Mixed.Txt", 5000, 3);
	mtools_has(im->path, "a long name with spaces.text", 70000, 4);
	mtools_has(im->path, "\xc3\xa9t\xc3\xa9.txt", 3, 5);
	mtools_has(im->path, "sub/Deeper Dir/inside.bin", 1000000, 6);
	mtools_tree(im->path, "::/Mixed.Txt\n::/NEW2.TXT\n::/a long name with spaces.text\n"
			      "::/new.txt\n::/sub/\n::/sub/Deeper Dir/\n::/sub/Deeper Dir/inside.bin\n"
			      "::/sub/x\n::/\xc3\xa9t\xc3\xa9.txt\n");
	/* A lower-case 8.3 name keeps its case through the NT bits, with no
	 * long-name slot; Mixed.Txt needs one. */
	char *out;
	ft_sh(&out, "mdir -i '%s' ::/ | grep -i 'new\\|mixed'", im->path);
	assert_non_null(strstr(out, "new      txt"));
	assert_non_null(strstr(out, "MIXED    TXT"));
	free(out);
}

static void test_append_overwrite_gap(void **state)
{
	struct ft_img *im = *state;
	struct ft t;
	struct vnode *vn;
	size_t size = 300000;
	uint8_t *want = calloc(1, size), *chunk = malloc(size);
	ft_fill(chunk, size, 9);
	assert_int_equal(ft_open(&t, im->path, false, false), 0);
	assert_int_equal(ft_create(&t, "grow.bin", S_IFREG | 0644, &vn), 0);
	/* Appends of odd sizes. */
	size_t off = 0, k = 1;
	while (off < 100000) {
		assert_int_equal(vn->v_ops->write(vn, chunk + off, k, off), k);
		memcpy(want + off, chunk + off, k);
		off += k;
		k = k * 3 + 1;
		if (off + k > 100000)
			k = 100000 - off;
	}
	/* Overwrite across a cluster boundary. */
	assert_int_equal(vn->v_ops->write(vn, chunk, 5000, 2000), 5000);
	memcpy(want + 2000, chunk, 5000);
	/* A gap: reads as zeros. */
	assert_int_equal(vn->v_ops->write(vn, chunk, 1000, 250000), 1000);
	memcpy(want + 250000, chunk, 1000);
	assert_int_equal(vn->v_size, 251000);
	vfs_vput(vn);
	uint8_t *got;
	assert_int_equal(ft_read_file(&t, "grow.bin", &got), 251000);
	assert_memory_equal(got, want, 251000);
	free(got);
	ft_close(&t);
	fsck_clean(im->path);
	assert_int_equal(ft_get(im->path, "::/grow.bin", &got), 251000);
	assert_memory_equal(got, want, 251000);
	free(got);
	free(want);
	free(chunk);
}

static void test_truncate(void **state)
{
	struct ft_img *im = *state;
	struct ft t;
	struct vnode *vn;
	assert_int_equal(ft_open(&t, im->path, false, false), 0);
	put(&t, "t.bin", 200000, 11);
	assert_int_equal(ft_walk(&t, "t.bin", &vn), 0);
	/* Shrink into the middle of a cluster, then grow: the old bytes past
	 * the cut read as zeros. */
	assert_int_equal(vn->v_ops->truncate(vn, 7777), 0);
	assert_int_equal(vn->v_size, 7777);
	assert_int_equal(vn->v_ops->truncate(vn, 150000), 0);
	uint8_t *got, *want = calloc(1, 150000);
	ft_fill(want, 7777, 11);
	vfs_vput(vn);
	assert_int_equal(ft_read_file(&t, "t.bin", &got), 150000);
	assert_memory_equal(got, want, 150000);
	free(got);
	put(&t, "zero.bin", 5000, 12);
	assert_int_equal(ft_walk(&t, "zero.bin", &vn), 0);
	assert_int_equal(vn->v_ops->truncate(vn, 0), 0);
	assert_int_equal(vn->v_ops->truncate(vn, 0), 0);
	vfs_vput(vn);
	ft_close(&t);
	fsck_clean(im->path);
	assert_int_equal(ft_get(im->path, "::/t.bin", &got), 150000);
	assert_memory_equal(got, want, 150000);
	free(got);
	free(want);
	mtools_has(im->path, "zero.bin", 0, 0);
}

static void test_rename(void **state)
{
	struct ft_img *im = *state;
	struct ft t;
	struct vnode *vn, *vn2;
	assert_int_equal(ft_open(&t, im->path, false, false), 0);
	assert_int_equal(ft_mkdir(&t, "a"), 0);
	assert_int_equal(ft_mkdir(&t, "b"), 0);
	assert_int_equal(ft_mkdir(&t, "a/sub"), 0);
	put(&t, "a/sub/f", 3000, 20);
	put(&t, "short.txt", 10, 21);
	put(&t, "victim", 50000, 22);
	put(&t, "mover", 4000, 23);
	/* Same directory, short to long to short; the open vnode follows. */
	assert_int_equal(ft_walk(&t, "short.txt", &vn), 0);
	assert_int_equal(ft_rename(&t, "short.txt", "now a much longer name.txt", 0), 0);
	assert_int_equal(ft_walk(&t, "now a much longer name.txt", &vn2), 0);
	assert_ptr_equal(vn, vn2);
	vfs_vput(vn2);
	assert_int_equal(ft_rename(&t, "now a much longer name.txt", "S.TXT", 0), 0);
	/* Case only. */
	assert_int_equal(ft_rename(&t, "S.TXT", "s.txt", 0), 0);
	assert_int_equal(ft_walk(&t, "S.txt", &vn2), 0);
	assert_ptr_equal(vn, vn2);
	vfs_vput(vn2);
	vfs_vput(vn);
	/* Across directories, with a directory: its ".." follows. */
	assert_int_equal(ft_rename(&t, "a/sub", "b/moved sub", 0), 0);
	assert_int_equal(ft_walk(&t, "a/sub", &vn), -ENOENT);
	has(&t, "b/moved sub/f", 3000, 20);
	/* Replacing a file; NOREPLACE refuses. */
	assert_int_equal(ft_rename(&t, "mover", "victim", VFS_RENAME_NOREPLACE), -EEXIST);
	assert_int_equal(ft_walk(&t, "victim", &vn), 0); /* open: readable after */
	assert_int_equal(ft_rename(&t, "mover", "victim", 0), 0);
	uint8_t buf[100], want[100];
	ft_fill(want, 100, 22);
	assert_int_equal(vn->v_ops->read(vn, buf, 100, 0), 100);
	assert_memory_equal(buf, want, 100);
	vfs_vput(vn);
	has(&t, "victim", 4000, 23);
	assert_int_equal(ft_walk(&t, "mover", &vn), -ENOENT);
	/* Kinds must match; a directory target must be empty. */
	assert_int_equal(ft_mkdir(&t, "emptydir"), 0);
	assert_int_equal(ft_rename(&t, "victim", "b", 0), -EISDIR);
	assert_int_equal(ft_rename(&t, "b", "victim", 0), -ENOTDIR);
	assert_int_equal(ft_rename(&t, "a", "b", 0), -ENOTEMPTY);
	assert_int_equal(ft_rename(&t, "a", "emptydir", 0), 0);
	assert_int_equal(ft_rename(&t, "nothing", "x", 0), -ENOENT);
	assert_int_equal(ft_rename(&t, "victim", "bad:name", 0), -EINVAL);
	ft_close(&t);
	fsck_clean(im->path);
	mtools_tree(im->path, "::/b/\n::/b/moved sub/\n::/b/moved sub/f\n::/emptydir/\n::/s.txt\n"
			      "::/victim\n");
	mtools_has(im->path, "b/moved sub/f", 3000, 20);
	mtools_has(im->path, "s.txt", 10, 21);
}

static void test_unlink_mkdir_rmdir(void **state)
{
	struct ft_img *im = *state;
	struct ft t;
	assert_int_equal(ft_open(&t, im->path, false, false), 0);
	assert_int_equal(ft_mkdir(&t, "d"), 0);
	assert_int_equal(ft_mkdir(&t, "d"), -EEXIST);
	assert_int_equal(ft_mkdir(&t, "D"), -EEXIST);
	put(&t, "d/file", 10000, 30);
	assert_int_equal(ft_unlink(&t, "d", true), -ENOTEMPTY);
	assert_int_equal(ft_unlink(&t, "d", false), -EISDIR);
	assert_int_equal(ft_unlink(&t, "d/file", true), -ENOTDIR);
	assert_int_equal(ft_unlink(&t, "d/file", false), 0);
	assert_int_equal(ft_unlink(&t, "d/file", false), -ENOENT);
	assert_int_equal(ft_unlink(&t, "d", true), 0);
	assert_int_equal(ft_mkdir(&t, "bad|name"), -EINVAL);
	assert_int_equal(ft_mkdir(&t, "..."), -EINVAL);
	char longname[300];
	memset(longname, 'n', sizeof(longname));
	longname[256] = 0;
	assert_int_equal(ft_mkdir(&t, longname), -ENAMETOOLONG);
	longname[255] = 0;
	assert_int_equal(ft_mkdir(&t, longname), 0);
	/* Trailing dots are dropped, as Linux's vfat does. */
	put(&t, "dots...", 5, 31);
	has(&t, "dots", 5, 31);
	ft_close(&t);
	fsck_clean(im->path);
	char want[600];
	snprintf(want, sizeof(want), "::/dots\n::/%s/\n", longname);
	mtools_tree(im->path, want);
}

static void test_many_files(void **state)
{
	struct ft_img *im = *state;
	struct ft t;
	char name[128], want[65536] = "";
	assert_int_equal(ft_open(&t, im->path, false, false), 0);
	assert_int_equal(ft_mkdir(&t, "many"), 0);
	/* 300 names with the same 8.3 basis: the ~N tails must differ and
	 * the directory grows over many clusters. */
	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "many/longfilename number %03d.data", i);
		put(&t, name, (size_t)i, (uint32_t)i);
	}
	/* Delete every third, then make more (reusing slots). */
	for (int i = 0; i < 300; i += 3) {
		snprintf(name, sizeof(name), "many/longfilename number %03d.data", i);
		assert_int_equal(ft_unlink(&t, name, false), 0);
	}
	for (int i = 300; i < 350; i++) {
		snprintf(name, sizeof(name), "many/longfilename number %03d.data", i);
		put(&t, name, (size_t)i, (uint32_t)i);
	}
	for (int i = 0; i < 350; i++) {
		if (i < 300 && i % 3 == 0)
			continue;
		snprintf(name, sizeof(name), "many/longfilename number %03d.data", i);
		has(&t, name, (size_t)i, (uint32_t)i);
	}
	ft_close(&t);
	fsck_clean(im->path);
	strcat(want, "::/many/\n");
	for (int i = 0; i < 350; i++) {
		if (i < 300 && i % 3 == 0)
			continue;
		snprintf(name, sizeof(name), "::/many/longfilename number %03d.data\n", i);
		strcat(want, name);
	}
	mtools_tree(im->path, want);
	mtools_has(im->path, "many/longfilename number 299.data", 299, 299);
	/* The short names: unique, with tails. */
	char *out;
	ft_sh(&out, "mdir -i '%s' ::/many | grep -c '^LONG[A-Z]*~[0-9]'", im->path);
	assert_int_equal(atoi(out), 250);
	free(out);
}

static void test_full_disk(void **state)
{
	struct ft_img *im = *state;
	struct ft t;
	struct vnode *vn;
	assert_int_equal(ft_open(&t, im->path, false, false), 0);
	put(&t, "keep1", 12345, 40);
	put(&t, "keep2", 100000, 41);
	assert_int_equal(ft_create(&t, "filler", S_IFREG | 0644, &vn), 0);
	size_t chunk = 65536, off = 0;
	uint8_t *p = malloc(chunk);
	long n;
	for (;;) {
		ft_fill(p, chunk, (uint32_t)(off / chunk));
		n = vn->v_ops->write(vn, p, chunk, off);
		if (n <= 0)
			break;
		off += (size_t)n;
		if ((size_t)n < chunk)
			break; /* short: the disk filled up */
	}
	if (n > 0) /* the next one fails */
		n = vn->v_ops->write(vn, p, chunk, off);
	assert_int_equal(n, -ENOSPC);
	assert_int_equal(vn->v_size, off);
	vfs_vput(vn);
	assert_int_equal(ft_mkdir(&t, "nospace"), -ENOSPC);
	/* Everything before is intact. */
	has(&t, "keep1", 12345, 40);
	has(&t, "keep2", 100000, 41);
	/* Deleting frees room again (after a sync ends the quarantine). */
	assert_int_equal(ft_unlink(&t, "keep2", false), 0);
	put(&t, "after", 50000, 42);
	ft_close(&t);
	fsck_clean(im->path);
	mtools_has(im->path, "keep1", 12345, 40);
	mtools_has(im->path, "after", 50000, 42);
	uint8_t *got;
	assert_int_equal(ft_get(im->path, "::/filler", &got), (long)off);
	for (size_t o = 0; o < off; o += chunk) {
		size_t k = off - o < chunk ? off - o : chunk;
		ft_fill(p, chunk, (uint32_t)(o / chunk));
		assert_memory_equal(got + o, p, k);
	}
	free(got);
	free(p);
}

static void test_read_only(void **state)
{
	struct ft_img *im = *state;
	struct ft t;
	struct vnode *vn, *root;
	assert_int_equal(ft_open(&t, im->path, false, false), 0);
	put(&t, "f", 100, 50);
	ft_close(&t);
	for (int dev_ro = 0; dev_ro < 2; dev_ro++) {
		assert_int_equal(ft_open(&t, im->path, dev_ro, !dev_ro), 0);
		assert_true(t.m.m_ro);
		assert_int_equal(ft_walk(&t, "f", &vn), 0);
		assert_int_equal(ft_walk(&t, "", &root), 0);
		assert_int_equal(vn->v_ops->write(vn, "x", 1, 0), -EROFS);
		assert_int_equal(vn->v_ops->truncate(vn, 0), -EROFS);
		struct vattr va = {.va_mask = VA_MODE, .va_mode = 0444};
		assert_int_equal(vn->v_ops->setattr(vn, &va), -EROFS);
		assert_int_equal(ft_create(&t, "g", S_IFREG | 0644, &vn), -EROFS);
		assert_int_equal(ft_mkdir(&t, "g"), -EROFS);
		assert_int_equal(ft_unlink(&t, "f", false), -EROFS);
		assert_int_equal(ft_rename(&t, "f", "h", 0), -EROFS);
		has(&t, "f", 100, 50);
		assert_int_equal(t.m.m_fs->sync(&t.m), 0);
		vfs_vput(vn);
		vfs_vput(root);
		ft_close(&t);
	}
	fsck_clean(im->path);
}

static void test_unlink_open(void **state)
{
	struct ft_img *im = *state;
	struct ft t;
	struct vnode *vn, *vn2, *other;
	assert_int_equal(ft_open(&t, im->path, false, false), 0);
	put(&t, "open.bin", 30000, 60);
	assert_int_equal(ft_walk(&t, "open.bin", &vn), 0);
	assert_int_equal(ft_unlink(&t, "open.bin", false), 0);
	assert_int_equal(ft_walk(&t, "open.bin", &vn2), -ENOENT);
	/* Still readable and writable through the open vnode. */
	uint8_t buf[30000], want[30000];
	ft_fill(want, sizeof(want), 60);
	assert_int_equal(vn->v_ops->read(vn, buf, sizeof(buf), 0), sizeof(buf));
	assert_memory_equal(buf, want, sizeof(buf));
	assert_int_equal(vn->v_ops->write(vn, want, 5000, 30000), 5000);
	struct kstat st;
	vn->v_ops->getattr(vn, &st);
	assert_int_equal(st.size, 35000);
	/* A new file of the same name is another file. */
	put(&t, "open.bin", 10, 61);
	assert_int_equal(ft_walk(&t, "open.bin", &vn2), 0);
	assert_ptr_not_equal(vn, vn2);
	vfs_vput(vn2);
	vfs_vput(vn); /* the last reference: the clusters go */
	/* Another one stays open across the unmount: unmount frees it. */
	put(&t, "held.bin", 20000, 62);
	assert_int_equal(ft_walk(&t, "held.bin", &other), 0);
	assert_int_equal(ft_unlink(&t, "held.bin", false), 0);
	ft_close_holding(&t, other);
	fsck_clean(im->path);
	mtools_tree(im->path, "::/open.bin\n");
	mtools_has(im->path, "open.bin", 10, 61);
}

static void test_efbig(void **state)
{
	struct ft_img *im = *state;
	struct ft t;
	struct vnode *vn;
	assert_int_equal(ft_open(&t, im->path, false, false), 0);
	assert_int_equal(ft_create(&t, "big", S_IFREG | 0644, &vn), 0);
	assert_int_equal(vn->v_ops->write(vn, "x", 1, 0xFFFFFFFFull), -EFBIG);
	assert_int_equal(vn->v_ops->write(vn, "x", 1, 0x100000000ull), -EFBIG);
	assert_int_equal(vn->v_ops->truncate(vn, 0x100000000ull), -EFBIG);
	/* Up to 4 GiB - 1 is allowed: on this small disk the space runs out. */
	assert_int_equal(vn->v_ops->truncate(vn, 0xFFFFFFFFull), -ENOSPC);
	assert_int_equal(vn->v_size, 0);
	vfs_vput(vn);
	ft_close(&t);
	fsck_clean(im->path);
}

/* Found by fuzz_fat_ops: a file cut shorter (its chain is cut only after
 * the next write-back) and unlinked while open, the volume unmounted with
 * it still open: the cut must not touch the chain the unlink gave up (it
 * marked a freed cluster end-of-chain: a lost cluster). */
static void test_trim_then_unlink_open(void **state)
{
	struct ft_img *im = *state;
	struct ft t;
	struct vnode *vn;
	assert_int_equal(ft_open(&t, im->path, false, false), 0);
	put(&t, "f", 40000, 70);
	put(&t, "g", 30000, 71);
	assert_int_equal(ft_walk(&t, "f", &vn), 0);
	assert_int_equal(vn->v_ops->truncate(vn, 1000), 0);
	assert_int_equal(ft_unlink(&t, "f", false), 0);
	struct vnode *g;
	assert_int_equal(ft_walk(&t, "g", &g), 0);
	assert_int_equal(g->v_ops->truncate(g, 700), 0);
	vfs_vput(g);
	assert_int_equal(ft_unlink(&t, "g", false), 0);
	ft_close_holding(&t, vn);
	fsck_clean(im->path);
}

#define IMG_TESTS(i)                                                                   \
	cmocka_unit_test_prestate_setup_teardown(test_create_write, fresh, NULL, &imgs[i]), \
	cmocka_unit_test_prestate_setup_teardown(test_append_overwrite_gap, fresh, NULL, &imgs[i]), \
	cmocka_unit_test_prestate_setup_teardown(test_truncate, fresh, NULL, &imgs[i]),   \
	cmocka_unit_test_prestate_setup_teardown(test_rename, fresh, NULL, &imgs[i]),     \
	cmocka_unit_test_prestate_setup_teardown(test_unlink_mkdir_rmdir, fresh, NULL, &imgs[i]), \
	cmocka_unit_test_prestate_setup_teardown(test_many_files, fresh, NULL, &imgs[i]), \
	cmocka_unit_test_prestate_setup_teardown(test_full_disk, fresh, NULL, &imgs[i]),  \
	cmocka_unit_test_prestate_setup_teardown(test_read_only, fresh, NULL, &imgs[i]),  \
	cmocka_unit_test_prestate_setup_teardown(test_unlink_open, fresh, NULL, &imgs[i]), \
	cmocka_unit_test_prestate_setup_teardown(test_efbig, fresh, NULL, &imgs[i]),  \
	cmocka_unit_test_prestate_setup_teardown(test_trim_then_unlink_open, fresh, NULL, &imgs[i])

int main(void)
{
	const struct CMUnitTest tests[] = {IMG_TESTS(0), IMG_TESTS(1), IMG_TESTS(2)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
