/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for MBR partitions (drivers/blkpart.c, and the partitions
 * drivers/blkdev.c registers from them) over the RAM disk: what is an MBR
 * and what is a FAT boot sector of a disk without one, entries empty,
 * extended, GPT, outside the disk or running past its end; partitions as
 * devices (names, sizes, sectors offset on the disk, limits, read-only and
 * flush from the disk, unregistered with it).
 */
#include "ramblk.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <k/errno.h>

#include "../../drivers/blkdev_impl.h"

#include <cmocka.h>

#define SECTORS 4096

static uint8_t disk[SECTORS * BLK_SECTOR];
static uint8_t buf[8 * BLK_SECTOR];

static void entry(uint8_t *sec, int i, uint8_t boot, uint8_t type, uint32_t start, uint32_t n)
{
	uint8_t *e = sec + 446 + 16 * i;

	memset(e, 0, 16);
	e[0] = boot;
	e[4] = type;
	for (int k = 0; k < 4; k++) {
		e[8 + k] = (uint8_t)(start >> (8 * k));
		e[12 + k] = (uint8_t)(n >> (8 * k));
	}
	sec[510] = 0x55;
	sec[511] = 0xaa;
}

static int setup(void **state)
{
	memset(disk, 0, sizeof(disk));
	for (size_t i = 512; i < sizeof(disk); i++)
		disk[i] = (uint8_t)(i * 7 + (i >> 9));
	return 0;
}

static int teardown(void **state)
{
	while (blkdev_count() > 0)
		ramblk_destroy(blkdev_get(0));
	return 0;
}

/* ---- the parser ---- */

static void test_parse_mbr(void **state)
{
	uint8_t sec[512];
	struct blkpart bp[4];

	memset(sec, 0, sizeof(sec));
	assert_false(blkpart_parse_mbr(sec, SECTORS, bp)); /* no signature */
	entry(sec, 0, 0x80, 0x0c, 2048, 1024);
	entry(sec, 1, 0x00, 0x83, 3072, 5000); /* runs past the end: cut */
	entry(sec, 2, 0x00, 0x05, 100, 10);    /* extended */
	entry(sec, 3, 0x00, 0xee, 1, 4095);    /* GPT's protective entry */
	assert_true(blkpart_parse_mbr(sec, SECTORS, bp));
	assert_int_equal(bp[0].bp_state, BLKPART_OK);
	assert_int_equal(bp[0].bp_type, 0x0c);
	assert_int_equal(bp[0].bp_start, 2048);
	assert_int_equal(bp[0].bp_sectors, 1024);
	assert_false(bp[0].bp_truncated);
	assert_int_equal(bp[1].bp_state, BLKPART_OK);
	assert_int_equal(bp[1].bp_sectors, SECTORS - 3072);
	assert_true(bp[1].bp_truncated);
	assert_int_equal(bp[2].bp_state, BLKPART_EXTENDED);
	assert_int_equal(bp[3].bp_state, BLKPART_GPT);
	/* Outside: starting at 0, at or past the end, no sectors. */
	entry(sec, 0, 0, 0x06, 0, 10);
	entry(sec, 1, 0, 0x06, SECTORS, 10);
	entry(sec, 2, 0, 0x06, 0xffffffffu, 0xffffffffu);
	entry(sec, 3, 0, 0x06, 5, 0);
	assert_true(blkpart_parse_mbr(sec, SECTORS, bp));
	for (int i = 0; i < 4; i++)
		assert_int_equal(bp[i].bp_state, BLKPART_OUTSIDE);
	/* Empty table (a FAT boot sector made by mkfs.fat: zeros there). */
	memset(sec + 446, 0, 64);
	assert_true(blkpart_parse_mbr(sec, SECTORS, bp));
	for (int i = 0; i < 4; i++)
		assert_int_equal(bp[i].bp_state, BLKPART_EMPTY);
	/* A boot indicator other than 0 and 0x80: boot code, not a table. */
	entry(sec, 0, 0x80, 0x06, 63, 100);
	sec[446 + 48] = 0x12;
	assert_false(blkpart_parse_mbr(sec, SECTORS, bp));
	sec[446 + 48] = 0;
	sec[511] = 0xab;
	assert_false(blkpart_parse_mbr(sec, SECTORS, bp));
}

/* ---- partitions as devices ---- */

