/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for drivers/blkdev_file.c, the raw device file (/dev/vda), over
 * the RAM disk: the /dev entry, open checks, reads and writes at every
 * offset and length near sector boundaries (bytes around them unchanged),
 * the end of the device (short transfers, end of file, ENOSPC), lseek's
 * rules, fstat, the ioctls, fsync as a flush, EROFS, and a device error
 * part way.
 */
#include "ramblk.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <k/errno.h>
#include <k/fd.h>
#include <k/syscall.h>

#include <cmocka.h>

#define SECTORS 41 /* 20.5 KiB: not a multiple of 4 KiB */
#define CAP ((int64_t)SECTORS * BLK_SECTOR)

static uint8_t disk[CAP];
static uint8_t ref[CAP]; /* what the disk should hold */

/* ---- kernel services ---- */
static struct {
	char name[16];
	devfs_open_fn open;
	void *arg;
	uint32_t mode;
	uint64_t rdev;
} added[4];
static int nadded;

int devfs_add(const char *name, devfs_open_fn open, void *arg, uint32_t mode, uint64_t rdev)
{
	if (nadded == 4)
		return -ENOSPC;
	strcpy(added[nadded].name, name);
	added[nadded].open = open;
	added[nadded].arg = arg;
	added[nadded].mode = mode;
	added[nadded].rdev = rdev;
	nadded++;
	return 0;
}

/* User pointers are host pointers here; 1 stands for a bad one. */
int user_copy_out(uint64_t udst, const void *src, size_t n)
{
	if (udst == 1)
		return -EFAULT;
	memcpy((void *)(uintptr_t)udst, src, n);
	return 0;
}

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 7 + i * 13 + (i >> 8));
}

static struct blkdev *dev;

static int setup(void **state)
{
	nadded = 0;
	fill(disk, CAP, 1);
	memcpy(ref, disk, CAP);
	dev = ramblk_create(disk, SECTORS, false);
	assert_non_null(dev);
	return 0;
}

static int teardown(void **state)
{
	while (blkdev_count() > 0)
		ramblk_destroy(blkdev_get(0));
	return 0;
}

static struct file *open_dev(int i, int flags, int *err)
{
	assert_true(i < nadded);
	return added[i].open(added[i].arg, flags, err);
}

static struct file *open_ok(int flags)
{
	int err = 1;
	struct file *f = open_dev(nadded - 1, flags, &err);
	assert_non_null(f);
	assert_int_equal(err, 0);
	return f;
}

static void close_file(struct file *f)
{
	assert_int_equal(f->ops->close(f), 0);
	free(f);
}

/* ---- tests ---- */

static void test_dev_entry(void **state)
{
	struct blkdev *b = ramblk_create(disk, 8, true);

	assert_int_equal(nadded, 2);
	assert_string_equal(added[0].name, "vda");
	assert_string_equal(added[1].name, "vdb");
	assert_int_equal(added[0].mode, S_IFBLK | 0660);
	assert_int_equal(added[0].rdev, 254 << 8 | 0);
	assert_int_equal(added[1].rdev, 254 << 8 | 16);
	assert_ptr_equal(added[1].arg, b);
}

static void test_open_checks(void **state)
{
	int err;
	ramblk_create(disk, 8, true); /* vdb, read-only */

	assert_null(open_dev(1, O_RDWR, &err));
	assert_int_equal(err, -EROFS);
	assert_null(open_dev(1, O_WRONLY, &err));
	assert_int_equal(err, -EROFS);
	assert_null(open_dev(0, 3, &err));
	assert_int_equal(err, -EINVAL);
	assert_null(open_dev(0, O_RDONLY | 0200000, &err)); /* O_DIRECTORY */
	assert_int_equal(err, -ENOTDIR);
	assert_null(open_dev(0, O_RDWR | O_CREAT | 0200, &err)); /* O_EXCL */
	assert_int_equal(err, -EEXIST);
	struct file *f = open_dev(1, O_RDONLY | O_CLOEXEC, &err);
	assert_non_null(f);
	assert_int_equal(f->flags, O_RDONLY);
	assert_int_equal(f->refs, 1);
	/* Opened read-only on a read-only device: writes still EROFS. */
	assert_int_equal(f->ops->write(f, "x", 1), -EROFS);
	close_file(f);
	/* The device gone (its /dev entry stays): ENODEV. */
	struct blkdev *b = blkdev_find("vdb");
	blkdev_unregister(b);
	assert_null(open_dev(1, O_RDONLY, &err));
	assert_int_equal(err, -ENODEV);
	ramblk_destroy(b);
}

