/* SPDX-License-Identifier: MIT */
/*
 * Damaged FAT images: boot sectors with bad fields (mount fails with
 * -EINVAL), cluster chains with loops, free, bad or out-of-range links, a
 * size beyond the chain, entries pointing outside the volume, long names
 * with bad checksums or order. Each operation that meets the damage fails
 * with -EIO (or the short name stands in for a bad long name), never hangs
 * and never crashes (ASan/UBSan); the rest of the volume stays usable.
 */
#include "fat_test.h"
#include "../../fs/fat_impl.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <k/errno.h>
#include <k/fd.h>

#include <cmocka.h>

struct loc {
	uint64_t de_off; /* the short entry */
	uint32_t start;  /* first cluster */
};

/* A FAT image with a few files, made by mtools. */
static const char *base_img(int fat)
{
	static char path[3][256];
	int i = fat == 12 ? 0 : fat == 16 ? 1 : 2;
	if (!path[i][0]) {
		char name[32];
		snprintf(name, sizeof(name), "base%d.img", fat);
		snprintf(path[i], sizeof(path[i]), "%s", ft_path(name));
		ft_mkimg(path[i], fat, fat == 32 ? 34000 : fat == 16 ? 16384 : 8192,
			  fat == 32 ? "-s 1" : "");
		uint8_t buf[20000];
		ft_fill(buf, sizeof(buf), 1);
		ft_put(path[i], "::/file.bin", buf, sizeof(buf));
		ft_put(path[i], "::/other.bin", buf, 3000);
		ft_put(path[i], "::/dir/inner.txt", buf, 100);
		ft_put(path[i], "::/A long file name.txt", buf, 10);
	}
	return path[i];
}

/* A fresh copy of the base image to damage. */
static const char *copy(int fat)
{
	const char *dst = ft_path("damaged.img");
	assert_int_equal(ft_sh(NULL, "cp '%s' '%s'", base_img(fat), dst), 0);
	return dst;
}

static struct loc locate(const char *img, const char *path)
{
	struct ft t;
	struct vnode *vn;
	assert_int_equal(ft_open(&t, img, false, true), 0);
	assert_int_equal(ft_walk(&t, path, &vn), 0);
	struct fat_node *n = vn->v_priv;
	struct loc l = {n->de_off, n->start};
	vfs_vput(vn);
	ft_close(&t);
	return l;
}

static struct fat_geom geometry(const char *img)
{
	uint8_t bs[512];
	int fd = open(img, O_RDONLY);
	assert_int_equal(pread(fd, bs, sizeof(bs), 0), 512);
	close(fd);
	struct fat_geom g;
	const char *why;
	assert_int_equal(fat_geom_parse(bs, 1ull << 40, &g, &why), 0);
	return g;
}

static void poke(const char *img, uint64_t off, const void *p, size_t n)
{
	int fd = open(img, O_WRONLY);
	assert_int_equal(pwrite(fd, p, n, (off_t)off), (ssize_t)n);
	close(fd);
}

static void poke16(const char *img, uint64_t off, uint16_t v)
{
	uint8_t b[2];
	fat_put16(b, v);
	poke(img, off, b, 2);
}

static void poke32(const char *img, uint64_t off, uint32_t v)
{
	uint8_t b[4];
	fat_put32(b, v);
	poke(img, off, b, 4);
}

/* Set FAT entry c in every copy (raw value for this FAT width). */
static void set_fat(const char *img, const struct fat_geom *g, uint32_t c, uint32_t raw)
{
	for (uint32_t k = 0; k < g->nfats; k++) {
		uint64_t base = g->fat_start + (uint64_t)k * g->fat_bytes;
		if (g->type == 32) {
			poke32(img, base + c * 4ull, raw);
		} else if (g->type == 16) {
			poke16(img, base + c * 2ull, (uint16_t)raw);
		} else {
			uint8_t b[2];
			int fd = open(img, O_RDWR);
			uint64_t off = base + c + c / 2;
			assert_int_equal(pread(fd, b, 2, (off_t)off), 2);
			uint16_t w = fat_le16(b);
			w = c & 1 ? (uint16_t)((w & 0x000F) | (raw & 0xFFF) << 4)
				  : (uint16_t)((w & 0xF000) | (raw & 0xFFF));
			fat_put16(b, w);
			assert_int_equal(pwrite(fd, b, 2, (off_t)off), 2);
			close(fd);
		}
	}
}

static uint32_t eoc(const struct fat_geom *g) { return g->type == 12 ? 0xFFF : g->type == 16 ? 0xFFFF : 0x0FFFFFFF; }
static uint32_t badc(const struct fat_geom *g) { return g->type == 12 ? 0xFF7 : g->type == 16 ? 0xFFF7 : 0x0FFFFFF7; }