static void test_scan(void **state)
{
	entry(disk, 0, 0x80, 0x06, 63, 1000);
	entry(disk, 2, 0x00, 0x0b, 2048, 2048);
	struct blkdev *d = ramblk_create(disk, SECTORS, false);
	struct blkdev *other = ramblk_create(disk, 64, false); /* vdb */
	ramblk_set_limits(d, 3, 1024);
	ramblk_set_flush(d, true);

	assert_int_equal(blkdev_scan_partitions(d), 2);
	assert_int_equal(blkdev_partitions(d), 2);
	assert_int_equal(blkdev_count(), 4);
	/* Right after their disk: vda, vda1, vda3, vdb. */
	assert_string_equal(blkdev_name(blkdev_get(1)), "vda1");
	assert_string_equal(blkdev_name(blkdev_get(2)), "vda3");
	assert_ptr_equal(blkdev_get(3), other);
	struct blkdev *p1 = blkdev_find("vda1"), *p3 = blkdev_find("vda3");
	assert_ptr_equal(blkdev_parent(p1), d);
	assert_null(blkdev_parent(d));
	assert_int_equal(blkdev_sectors(p1), 1000);
	assert_int_equal(blkdev_sectors(p3), 2048);
	assert_int_equal(p1->bd_max_segs, 3);
	assert_int_equal(p1->bd_max_seg_len, 1024);
	assert_true(blkdev_has_flush(p3));
	assert_int_equal(blkdev_rdev(p3), 254 << 8 | 3);
	assert_int_equal(blkdev_rdev(other), 254 << 8 | 16);
	/* Sector 0 of vda3 is the disk's 2048; the last one is 4095. */
	assert_int_equal(blkdev_rw(p3, BLK_READ, 0, buf, 4096), 0);
	assert_memory_equal(buf, disk + 2048 * 512, 4096);
	memset(buf, 0x3c, 512);
	assert_int_equal(blkdev_rw(p3, BLK_WRITE, 2047, buf, 512), 0);
	assert_memory_equal(disk + 4095 * 512, buf, 512);
	assert_int_equal(blkdev_rw(p3, BLK_READ, 2047, buf, 1024), -EINVAL); /* past vda3 */
	assert_int_equal(blkdev_rw(p1, BLK_READ, 1000, buf, 512), -EINVAL);
	/* A flush of a partition is the disk's. */
	uint64_t flushes = ramblk_stats(d)->flushes;
	assert_int_equal(blkdev_flush(p1), 0);
	assert_int_equal(ramblk_stats(d)->flushes, flushes + 1);
	/* The caller's request keeps its own sector. */
	struct blk_req r;
	memset(&r, 0, sizeof(r));
	r.r_op = BLK_READ;
	r.r_sector = 10;
	r.r_nsegs = 1;
	r.r_segs[0].buf = buf;
	r.r_segs[0].len = 512;
	assert_int_equal(blkdev_submit(p1, &r), 0);
	assert_int_equal(blkdev_wait(&r), 0);
	assert_int_equal(r.r_sector, 10);
	assert_memory_equal(buf, disk + 73 * 512, 512);
	/* No second scan, no partitions of partitions. */
	assert_int_equal(blkdev_scan_partitions(d), -EINVAL);
	assert_int_equal(blkdev_scan_partitions(p1), -EINVAL);
	/* The disk goes, its partitions with it. */
	ramblk_destroy(d);
	assert_int_equal(blkdev_count(), 1);
	assert_null(blkdev_find("vda1"));
	/* A new disk takes letter a again. */
	d = ramblk_create(disk, SECTORS, true);
	assert_string_equal(blkdev_name(d), "vda");
	assert_int_equal(blkdev_scan_partitions(d), 2);
	assert_true(blkdev_read_only(blkdev_find("vda1")));
	assert_int_equal(blkdev_rw(blkdev_find("vda1"), BLK_WRITE, 0, buf, 512), -EROFS);
}

static void test_scan_none(void **state)
{
	struct blkdev *d = ramblk_create(disk, SECTORS, false);

	/* No signature: no table. */
	assert_int_equal(blkdev_scan_partitions(d), 0);
	assert_int_equal(blkdev_count(), 1);
	/* A FAT boot sector of a disk without partitions. */
	disk[0] = 0xeb;
	disk[510] = 0x55;
	disk[511] = 0xaa;
	disk[446] = 0x4e; /* boot code where the table would be */
	assert_int_equal(blkdev_scan_partitions(d), 0);
	/* Sector 0 unreadable: the error. */
	ramblk_fail_after(d, 0);
	assert_int_equal(blkdev_rw(d, BLK_WRITE, 1, buf, 512), -EIO); /* the power goes */
	assert_int_equal(blkdev_scan_partitions(d), -EIO);
	/* Every slot taken: the partitions that fit. */
	ramblk_fail_after(d, -1);
	entry(disk, 0, 0, 0x06, 1, 10);
	entry(disk, 1, 0, 0x06, 20, 10);
	while (blkdev_count() < BLKDEV_MAX - 1)
		assert_non_null(ramblk_create(disk, 8, false));
	assert_int_equal(blkdev_scan_partitions(d), -ENOSPC);
	assert_int_equal(blkdev_partitions(d), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_parse_mbr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_none, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
