/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for drivers/blkdev.c: registration and names, every check
 * blkdev_submit makes before a driver sees a request, flushes with and
 * without a write cache, blkdev_rw split to the driver's limits (with a few
 * requests in flight and an error part way), completion order, and the RAM
 * disk of tests/unit/ramblk.c the file system tests build on (power cut,
 * counters, trace).
 */
#include "ramblk.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <k/errno.h>
#include <k/wait.h>

#include <cmocka.h>

#define SECTORS 256

static uint8_t disk[SECTORS * BLK_SECTOR];
static uint8_t buf[SECTORS * BLK_SECTOR] __attribute__((aligned(4096)));

/* ---- a driver that records requests and completes them when told ---- */

#define QMAX 64
static struct {
	struct blkdev dev;
	struct blk_req *q[QMAX]; /* submitted, not completed (FIFO) */
	int nq, max_nq;
	int submits;
	int fail_at;             /* the n-th completion (1-based) gets -EIO; 0 none */
	int completions;
	int submit_error;        /* returned by submit when non-zero */
	uint8_t *mem;            /* backing store, or NULL */
} fk;

static int fk_submit(struct blkdev *d, struct blk_req *r)
{
	fk.submits++;
	if (fk.submit_error)
		return fk.submit_error;
	assert_true(fk.nq < QMAX);
	fk.q[fk.nq++] = r;
	if (fk.nq > fk.max_nq)
		fk.max_nq = fk.nq;
	return 0;
}

static void fk_complete_one(void)
{
	assert_true(fk.nq > 0);
	struct blk_req *r = fk.q[0];
	memmove(&fk.q[0], &fk.q[1], (size_t)(fk.nq - 1) * sizeof(fk.q[0]));
	fk.nq--;
	int status = ++fk.completions == fk.fail_at ? -EIO : 0;
	if (status == 0 && fk.mem && r->r_op != BLK_FLUSH) {
		uint8_t *p = fk.mem + r->r_sector * BLK_SECTOR;
		for (unsigned i = 0; i < r->r_nsegs; i++) {
			if (r->r_op == BLK_READ)
				memcpy(r->r_segs[i].buf, p, r->r_segs[i].len);
			else
				memcpy(p, r->r_segs[i].buf, r->r_segs[i].len);
			p += r->r_segs[i].len;
		}
	}
	blkdev_complete(r, status);
}

static const struct blkdev_ops fk_ops = { .submit = fk_submit };

/* A thread would sleep here until the device interrupt: the test's device
 * completes the oldest request instead (a wait with nothing in flight
 * would never end: fail). */
int kwait(const void *key, struct spinlock *held, uint64_t until)
{
	spin_unlock(held);
	fk_complete_one();
	spin_lock(held);
	return 0;
}

static int wakes;
int kwake(const void *key, int n)
{
	wakes++;
	return 0;
}

static struct blkdev *fake(uint64_t sectors, unsigned max_segs, uint32_t seg_len)
{
	memset(&fk, 0, sizeof(fk));
	fk.dev.bd_ops = &fk_ops;
	fk.dev.bd_sectors = sectors;
	fk.dev.bd_max_segs = max_segs;
	fk.dev.bd_max_seg_len = seg_len;
	assert_int_equal(blkdev_register(&fk.dev), 0);
	return &fk.dev;
}

static int teardown(void **state)
{
	while (blkdev_count() > 0) {
		struct blkdev *d = blkdev_get(0);
		if (d == &fk.dev)
			blkdev_unregister(d);
		else
			ramblk_destroy(d);
	}
	return 0;
}

static void fill_pattern(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 31 + (i >> 9));
}

/* ---- registry ---- */

static void test_register_names(void **state)
{
	struct blkdev *a = ramblk_create(disk, SECTORS, false);
	struct blkdev *b = ramblk_create(disk, SECTORS, true);

	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(blkdev_count(), 2);
	assert_string_equal(blkdev_name(a), "vda");
	assert_string_equal(blkdev_name(b), "vdb");
	assert_ptr_equal(blkdev_get(0), a);
	assert_ptr_equal(blkdev_get(1), b);
	assert_null(blkdev_get(2));
	assert_null(blkdev_get(-1));
	assert_ptr_equal(blkdev_find("vdb"), b);
	assert_null(blkdev_find("vdc"));
	assert_null(blkdev_find(NULL));
	assert_int_equal(blkdev_sectors(a), SECTORS);
	assert_false(blkdev_read_only(a));
	assert_true(blkdev_read_only(b));
	assert_false(blkdev_has_flush(a));
	/* A freed letter is given again; the order stays attach order. */
	ramblk_destroy(a);
	assert_int_equal(blkdev_count(), 1);
	assert_ptr_equal(blkdev_get(0), b);
	struct blkdev *c = ramblk_create(disk, SECTORS, false);
	assert_string_equal(blkdev_name(c), "vda");
	assert_ptr_equal(blkdev_get(1), c);
	/* An unregistered device takes no requests. */
	ramblk_destroy(b);
	assert_null(blkdev_find("vdb"));
}