/* Reading path fails with -EIO; the volume stays usable and unmounts. */
static void expect_eio(const char *img, const char *path)
{
	struct ft t;
	uint8_t *data;
	assert_int_equal(ft_open(&t, img, false, false), 0);
	assert_int_equal(ft_read_file(&t, path, &data), -EIO);
	struct vnode *vn;
	assert_int_equal(ft_walk(&t, path, &vn), 0);
	assert_int_equal(vn->v_ops->write(vn, "x", 1, 0), -EIO);
	assert_int_equal(vn->v_ops->truncate(vn, 1), -EIO);
	vfs_vput(vn);
	/* The rest still works, and the damaged file can be removed. */
	assert_int_equal(ft_read_file(&t, "dir/inner.txt", &data), 100);
	free(data);
	assert_int_equal(ft_write_file(&t, "new.txt", "hello", 5), 0);
	assert_int_equal(ft_unlink(&t, path, false), 0);
	assert_int_equal(ft_walk(&t, path, &vn), -ENOENT);
	ft_close(&t);
}

static void test_bad_boot_sectors(void **state)
{
	struct { uint32_t off; int width; uint32_t val; } cases[] = {
		{BPB_BYTS_PER_SEC, 2, 1000}, {BPB_BYTS_PER_SEC, 2, 0}, {BPB_SEC_PER_CLUS, 1, 0},
		{BPB_SEC_PER_CLUS, 1, 6}, {BPB_RSVD_SEC_CNT, 2, 0}, {BPB_NUM_FATS, 1, 0},
		{BPB_ROOT_ENT_CNT, 2, 17}, {BPB_FAT_SZ16, 2, 1}, {BPB_TOT_SEC16, 2, 0xFFFF},
		{BPB_MEDIA, 1, 0x00}, {510, 2, 0},
	};
	const int fats[] = {12, 16};
	for (int f = 0; f < 2; f++)
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			const char *img = copy(fats[f]);
			if (cases[i].width == 1)
				poke(img, cases[i].off, &cases[i].val, 1);
			else
				poke16(img, cases[i].off, (uint16_t)cases[i].val);
			struct ft t;
			if (ft_open(&t, img, false, false) != -EINVAL)
				fail_msg("FAT%d case %zu mounted", fats[f], i);
			assert_null(t.m.m_root);
			ft_close(&t);
		}
	/* FAT32: root cluster outside the volume, a FAT too short, a version. */
	struct { uint32_t off; uint32_t val; int width; } c32[] = {
		{BPB_ROOT_CLUS, 0, 4}, {BPB_ROOT_CLUS, 0x0FFFFFF0, 4}, {BPB_FAT_SZ32, 3, 4},
		{BPB_FS_VER, 1, 2}, {BPB_EXT_FLAGS, 0x8F, 2},
	};
	for (size_t i = 0; i < sizeof(c32) / sizeof(c32[0]); i++) {
		const char *img = copy(32);
		if (c32[i].width == 4)
			poke32(img, c32[i].off, c32[i].val);
		else
			poke16(img, c32[i].off, (uint16_t)c32[i].val);
		struct ft t;
		if (ft_open(&t, img, false, false) != -EINVAL)
			fail_msg("FAT32 case %zu mounted", i);
		ft_close(&t);
	}
	/* A bad FSInfo is ignored: the count is made afresh. */
	const char *img = copy(32);
	struct fat_geom g = geometry(img);
	poke32(img, (uint64_t)g.fsinfo_sec * g.bps, 0x12345678);
	struct ft t;
	assert_int_equal(ft_open(&t, img, false, false), 0);
	ft_close(&t);
}

static void test_chain_damage(void **state)
{
	const int fats[] = {12, 16, 32};
	for (int f = 0; f < 3; f++) {
		struct fat_geom g = geometry(base_img(fats[f]));
		struct loc l = locate(base_img(fats[f]), "file.bin");
		uint32_t n = (uint32_t)((20000 + g.csize - 1) / g.csize);
		assert_true(n >= 2);
		/* A loop back to the start, at the last cluster: the checker of
		 * the tests sees it too. */
		const char *img = copy(fats[f]);
		assert_null(ft_check(img, 0));
		set_fat(img, &g, l.start + n - 1, l.start);
		assert_non_null(ft_check(img, 0));
		expect_eio(img, "file.bin");
		/* A loop onto itself in the middle. */
		img = copy(fats[f]);
		set_fat(img, &g, l.start, l.start);
		expect_eio(img, "file.bin");
		/* Out of range, free, bad. */
		uint32_t links[] = {g.nclusters + 2, eoc(&g) - 0xF /* reserved */, 0, badc(&g), 1};
		for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
			img = copy(fats[f]);
			set_fat(img, &g, l.start, links[i]);
			expect_eio(img, "file.bin");
		}
		/* The chain ends early: the size is beyond it. */
		img = copy(fats[f]);
		set_fat(img, &g, l.start + 1, eoc(&g));
		expect_eio(img, "file.bin");
		/* The entry's first cluster outside the volume, or 1. */
		uint32_t starts[] = {g.nclusters + 2, 1};
		for (size_t i = 0; i < 2; i++) {
			img = copy(fats[f]);
			poke16(img, l.de_off + DE_CLUS_LO, (uint16_t)starts[i]);
			if (g.type == 32)
				poke16(img, l.de_off + DE_CLUS_HI, (uint16_t)(starts[i] >> 16));
			expect_eio(img, "file.bin");
		}
		/* A size with no cluster at all. */
		img = copy(fats[f]);
		poke16(img, l.de_off + DE_CLUS_LO, 0);
		poke16(img, l.de_off + DE_CLUS_HI, 0);
		expect_eio(img, "file.bin");
	}
}