static void test_read_everywhere(void **state)
{
	struct file *f = open_ok(O_RDONLY);
	uint8_t out[3 * BLK_SECTOR + 2];
	static const int64_t offs[] = { 0, 1, 511, 512, 513, 1000, 4095, 4096, 4097, CAP - 1540 };
	static const size_t lens[] = { 1, 2, 511, 512, 513, 1024, 1025, 3 * BLK_SECTOR + 1 };

	for (unsigned i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		for (unsigned j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
			f->off = offs[i];
			memset(out, 0xee, sizeof(out));
			long r = f->ops->read(f, out, lens[j]);
			assert_int_equal(r, lens[j]);
			assert_memory_equal(out, disk + offs[i], lens[j]);
			assert_int_equal(out[lens[j]], 0xee); /* nothing past it */
			assert_int_equal(f->off, offs[i] + (int64_t)lens[j]);
		}
	}
	/* A read across the end is short, then end of file. */
	f->off = CAP - 100;
	assert_int_equal(f->ops->read(f, out, 1000), 100);
	assert_memory_equal(out, disk + CAP - 100, 100);
	assert_int_equal(f->off, CAP);
	assert_int_equal(f->ops->read(f, out, 10), 0);
	f->off = CAP + 5000;
	assert_int_equal(f->ops->read(f, out, 10), 0);
	/* pread: at its own offset, the file's unchanged; past the end 0. */
	f->off = 77;
	assert_int_equal(f->ops->pread(f, out, 700, 511), 700);
	assert_memory_equal(out, disk + 511, 700);
	assert_int_equal(f->ops->pread(f, out, 10, CAP - 4), 4);
	assert_int_equal(f->ops->pread(f, out, 10, CAP), 0);
	assert_int_equal(f->ops->pread(f, out, 10, -1), -EINVAL);
	assert_int_equal(f->off, 77);
	/* Larger than the bounce buffer, unaligned. */
	static uint8_t big[CAP];
	f->off = 7;
	assert_int_equal(f->ops->read(f, big, CAP - 7), CAP - 7);
	assert_memory_equal(big, disk + 7, CAP - 7);
	close_file(f);
}

static void test_write_everywhere(void **state)
{
	struct file *f = open_ok(O_RDWR);
	uint8_t in[3 * BLK_SECTOR + 2];
	static const int64_t offs[] = { 0, 1, 300, 511, 512, 513, 2047, 8191, 8192, CAP - 1540 };
	static const size_t lens[] = { 1, 2, 212, 511, 512, 513, 1023, 1024, 3 * BLK_SECTOR + 1 };
	unsigned seed = 100;

	for (unsigned i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		for (unsigned j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
			fill(in, lens[j], seed++);
			f->off = offs[i];
			assert_int_equal(f->ops->write(f, in, lens[j]), lens[j]);
			memcpy(ref + offs[i], in, lens[j]);
			assert_int_equal(f->off, offs[i] + (int64_t)lens[j]);
			/* Every byte around the write unchanged. */
			assert_memory_equal(disk, ref, CAP);
		}
	}
	/* Larger than the bounce buffer, unaligned both ends. */
	static uint8_t big[CAP];
	fill(big, CAP - 9, 77);
	f->off = 5;
	assert_int_equal(f->ops->write(f, big, CAP - 9), CAP - 9);
	memcpy(ref + 5, big, CAP - 9);
	assert_memory_equal(disk, ref, CAP);
	/* Across the end: short; at the end: ENOSPC. */
	f->off = CAP - 3;
	assert_int_equal(f->ops->write(f, "abcdef", 6), 3);
	memcpy(ref + CAP - 3, "abc", 3);
	assert_memory_equal(disk, ref, CAP);
	assert_int_equal(f->ops->write(f, "x", 1), -ENOSPC);
	assert_int_equal(f->ops->write(f, "x", 0), 0);
	/* pwrite: at its own offset, the file's unchanged. */
	f->off = 3;
	assert_int_equal(f->ops->pwrite(f, "pqr", 3, 1000), 3);
	memcpy(ref + 1000, "pqr", 3);
	assert_memory_equal(disk, ref, CAP);
	assert_int_equal(f->ops->pwrite(f, "x", 1, CAP), -ENOSPC);
	assert_int_equal(f->off, 3);
	close_file(f);
}

