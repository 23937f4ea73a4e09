/* SPDX-License-Identifier: MIT */
/*
 * FAT volume metadata and policies: the dirty bit (set while mounted
 * read-write, as fsck.fat sees it; cleared by unmount), FSInfo's free count
 * and hint (written back honest, recomputed when invalid or after a crash),
 * statfs, every FAT copy in step (one with FAT32 mirroring off), timestamps
 * and the read-only attribute, contiguous allocation, the quarantine of
 * freed clusters, fsync, and a 1 GiB FAT32 disk through a small cache.
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

#define NS 1000000000ull

static const char *mkimg(const char *name, int fat, unsigned kib, const char *opts)
{
	const char *p = ft_path(name);
	ft_mkimg(p, fat, kib, opts);
	return p;
}

static void geom(struct ft *t, struct fat_geom *g)
{
	const char *why;
	assert_int_equal(fat_geom_parse(t->rd->mem, t->bytes, g, &why), 0);
}

static void fsck_clean(const char *img)
{
	char *why = ft_unclean(img);
	if (why)
		fail_msg("%s", why);
}

/* Used and total clusters as fsck.fat counts them. */
static void fsck_counts(const char *img, unsigned *used, unsigned *total)
{
	char *out;
	ft_fsck(img, &out);
	char *p = strstr(out, " files, ");
	assert_non_null(p);
	assert_int_equal(sscanf(p, " files, %u/%u clusters", used, total), 2);
	free(out);
}

static void put(struct ft *t, const char *path, size_t len, uint32_t seed)
{
	uint8_t *p = malloc(len + 1);
	ft_fill(p, len, seed);
	assert_int_equal(ft_write_file(t, path, p, len), 0);
	free(p);
}

static void test_dirty_bit(void **state)
{
	const int fats[] = {12, 16, 32};
	for (int i = 0; i < 3; i++) {
		const char *img = mkimg("dirty.img", fats[i], fats[i] == 32 ? 40960 : 16384,
					fats[i] == 32 ? "-s 1" : "");
		struct ft t;
		struct fat_geom g;
		assert_int_equal(ft_open(&t, img, false, true), 0);
		geom(&t, &g);
		assert_int_equal(t.rd->mem[g.state_off] & 1, 0); /* read-only: untouched */
		assert_int_equal(t.rd->writes, 0);
		ft_close(&t);
		assert_int_equal(ft_open(&t, img, false, false), 0);
		assert_int_equal(t.rd->mem[g.state_off] & 1, 1);
		char *out;
		assert_int_not_equal(ft_fsck(img, &out), 0);
		assert_non_null(strstr(out, "Dirty bit is set"));
		free(out);
		put(&t, "f", 1000, 1);
		ft_close(&t);
		fsck_clean(img);
		/* A volume left dirty (a crash) is cleaned by the next unmount. */
		assert_int_equal(ft_open(&t, img, false, false), 0);
		ft_crash(&t);
		assert_int_not_equal(ft_fsck(img, NULL), 0);
		assert_int_equal(ft_open(&t, img, false, false), 0);
		ft_close(&t);
		fsck_clean(img);
	}
}

static uint32_t fsinfo_free(struct ft *t, const struct fat_geom *g)
{
	return fat_le32(t->rd->mem + (uint64_t)g->fsinfo_sec * g->bps + FSI_FREE_COUNT);
}

static void set_fsinfo_free(const char *img, uint32_t val, bool dirty)
{
	struct ft t;
	struct fat_geom g;
	assert_int_equal(ft_open(&t, img, false, true), 0);
	geom(&t, &g);
	fat_put32(t.rd->mem + (uint64_t)g.fsinfo_sec * g.bps + FSI_FREE_COUNT, val);
	if (dirty)
		t.rd->mem[g.state_off] |= 1;
	ft_close(&t);
}