static void test_register_limits(void **state)
{
	struct blkdev bad;
	static const struct blkdev_ops ops = { .submit = fk_submit };

	memset(&bad, 0, sizeof(bad));
	bad.bd_ops = &ops;
	bad.bd_sectors = 8;
	bad.bd_max_segs = 0;
	assert_int_equal(blkdev_register(&bad), -EINVAL);
	bad.bd_max_segs = BLK_MAX_SEGS + 1;
	assert_int_equal(blkdev_register(&bad), -EINVAL);
	bad.bd_max_segs = 1;
	bad.bd_max_seg_len = 1000;
	assert_int_equal(blkdev_register(&bad), -EINVAL);
	bad.bd_max_seg_len = 0;
	bad.bd_sectors = 0;
	assert_int_equal(blkdev_register(&bad), -EINVAL);
	bad.bd_sectors = 8;
	bad.bd_ops = NULL;
	assert_int_equal(blkdev_register(&bad), -EINVAL);
	assert_int_equal(blkdev_count(), 0);

	struct blkdev *d[BLKDEV_MAX];
	for (int i = 0; i < BLKDEV_MAX; i++) {
		d[i] = ramblk_create(disk, SECTORS, false);
		assert_non_null(d[i]);
		assert_int_equal(blkdev_name(d[i])[2], 'a' + i);
	}
	assert_null(ramblk_create(disk, SECTORS, false)); /* -ENOSPC: the ninth */
	for (int i = 0; i < BLKDEV_MAX; i++)
		ramblk_destroy(d[i]);
	assert_int_equal(blkdev_count(), 0);
}

/* ---- what blkdev_submit refuses ---- */

static struct blk_req rw_req(int op, uint64_t sector, unsigned nsegs, uint32_t len)
{
	struct blk_req r;

	memset(&r, 0, sizeof(r));
	r.r_op = op;
	r.r_sector = sector;
	r.r_nsegs = nsegs;
	for (unsigned i = 0; i < nsegs && i < BLK_MAX_SEGS; i++) {
		r.r_segs[i].buf = buf + i * len % sizeof(buf);
		r.r_segs[i].len = len;
	}
	return r;
}

static void expect_refused(struct blkdev *d, struct blk_req r, int err)
{
	int before = fk.submits;
	assert_int_equal(blkdev_submit(d, &r), err);
	assert_int_equal(fk.submits, before); /* the driver never saw it */
	assert_false(r.r_complete);
}