static void test_directory_damage(void **state)
{
	const int fats[] = {12, 16, 32};
	for (int f = 0; f < 3; f++) {
		struct fat_geom g = geometry(base_img(fats[f]));
		struct loc d = locate(base_img(fats[f]), "dir");
		struct ft t;
		struct vnode *vn;
		char *names;
		/* The subdirectory's first cluster outside the volume. */
		const char *img = copy(fats[f]);
		poke16(img, d.de_off + DE_CLUS_LO, 0xFFF0);
		if (g.type == 32)
			poke16(img, d.de_off + DE_CLUS_HI, 0x0FFF);
		assert_int_equal(ft_open(&t, img, false, false), 0);
		assert_int_equal(ft_list(&t, "dir", &names), -EIO);
		free(names);
		assert_int_equal(ft_walk(&t, "dir/inner.txt", &vn), -EIO);
		assert_int_equal(ft_create(&t, "dir/x", S_IFREG | 0644, &vn), -EIO);
		assert_int_equal(ft_unlink(&t, "dir", true), -EIO);
		ft_close(&t);
		/* A directory whose chain loops onto itself: reads end. */
		img = copy(fats[f]);
		set_fat(img, &g, d.start, d.start);
		assert_int_equal(ft_open(&t, img, false, false), 0);
		assert_int_equal(ft_list(&t, "dir", &names), -EIO);
		free(names);
		assert_int_equal(ft_list(&t, "", &names), 0); /* the root is fine */
		assert_non_null(strstr(names, "file.bin\n"));
		free(names);
		ft_close(&t);
		/* A subdirectory whose cluster holds a file's bytes: random
		 * entries, listed and looked up in finite time. */
		struct loc file = locate(base_img(fats[f]), "file.bin");
		img = copy(fats[f]);
		poke16(img, d.de_off + DE_CLUS_LO, (uint16_t)file.start);
		poke16(img, d.de_off + DE_CLUS_HI, g.type == 32 ? (uint16_t)(file.start >> 16) : 0);
		assert_int_equal(ft_open(&t, img, false, true), 0);
		int r = ft_list(&t, "dir", &names);
		assert_true(r == 0 || r == -EIO);
		free(names);
		assert_int_equal(ft_walk(&t, "dir/nothing", &vn), -ENOENT);
		ft_close(&t);
	}
}

/* Long names: the slot before the short entry with a wrong checksum, the
 * order broken: the 8.3 name shows, and finds the file. */
static void test_bad_long_names(void **state)
{
	const int fats[] = {12, 16, 32};
	for (int f = 0; f < 3; f++) {
		struct loc l = locate(base_img(fats[f]), "A long file name.txt");
		struct ft t;
		char *names;
		uint8_t *data;
		/* Checksum. */
		const char *img = copy(fats[f]);
		uint8_t b = 0x55;
		poke(img, l.de_off - FAT_DIRENT + LFN_CSUM, &b, 1);
		assert_int_equal(ft_open(&t, img, false, true), 0);
		assert_int_equal(ft_list(&t, "", &names), 0);
		assert_null(strstr(names, "A long file name.txt"));
		assert_non_null(strstr(names, "ALONGF~1.TXT\n"));
		free(names);
		assert_int_equal(ft_read_file(&t, "alongf~1.txt", &data), 10);
		free(data);
		ft_close(&t);
		/* Order: the last slot's ordinal changed. */
		img = copy(fats[f]);
		b = 0x07;
		poke(img, l.de_off - FAT_DIRENT + LFN_ORD, &b, 1);
		assert_int_equal(ft_open(&t, img, false, false), 0);
		assert_int_equal(ft_list(&t, "", &names), 0);
		assert_non_null(strstr(names, "ALONGF~1.TXT\n"));
		free(names);
		/* Still removable, with its stray slots. */
		assert_int_equal(ft_unlink(&t, "ALONGF~1.TXT", false), 0);
		ft_close(&t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_boot_sectors),
		cmocka_unit_test(test_chain_damage),
		cmocka_unit_test(test_directory_damage),
		cmocka_unit_test(test_bad_long_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