static void test_fsinfo(void **state)
{
	const char *img = mkimg("fsinfo.img", 32, 40960, "-s 1");
	struct ft t;
	struct fat_geom g;
	struct kstatfs sf;
	unsigned used, total;
	assert_int_equal(ft_open(&t, img, false, false), 0);
	geom(&t, &g);
	put(&t, "a", 300000, 1);
	put(&t, "b", 5000, 2);
	assert_int_equal(ft_unlink(&t, "b", false), 0);
	assert_int_equal(t.m.m_fs->statfs(&t.m, &sf), 0);
	ft_close(&t);
	fsck_clean(img); /* a wrong free count would show */
	fsck_counts(img, &used, &total);
	assert_int_equal(sf.f_type, 0x4d44);
	assert_int_equal(sf.f_bsize, 512);
	assert_int_equal(sf.f_blocks, total);
	assert_int_equal(sf.f_bfree, total - used);
	assert_int_equal(sf.f_bavail, total - used);

	/* Unknown on the disk: counted when needed and written back. */
	set_fsinfo_free(img, FSI_UNKNOWN, false);
	assert_int_equal(ft_open(&t, img, false, false), 0);
	assert_int_equal(t.m.m_fs->statfs(&t.m, &sf), 0);
	assert_int_equal(sf.f_bfree, total - used);
	ft_close(&t);
	assert_int_equal(ft_open(&t, img, false, true), 0);
	assert_int_equal(fsinfo_free(&t, &g), total - used);
	ft_close(&t);
	fsck_clean(img);

	/* Wrong after a crash (the dirty bit set): counted again. */
	set_fsinfo_free(img, 5, true);
	assert_int_equal(ft_open(&t, img, false, false), 0);
	put(&t, "c", 1000, 3);
	ft_close(&t);
	fsck_clean(img);
	/* Beyond the cluster count: not believed. */
	set_fsinfo_free(img, total + 10, false);
	assert_int_equal(ft_open(&t, img, false, true), 0);
	assert_int_equal(t.m.m_fs->statfs(&t.m, &sf), 0);
	assert_true(sf.f_bfree < total);
	ft_close(&t);
}

static void test_statfs_fat12_16(void **state)
{
	const int fats[] = {12, 16};
	for (int i = 0; i < 2; i++) {
		const char *img = mkimg("sf.img", fats[i], fats[i] == 12 ? 8192 : 16384, "");
		struct ft t;
		struct kstatfs sf;
		unsigned used, total;
		assert_int_equal(ft_open(&t, img, false, false), 0);
		put(&t, "x", 123456, 4);
		assert_int_equal(t.m.m_fs->statfs(&t.m, &sf), 0);
		ft_close(&t);
		fsck_counts(img, &used, &total);
		assert_int_equal(sf.f_blocks, total);
		assert_int_equal(sf.f_bfree, total - used);
	}
}

/* Every FAT copy in step; with FAT32 mirroring off only the active one. */
static void test_fat_copies(void **state)
{
	const char *img = mkimg("copies.img", 32, 40960, "-s 1");
	struct ft t;
	struct fat_geom g;
	assert_int_equal(ft_open(&t, img, false, false), 0);
	geom(&t, &g);
	put(&t, "f", 200000, 5);
	ft_close(&t);
	assert_int_equal(ft_open(&t, img, false, true), 0);
	assert_memory_equal(t.rd->mem + g.fat_start, t.rd->mem + g.fat_start + g.fat_bytes,
			    g.fat_bytes);
	/* Mirroring off, FAT 1 active. */
	fat_put16(t.rd->mem + BPB_EXT_FLAGS, 0x81);
	uint8_t *fat0 = malloc(g.fat_bytes);
	memcpy(fat0, t.rd->mem + g.fat_start, g.fat_bytes);
	ft_close(&t);
	assert_int_equal(ft_open(&t, img, false, false), 0);
	put(&t, "g", 100000, 6);
	ft_close(&t);
	assert_int_equal(ft_open(&t, img, false, true), 0);
	assert_memory_equal(t.rd->mem + g.fat_start, fat0, g.fat_bytes);
	assert_memory_not_equal(t.rd->mem + g.fat_start + g.fat_bytes, fat0, g.fat_bytes);
	uint8_t *got;
	assert_int_equal(ft_read_file(&t, "g", &got), 100000);
	free(got);
	ft_close(&t);
	free(fat0);
}

static const uint8_t *entry_of(struct ft *t, struct vnode *vn)
{
	return t->rd->mem + ((struct fat_node *)vn->v_priv)->de_off;
}