static void test_submit_checks(void **state)
{
	struct blkdev *d = fake(100, 4, 2048);
	struct blk_req r;

	expect_refused(d, rw_req(7, 0, 1, 512), -EINVAL);
	expect_refused(d, rw_req(-1, 0, 1, 512), -EINVAL);
	expect_refused(d, rw_req(BLK_READ, 0, 0, 512), -EINVAL);
	expect_refused(d, rw_req(BLK_READ, 0, 5, 512), -EINVAL);       /* > max_segs */
	expect_refused(d, rw_req(BLK_READ, 0, 1, 0), -EINVAL);         /* empty */
	expect_refused(d, rw_req(BLK_READ, 0, 1, 511), -EINVAL);       /* not 512-multiple */
	expect_refused(d, rw_req(BLK_READ, 0, 1, 513), -EINVAL);
	expect_refused(d, rw_req(BLK_READ, 0, 1, 2560), -EINVAL);      /* > max_seg_len */
	expect_refused(d, rw_req(BLK_READ, 100, 1, 512), -EINVAL);     /* at the end */
	expect_refused(d, rw_req(BLK_READ, 99, 1, 1024), -EINVAL);     /* across it */
	expect_refused(d, rw_req(BLK_READ, UINT64_MAX, 1, 512), -EINVAL);
	expect_refused(d, rw_req(BLK_READ, UINT64_MAX - 1, 2, 1024), -EINVAL); /* wraps */
	expect_refused(d, rw_req(BLK_FLUSH, 0, 1, 512), -EINVAL);      /* flush with data */
	r = rw_req(BLK_WRITE, 0, 2, 512);
	r.r_segs[1].buf = NULL;
	expect_refused(d, r, -EINVAL);
	r = rw_req(BLK_WRITE, 0, 2, 512);
	r.r_segs[1].len = 0;
	expect_refused(d, r, -EINVAL);
	assert_int_equal(blkdev_submit(d, NULL), -EINVAL);
	assert_int_equal(blkdev_submit(NULL, &r), -ENODEV);

	/* The largest request that fits: 4 segments of 2048 ending at the end. */
	r = rw_req(BLK_WRITE, 84, 4, 2048);
	r.r_complete = true; /* stale from an earlier use: reset */
	r.r_status = -5;
	assert_int_equal(blkdev_submit(d, &r), 0);
	assert_int_equal(fk.submits, 1);
	assert_false(r.r_complete);
	assert_int_equal(r.r_status, 0);
	assert_int_equal(blkdev_wait(&r), 0);
	assert_true(r.r_complete);

	/* Read-only: writes refused, reads pass. */
	fk.dev.bd_ro = true;
	expect_refused(d, rw_req(BLK_WRITE, 0, 1, 512), -EROFS);
	r = rw_req(BLK_READ, 0, 1, 512);
	assert_int_equal(blkdev_submit(d, &r), 0);
	assert_int_equal(blkdev_wait(&r), 0);
	/* The driver's own error: done does not run, nothing waits. */
	fk.submit_error = -ENODEV;
	r = rw_req(BLK_READ, 0, 1, 512);
	assert_int_equal(blkdev_submit(d, &r), -ENODEV);
	assert_false(r.r_complete);
}

static int done_calls;
static bool complete_in_done;
static void on_done(struct blk_req *r)
{
	done_calls++;
	complete_in_done = r->r_complete;
	assert_int_equal(r->r_status, (int)(intptr_t)r->r_priv);
}

static void test_completion_order(void **state)
{
	struct blkdev *d = fake(100, 4, 0);
	struct blk_req r = rw_req(BLK_READ, 0, 1, 512);

	r.r_done = on_done;
	r.r_priv = (void *)(intptr_t)-EIO;
	fk.fail_at = 1;
	done_calls = 0;
	assert_int_equal(blkdev_submit(d, &r), 0);
	assert_int_equal(done_calls, 0); /* not before the device says so */
	fk_complete_one();
	assert_int_equal(done_calls, 1);
	assert_false(complete_in_done); /* done runs before r_complete is set */
	assert_true(r.r_complete);
	assert_int_equal(blkdev_wait(&r), -EIO);
}

static void test_flush(void **state)
{
	struct blkdev *d = fake(100, 4, 0);
	struct blk_req r;

	/* No write cache: done at once with 0, the driver not asked. */
	memset(&r, 0, sizeof(r));
	r.r_op = BLK_FLUSH;
	r.r_done = on_done;
	r.r_priv = 0;
	done_calls = 0;
	assert_int_equal(blkdev_submit(d, &r), 0);
	assert_int_equal(done_calls, 1);
	assert_true(r.r_complete);
	assert_int_equal(fk.submits, 0);
	assert_int_equal(blkdev_flush(d), 0);
	assert_int_equal(fk.submits, 0);
	/* A write cache: the flush goes to the driver. */
	fk.dev.bd_flush = true;
	assert_int_equal(blkdev_flush(d), 0);
	assert_int_equal(fk.submits, 1);
	fk.fail_at = fk.completions + 1;
	assert_int_equal(blkdev_flush(d), -EIO);
	/* Read-only: nothing to make durable. */
	fk.dev.bd_ro = true;
	assert_int_equal(blkdev_flush(d), 0);
	assert_int_equal(fk.submits, 2);
	assert_int_equal(blkdev_flush(NULL), -ENODEV);
}

/* ---- blkdev_rw ---- */

static struct {
	int n;
	uint64_t next_sector;
	bool contiguous;
	unsigned max_nsegs;
	uint32_t max_len;
	int ops[4];
} tr;

