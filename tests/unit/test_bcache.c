/* SPDX-License-Identifier: MIT */
/* fs/bcache.c over the host RAM disk: hits, the limit, write-back in class
 * order with flushes between classes, eviction order, read-ahead, the short
 * last block, errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <k/bcache.h>
#include <k/errno.h>
#include "fs_host.h"

static struct fs_ramdisk *rd;
static struct bcache *c;

static int setup(void **state)
{
	rd = fs_ramdisk_new(1024, false); /* 512 KiB: 128 blocks of 4 KiB */
	for (int i = 0; i < 1024 * 512; i++)
		rd->mem[i] = (uint8_t)(i / 512);
	bcache_set_limit(16);
	c = bcache_create(&rd->dev, 4096);
	return c ? 0 : -1;
}

static int teardown(void **state)
{
	bcache_destroy(c);
	fs_ramdisk_free(rd);
	return 0;
}

static void get_reads_once(void **state)
{
	struct buf *b;
	assert_int_equal(bcache_get(c, 3, 0, &b), 0);
	assert_int_equal(b->b_data[0], 24);       /* sector 24 */
	assert_int_equal(b->b_data[4095], 31);
	assert_int_equal(b->b_valid, 4096);
	bcache_put(c, b);
	long reads = rd->reads;
	assert_int_equal(bcache_get(c, 3, 0, &b), 0);
	assert_int_equal(rd->reads, reads);        /* a hit */
	bcache_put(c, b);
	assert_int_equal(bcache_get(c, 128, 0, &b), -EINVAL);
}

static void limit_holds(void **state)
{
	struct buf *b;
	for (uint64_t i = 0; i < 100; i++) {
		assert_int_equal(bcache_get(c, i, 0, &b), 0);
		assert_int_equal(b->b_data[0], (uint8_t)(i * 8));
		bcache_put(c, b);
		assert_true(bcache_cached() <= 16);
	}
}

static void all_pinned_is_enomem(void **state)
{
	struct buf *b[17];
	for (int i = 0; i < 16; i++)
		assert_int_equal(bcache_get(c, (uint64_t)i, 0, &b[i]), 0);
	assert_int_equal(bcache_get(c, 40, 0, &b[16]), -ENOMEM);
	for (int i = 0; i < 16; i++)
		bcache_put(c, b[i]);
	assert_int_equal(bcache_get(c, 40, 0, &b[16]), 0);
	bcache_put(c, b[16]);
}

static void dirty_block(uint64_t n, enum bc_class cls, uint8_t v)
{
	struct buf *b;
	assert_int_equal(bcache_get(c, n, 0, &b), 0);
	memset(b->b_data, v, 4096);
	bcache_dirty(c, b, cls);
	bcache_put(c, b);
}

/* Class of the block a write event touched, from the order of the test. */
static void sync_writes_in_class_order(void **state)
{
	dirty_block(10, BC_DIR, 0xd1);
	dirty_block(2, BC_FAT, 0xfa);
	dirty_block(50, BC_DATA, 0xda);
	dirty_block(1, BC_META, 0xbe);
	dirty_block(51, BC_DATA, 0xdb);
	assert_true(bcache_dirty_any(c));
	rd->nlog = 0;
	long reqs = rd->requests;
	assert_int_equal(bcache_sync(c), 0);
	assert_false(bcache_dirty_any(c));
	/* data (50-51: one request of two segments), flush, FAT, flush, dir,
	 * flush, meta, flush */
	assert_int_equal(rd->requests - reqs, 4);
	assert_int_equal(rd->nlog, 9);
	assert_int_equal(rd->log[0].sector, 400);
	assert_int_equal(rd->log[0].len, 4096);
	assert_int_equal(rd->log[1].sector, 408);
	assert_true(rd->log[2].flush);
	assert_int_equal(rd->log[3].sector, 16);
	assert_true(rd->log[4].flush);
	assert_int_equal(rd->log[5].sector, 80);
	assert_true(rd->log[6].flush);
	assert_int_equal(rd->log[7].sector, 8);
	assert_int_equal(rd->mem[400 * 512], 0xda);
	assert_int_equal(rd->mem[408 * 512 + 4095], 0xdb);
	assert_int_equal(rd->mem[8 * 512], 0xbe);
	/* Nothing dirty: a sync only flushes. */
	rd->nlog = 0;
	assert_int_equal(bcache_sync(c), 0);
	assert_int_equal(rd->nlog, 1);
	assert_true(rd->log[0].flush);
}

static void earlier_class_wins(void **state)
{
	dirty_block(7, BC_DIR, 1);
	dirty_block(7, BC_FAT, 2);
	dirty_block(7, BC_META, 3);
	dirty_block(9, BC_FAT, 4);
	rd->nlog = 0;
	assert_int_equal(bcache_sync(c), 0);
	/* both in the FAT pass, merged? 7 and 9 are not adjacent: two writes */
	assert_int_equal(rd->log[0].sector, 56);
	assert_int_equal(rd->log[1].sector, 72);
	assert_true(rd->log[2].flush);
	assert_int_equal(rd->nlog, 3);
}