static void test_times_and_attrs(void **state)
{
	const char *img = mkimg("times.img", 16, 16384, "");
	struct ft t;
	struct vnode *vn;
	struct kstat st;
	uint64_t saved = fs_host_now_ns;
	/* 2023-05-06 07:08:09.57 UTC */
	fs_host_now_ns = 1683356889ull * NS + 570000000ull;
	assert_int_equal(ft_open(&t, img, false, false), 0);
	assert_int_equal(ft_create(&t, "stamp.txt", S_IFREG | 0644, &vn), 0);
	assert_int_equal(t.m.m_fs->sync(&t.m), 0);
	const uint8_t *de = entry_of(&t, vn);
	uint16_t date = (2023 - 1980) << 9 | 5 << 5 | 6, time = 7 << 11 | 8 << 5 | 4;
	assert_int_equal(fat_le16(de + DE_CRT_DATE), date);
	assert_int_equal(fat_le16(de + DE_CRT_TIME), time);
	assert_int_equal(de[DE_CRT_TENTH], 157);
	assert_int_equal(fat_le16(de + DE_WRT_DATE), date);
	assert_int_equal(fat_le16(de + DE_ACC_DATE), date);
	vn->v_ops->getattr(vn, &st);
	assert_int_equal(st.mtime, 1683356888);

	/* A write a day later stamps the modification time. */
	fs_host_now_ns += 86400 * NS;
	assert_int_equal(vn->v_ops->write(vn, "abc", 3, 0), 3);
	vn->v_ops->getattr(vn, &st);
	assert_int_equal(st.mtime, 1683356888 + 86400);
	/* A read two days later moves the access date, once. */
	fs_host_now_ns += 86400 * NS;
	char buf[3];
	assert_int_equal(vn->v_ops->read(vn, buf, 3, 0), 3);
	assert_int_equal(t.m.m_fs->sync(&t.m), 0);
	assert_int_equal(fat_le16(de + DE_ACC_DATE), date + 2);
	long writes = t.rd->writes;
	assert_int_equal(vn->v_ops->read(vn, buf, 3, 0), 3);
	assert_int_equal(t.m.m_fs->sync(&t.m), 0);
	assert_int_equal(t.rd->writes, writes);

	/* utimes and chmod. */
	struct vattr va = {.va_mask = VA_MTIME | VA_ATIME | VA_MODE, .va_mode = 0444,
			   .va_mtime_ns = 981173106ull * NS, /* 2001-02-03 04:05:06 */
			   .va_atime_ns = 981173106ull * NS};
	assert_int_equal(vn->v_ops->setattr(vn, &va), 0);
	assert_int_equal(t.m.m_fs->sync(&t.m), 0);
	vn->v_ops->getattr(vn, &st);
	assert_int_equal(st.mtime, 981173106);
	assert_int_equal(st.atime, 981158400); /* a date only: midnight */
	assert_int_equal(st.mode, S_IFREG | 0444);
	assert_true(de[DE_ATTR] & ATTR_RO);
	vfs_vput(vn);
	/* Before 1980: clamped. A new file made read-only by its mode. */
	fs_host_now_ns = 1000 * NS;
	assert_int_equal(ft_create(&t, "old.txt", S_IFREG | 0444, &vn), 0);
	vn->v_ops->getattr(vn, &st);
	assert_int_equal(st.mtime, 315532800);
	assert_int_equal(st.mode, S_IFREG | 0444);
	vfs_vput(vn);
	ft_close(&t);
	fs_host_now_ns = saved;
	fsck_clean(img);
	char *out;
	ft_sh(&out, "TZ=UTC mdir -i '%s' ::/ ; mattrib -i '%s' ::/stamp.txt", img, img);
	assert_non_null(strstr(out, "2001-02-03   4:05"));
	assert_non_null(strstr(out, "1980-01-01   0:00"));
	assert_non_null(strstr(out, "R     ::/stamp.txt"));
	free(out);
}

/* The clusters of a file, in chain order. */
static uint32_t chain(struct ft *t, struct vnode *vn, uint32_t *out, uint32_t max)
{
	struct fat_node *n = vn->v_priv;
	uint32_t k = 0, c = n->start;
	while (c >= 2 && c < FAT_BAD && k < max) {
		out[k++] = c;
		assert_int_equal(fat_get(n->vol, c, &c), 0);
	}
	return k;
}