static void trace(void *arg, const struct blk_req *r, bool failed)
{
	uint64_t sectors = 0;

	if (tr.n && r->r_sector != tr.next_sector)
		tr.contiguous = false;
	for (unsigned i = 0; i < r->r_nsegs; i++) {
		sectors += r->r_segs[i].len / BLK_SECTOR;
		if (r->r_segs[i].len > tr.max_len)
			tr.max_len = r->r_segs[i].len;
	}
	if (r->r_nsegs > tr.max_nsegs)
		tr.max_nsegs = r->r_nsegs;
	tr.next_sector = r->r_sector + sectors;
	if (tr.n < 4)
		tr.ops[tr.n] = r->r_op;
	tr.n++;
}

static void test_rw_split(void **state)
{
	struct blkdev *d = ramblk_create(disk, SECTORS, false);

	memset(&tr, 0, sizeof(tr));
	tr.contiguous = true;
	ramblk_set_trace(d, trace, NULL);
	ramblk_set_limits(d, 3, 1024);
	/* 10 KiB from sector 5: requests of at most 3 segments of 1 KiB. */
	fill_pattern(buf, 10240, 1);
	assert_int_equal(blkdev_rw(d, BLK_WRITE, 5, buf, 10240), 0);
	assert_int_equal(tr.n, 4); /* 3 + 3 + 3 + 1 KiB */
	assert_true(tr.contiguous);
	assert_int_equal(tr.max_nsegs, 3);
	assert_int_equal(tr.max_len, 1024);
	assert_int_equal(tr.next_sector, 5 + 20);
	assert_memory_equal(disk + 5 * BLK_SECTOR, buf, 10240);
	assert_int_equal(ramblk_stats(d)->writes, 4);
	assert_int_equal(ramblk_stats(d)->sectors_written, 20);
	memset(buf, 0, 10240);
	assert_int_equal(blkdev_rw(d, BLK_READ, 5, buf, 10240), 0);
	fill_pattern(buf + 10240, 10240, 1);
	assert_memory_equal(buf, buf + 10240, 10240);
	/* One segment per request, one sector each; the last sector of all. */
	ramblk_set_limits(d, 1, 512);
	memset(&tr, 0, sizeof(tr));
	assert_int_equal(blkdev_rw(d, BLK_READ, SECTORS - 7, buf, 7 * 512), 0);
	assert_int_equal(tr.n, 7);
	/* No limit: one request of up to 32 segments for the whole disk. */
	ramblk_set_limits(d, BLK_MAX_SEGS, 0);
	memset(&tr, 0, sizeof(tr));
	assert_int_equal(blkdev_rw(d, BLK_READ, 0, buf, sizeof(buf)), 0);
	assert_int_equal(tr.n, 1);
	assert_int_equal(tr.max_nsegs, 1);
	assert_memory_equal(buf, disk, sizeof(buf));
}

static void test_rw_checks(void **state)
{
	struct blkdev *d = ramblk_create(disk, SECTORS, false);
	struct blkdev *ro = ramblk_create(disk, SECTORS, true);

	assert_int_equal(blkdev_rw(d, BLK_READ, 0, buf, 0), -EINVAL);
	assert_int_equal(blkdev_rw(d, BLK_READ, 0, buf, 100), -EINVAL);
	assert_int_equal(blkdev_rw(d, BLK_READ, 0, NULL, 512), -EINVAL);
	assert_int_equal(blkdev_rw(d, BLK_READ, SECTORS, buf, 512), -EINVAL);
	assert_int_equal(blkdev_rw(d, BLK_READ, SECTORS - 1, buf, 1024), -EINVAL);
	assert_int_equal(blkdev_rw(d, BLK_READ, UINT64_MAX, buf, 512), -EINVAL);
	assert_int_equal(blkdev_rw(d, BLK_FLUSH, 0, buf, 512), -EINVAL);
	assert_int_equal(blkdev_rw(d, 9, 0, buf, 512), -EINVAL);
	assert_int_equal(blkdev_rw(ro, BLK_WRITE, 0, buf, 512), -EROFS);
	assert_int_equal(blkdev_rw(NULL, BLK_READ, 0, buf, 512), -ENODEV);
	assert_int_equal(ramblk_stats(d)->reads + ramblk_stats(ro)->writes, 0);
	assert_int_equal(blkdev_rw(ro, BLK_READ, SECTORS - 1, buf, 512), 0);
}