/* Eviction writes data blocks on their own, and a directory block only after
 * every data and FAT block before it. */
static void eviction_keeps_order(void **state)
{
	dirty_block(100, BC_DIR, 0x11);   /* oldest: the first victim */
	dirty_block(101, BC_FAT, 0x22);
	for (uint64_t i = 0; i < 14; i++)
		dirty_block(20 + i, BC_DATA, 0x33);
	rd->nlog = 0;
	struct buf *b;
	assert_int_equal(bcache_get(c, 60, 0, &b), 0); /* cache full: evict */
	bcache_put(c, b);
	/* The victim was a directory block: the whole cache was synced in
	 * order; the directory write comes after the data and FAT ones. */
	size_t dir_at = 0, fat_at = 0, last_data = 0;
	for (size_t i = 0; i < rd->nlog; i++) {
		if (rd->log[i].flush)
			continue;
		if (rd->log[i].sector == 800)
			dir_at = i;
		else if (rd->log[i].sector == 808)
			fat_at = i;
		else
			last_data = i;
	}
	assert_true(fat_at > last_data);
	assert_true(dir_at > fat_at);
	assert_false(bcache_dirty_any(c));
}

static void data_evicted_alone(void **state)
{
	for (uint64_t i = 0; i < 15; i++)
		dirty_block(20 + i, BC_DATA, 0x44);
	dirty_block(101, BC_DIR, 0x55);   /* newest */
	rd->nlog = 0;
	struct buf *b;
	assert_int_equal(bcache_get(c, 60, 0, &b), 0);
	bcache_put(c, b);
	for (size_t i = 0; i < rd->nlog; i++)
		assert_int_not_equal(rd->log[i].sector, 808); /* the dir block waits */
	assert_true(bcache_dirty_any(c));
	assert_int_equal(rd->mem[20 * 8 * 512], 0x44);
}

static void readahead_fills(void **state)
{
	long reads = rd->reads;
	bcache_readahead(c, 30, 8);
	assert_true(rd->reads > reads);
	reads = rd->reads;
	struct buf *b;
	for (uint64_t i = 30; i < 38; i++) {
		assert_int_equal(bcache_get(c, i, 0, &b), 0);
		assert_int_equal(b->b_data[0], (uint8_t)(i * 8));
		bcache_put(c, b);
	}
	assert_int_equal(rd->reads, reads);
}

static void noread_skips_io(void **state)
{
	long reads = rd->reads;
	struct buf *b;
	assert_int_equal(bcache_get(c, 70, BC_NOREAD, &b), 0);
	assert_int_equal(rd->reads, reads);
	bcache_put(c, b);
}

static void short_last_block(void **state)
{
	struct fs_ramdisk *odd = fs_ramdisk_new(13, false); /* 6.5 KiB */
	memset(odd->mem, 0x77, 13 * 512);
	struct bcache *oc = bcache_create(&odd->dev, 4096);
	assert_int_equal(bcache_nblocks(oc), 2);
	struct buf *b;
	assert_int_equal(bcache_get(oc, 1, 0, &b), 0);
	assert_int_equal(b->b_valid, 5 * 512);
	assert_int_equal(b->b_data[5 * 512 - 1], 0x77);
	assert_int_equal(b->b_data[5 * 512], 0);   /* past the end: zeros */
	memset(b->b_data, 0x12, 4096);
	bcache_dirty(oc, b, BC_DATA);
	bcache_put(oc, b);
	assert_int_equal(bcache_sync(oc), 0);
	assert_int_equal(odd->mem[13 * 512 - 1], 0x12);
	assert_int_equal(bcache_destroy(oc), 0);
	fs_ramdisk_free(odd);
}

static void write_error_keeps_dirty(void **state)
{
	dirty_block(5, BC_DATA, 0x66);
	rd->cut_after = rd->writes; /* every write fails from now on */
	assert_int_equal(bcache_sync(c), -EIO);
	assert_true(bcache_dirty_any(c));
	rd->cut_after = -1;
	assert_int_equal(bcache_sync(c), 0);
	assert_false(bcache_dirty_any(c));
	assert_int_equal(rd->mem[5 * 8 * 512], 0x66);
}

static void bad_bsize(void **state)
{
	assert_null(bcache_create(&rd->dev, 3000));
	assert_null(bcache_create(&rd->dev, 8192));
	assert_null(bcache_create(&rd->dev, 256));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(get_reads_once, setup, teardown),
		cmocka_unit_test_setup_teardown(limit_holds, setup, teardown),
		cmocka_unit_test_setup_teardown(all_pinned_is_enomem, setup, teardown),
		cmocka_unit_test_setup_teardown(sync_writes_in_class_order, setup, teardown),
		cmocka_unit_test_setup_teardown(earlier_class_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(eviction_keeps_order, setup, teardown),
		cmocka_unit_test_setup_teardown(data_evicted_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(readahead_fills, setup, teardown),
		cmocka_unit_test_setup_teardown(noread_skips_io, setup, teardown),
		cmocka_unit_test_setup_teardown(short_last_block, setup, teardown),
		cmocka_unit_test_setup_teardown(write_error_keeps_dirty, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_bsize, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