static void test_lseek(void **state)
{
	struct file *f = open_ok(O_RDONLY);

	assert_int_equal(f->ops->lseek(f, 100, SEEK_SET), 100);
	assert_int_equal(f->ops->lseek(f, 28, SEEK_CUR), 128);
	assert_int_equal(f->ops->lseek(f, -28, SEEK_CUR), 100);
	assert_int_equal(f->ops->lseek(f, 0, SEEK_END), CAP);
	assert_int_equal(f->ops->lseek(f, -CAP, SEEK_END), 0);
	assert_int_equal(f->ops->lseek(f, CAP, SEEK_SET), CAP);
	/* Before 0 or past the end: EINVAL, the offset unchanged. */
	assert_int_equal(f->ops->lseek(f, -1, SEEK_SET), -EINVAL);
	assert_int_equal(f->ops->lseek(f, 1, SEEK_END), -EINVAL);
	assert_int_equal(f->ops->lseek(f, INT64_MAX, SEEK_END), -EINVAL);
	assert_int_equal(f->ops->lseek(f, 5, 9), -EINVAL);
	assert_int_equal(f->off, CAP);
	/* One extent of data. */
	assert_int_equal(f->ops->lseek(f, 10, SEEK_DATA), 10);
	assert_int_equal(f->ops->lseek(f, 10, SEEK_HOLE), CAP);
	assert_int_equal(f->ops->lseek(f, CAP, SEEK_DATA), -ENXIO);
	close_file(f);
}

static void test_stat_ioctl(void **state)
{
	struct file *f = open_ok(O_RDONLY);
	struct kstat st;
	uint64_t v64 = 0;
	int v = -1;

	memset(&st, 0, sizeof(st));
	f->ops->stat(f, &st);
	assert_int_equal(st.mode, S_IFBLK | 0660);
	assert_int_equal(st.size, CAP);
	assert_int_equal(st.blocks, SECTORS);
	assert_int_equal(st.rdev, 254 << 8);
	assert_int_equal(f->ops->ioctl(f, 0x80081272, (uintptr_t)&v64), 0); /* BLKGETSIZE64 */
	assert_int_equal(v64, CAP);
	assert_int_equal(f->ops->ioctl(f, 0x1260, (uintptr_t)&v64), 0); /* BLKGETSIZE */
	assert_int_equal(v64, SECTORS);
	assert_int_equal(f->ops->ioctl(f, 0x1268, (uintptr_t)&v), 0); /* BLKSSZGET */
	assert_int_equal(v, 512);
	assert_int_equal(f->ops->ioctl(f, 0x125e, (uintptr_t)&v), 0); /* BLKROGET */
	assert_int_equal(v, 0);
	assert_int_equal(f->ops->ioctl(f, 0x1261, 0), 0); /* BLKFLSBUF */
	assert_int_equal(f->ops->ioctl(f, 0x5401, (uintptr_t)&v), -ENOTTY); /* TCGETS: no tty */
	assert_int_equal(f->ops->ioctl(f, 0x80081272, 1), -EFAULT);
	close_file(f);
	ramblk_create(disk, 8, true);
	f = open_dev(1, O_RDONLY, &v);
	assert_int_equal(f->ops->ioctl(f, 0x125e, (uintptr_t)&v), 0);
	assert_int_equal(v, 1);
	close_file(f);
}

static void test_fsync_and_errors(void **state)
{
	struct file *f = open_ok(O_RDWR);
	uint8_t b[600];

	/* fsync flushes a device with a write cache, and is 0 without one. */
	assert_int_equal(f->ops->fsync(f, false), 0);
	assert_int_equal(ramblk_stats(dev)->flushes, 0);
	ramblk_set_flush(dev, true);
	assert_int_equal(f->ops->fsync(f, false), 0);
	assert_int_equal(f->ops->fsync(f, true), 0);
	assert_int_equal(ramblk_stats(dev)->flushes, 2);
	/* A partial-sector write is read-modify-write: one read, one write. */
	ramblk_reset_stats(dev);
	f->off = 10;
	assert_int_equal(f->ops->write(f, "hello", 5), 5);
	assert_int_equal(ramblk_stats(dev)->reads, 1);
	assert_int_equal(ramblk_stats(dev)->writes, 1);
	/* Whole sectors: no read. */
	ramblk_reset_stats(dev);
	f->off = 1024;
	memset(b, 1, sizeof(b));
	assert_int_equal(f->ops->write(f, b, 512), 512);
	assert_int_equal(ramblk_stats(dev)->reads, 0);
	/* The device failing: -EIO, the offset unchanged. */
	ramblk_fail_after(dev, 0);
	f->off = 0;
	assert_int_equal(f->ops->write(f, b, 512), -EIO);
	assert_int_equal(f->ops->read(f, b, 512), -EIO);
	assert_int_equal(f->ops->fsync(f, false), -EIO);
	assert_int_equal(f->off, 0);
	close_file(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dev_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_everywhere, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_everywhere, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lseek, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stat_ioctl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fsync_and_errors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