static void test_rw_in_flight(void **state)
{
	static uint8_t mem[64 * BLK_SECTOR];
	struct blkdev *d = fake(64, 2, 512);

	/* 20 requests of 1 KiB: a few go out before the first is waited for. */
	fk.mem = mem;
	fill_pattern(buf, sizeof(mem), 9);
	assert_int_equal(blkdev_rw(d, BLK_WRITE, 4, buf, 40 * 512), 0);
	assert_int_equal(fk.submits, 20);
	assert_true(fk.max_nq > 1);
	assert_true(fk.max_nq <= 4);
	assert_int_equal(fk.nq, 0);
	assert_memory_equal(mem + 4 * 512, buf, 40 * 512);

	/* The third request fails: -EIO, nothing sent after the error was
	 * seen, every request sent was waited for. */
	fk.completions = 0;
	fk.submits = 0;
	fk.fail_at = 3;
	assert_int_equal(blkdev_rw(d, BLK_READ, 0, buf, 40 * 512), -EIO);
	assert_int_equal(fk.nq, 0);
	assert_true(fk.submits < 20);
	assert_int_equal(fk.completions, fk.submits);
	/* The driver refusing a request part way. */
	fk.fail_at = 0;
	fk.submits = 0;
	fk.submit_error = -ENODEV;
	assert_int_equal(blkdev_rw(d, BLK_READ, 0, buf, 40 * 512), -ENODEV);
	assert_int_equal(fk.submits, 1);
}

/* ---- the RAM disk ---- */

static void test_ramblk_power_cut(void **state)
{
	struct blkdev *d = ramblk_create(disk, SECTORS, false);
	uint8_t before[4 * BLK_SECTOR];

	ramblk_set_flush(d, true);
	assert_true(blkdev_has_flush(d));
	memset(&tr, 0, sizeof(tr));
	ramblk_set_trace(d, trace, NULL);
	ramblk_fail_after(d, 2);
	fill_pattern(buf, 4 * BLK_SECTOR, 3);
	assert_int_equal(blkdev_rw(d, BLK_WRITE, 0, buf, 512), 0);
	assert_int_equal(blkdev_flush(d), 0);
	assert_int_equal(blkdev_rw(d, BLK_WRITE, 1, buf + 512, 512), 0);
	assert_false(ramblk_power_cut(d));
	memcpy(before, disk, sizeof(before));
	/* The third write finds the power gone: nothing written, everything
	 * after fails too. */
	assert_int_equal(blkdev_rw(d, BLK_WRITE, 2, buf + 1024, 1024), -EIO);
	assert_true(ramblk_power_cut(d));
	assert_memory_equal(disk, before, sizeof(before));
	assert_int_equal(blkdev_rw(d, BLK_READ, 0, buf, 512), -EIO);
	assert_int_equal(blkdev_flush(d), -EIO);
	const struct ramblk_stats *st = ramblk_stats(d);
	assert_int_equal(st->writes, 2);
	assert_int_equal(st->flushes, 1);
	assert_int_equal(st->sectors_written, 2);
	assert_int_equal(st->failed, 3);
	assert_int_equal(tr.n, 6);
	assert_int_equal(tr.ops[0], BLK_WRITE);
	assert_int_equal(tr.ops[1], BLK_FLUSH);
	/* Power back. */
	ramblk_fail_after(d, -1);
	assert_int_equal(blkdev_rw(d, BLK_READ, 0, buf + 2048, 1024), 0);
	assert_memory_equal(buf + 2048, buf, 1024);
	ramblk_reset_stats(d);
	assert_int_equal(ramblk_stats(d)->reads, 0);
	/* Zero writes allowed: the very first write cuts the power. */
	ramblk_fail_after(d, 0);
	assert_int_equal(blkdev_rw(d, BLK_READ, 0, buf, 512), 0);
	assert_int_equal(blkdev_rw(d, BLK_WRITE, 0, buf, 512), -EIO);
	assert_true(ramblk_power_cut(d));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_register_names, teardown),
		cmocka_unit_test_teardown(test_register_limits, teardown),
		cmocka_unit_test_teardown(test_submit_checks, teardown),
		cmocka_unit_test_teardown(test_completion_order, teardown),
		cmocka_unit_test_teardown(test_flush, teardown),
		cmocka_unit_test_teardown(test_rw_split, teardown),
		cmocka_unit_test_teardown(test_rw_checks, teardown),
		cmocka_unit_test_teardown(test_rw_in_flight, teardown),
		cmocka_unit_test_teardown(test_ramblk_power_cut, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