static void test_contiguous_and_quarantine(void **state)
{
	const char *img = mkimg("alloc.img", 32, 40960, "-s 1");
	struct ft t;
	struct vnode *a, *b;
	static uint32_t ca[4096], cb[4096];
	assert_int_equal(ft_open(&t, img, false, false), 0);
	assert_int_equal(ft_create(&t, "a", S_IFREG | 0644, &a), 0);
	uint8_t buf[4096];
	ft_fill(buf, sizeof(buf), 7);
	for (int i = 0; i < 256; i++)
		assert_int_equal(a->v_ops->write(a, buf, sizeof(buf), (uint64_t)i * 4096), 4096);
	uint32_t na = chain(&t, a, ca, 4096);
	assert_int_equal(na, 2048);
	for (uint32_t i = 1; i < na; i++)
		assert_int_equal(ca[i], ca[0] + i); /* one run */
	assert_int_equal(a->v_ops->fsync(a, false), 0);
	assert_false(bcache_dirty_any(((struct fat_node *)a->v_priv)->vol->bc));
	vfs_vput(a);
	/* Freed clusters wait for a sync before anyone reuses them. */
	assert_int_equal(ft_unlink(&t, "a", false), 0);
	assert_int_equal(ft_create(&t, "b", S_IFREG | 0644, &b), 0);
	for (int i = 0; i < 16; i++)
		assert_int_equal(b->v_ops->write(b, buf, sizeof(buf), (uint64_t)i * 4096), 4096);
	uint32_t nb = chain(&t, b, cb, 4096);
	for (uint32_t i = 0; i < nb; i++)
		assert_true(cb[i] < ca[0] || cb[i] > ca[na - 1]);
	vfs_vput(b);
	ft_close(&t);
	fsck_clean(img);
}

/* A disk whose only free space is what an unlink just freed: allocation
 * writes the unlink out first, then reuses it. */
static void test_quarantine_full(void **state)
{
	const char *img = mkimg("qfull.img", 12, 2048, "");
	struct ft t;
	struct kstatfs sf;
	assert_int_equal(ft_open(&t, img, false, false), 0);
	assert_int_equal(t.m.m_fs->statfs(&t.m, &sf), 0);
	size_t half = (size_t)(sf.f_bfree / 2) * (size_t)sf.f_bsize;
	put(&t, "one", half, 1);
	put(&t, "two", half, 2);
	assert_int_equal(t.m.m_fs->statfs(&t.m, &sf), 0);
	assert_true(sf.f_bfree <= 1);
	assert_int_equal(ft_unlink(&t, "one", false), 0);
	long flushes = t.rd->flushes;
	put(&t, "three", half, 3);
	assert_true(t.rd->flushes > flushes);
	ft_close(&t);
	fsck_clean(img);
}

static void test_big_disk_small_cache(void **state)
{
	const char *img = mkimg("big.img", 32, 1u << 20, "");
	struct ft t;
	struct kstatfs sf;
	size_t old = bcache_limit();
	/* About what a guest with 8 MiB of memory gets. */
	bcache_set_limit(128);
	assert_int_equal(ft_open(&t, img, false, false), 0);
	assert_int_equal(t.m.m_fs->statfs(&t.m, &sf), 0);
	assert_true(sf.f_blocks > 200000);
	size_t len = 24u << 20;
	put(&t, "big.bin", len, 8);
	assert_int_equal(ft_mkdir(&t, "d"), 0);
	put(&t, "d/small", 100, 9);
	assert_true(bcache_cached() <= 128);
	uint8_t *got, *want = malloc(len);
	ft_fill(want, len, 8);
	assert_int_equal(ft_read_file(&t, "big.bin", &got), (long)len);
	assert_memory_equal(got, want, len);
	free(got);
	assert_true(bcache_cached() <= 128);
	struct kstatfs sf2;
	assert_int_equal(t.m.m_fs->statfs(&t.m, &sf2), 0);
	assert_int_equal(sf.f_bfree - sf2.f_bfree, len / sf.f_bsize + 2);
	ft_close(&t);
	bcache_set_limit(old);
	fsck_clean(img);
	assert_int_equal(ft_get(img, "::/big.bin", &got), (long)len);
	assert_memory_equal(got, want, len);
	free(got);
	free(want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dirty_bit),
		cmocka_unit_test(test_fsinfo),
		cmocka_unit_test(test_statfs_fat12_16),
		cmocka_unit_test(test_fat_copies),
		cmocka_unit_test(test_times_and_attrs),
		cmocka_unit_test(test_contiguous_and_quarantine),
		cmocka_unit_test(test_quarantine_full),
		cmocka_unit_test(test_big_disk_small_cache),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
