/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for drivers/virtio/blk.c against the simulated device of
 * tests/unit/vblk_sim.c, under the real virtio core, virtq and block layer:
 * attach (features, capacity, limits from SEG_MAX/SIZE_MAX/BLK_SIZE and the
 * ring, devices refused), reads and writes byte-exact through blkdev_rw,
 * the chain layout, requests in flight and queued when the ring is full,
 * completion out of order, bad status bytes, short and overlong used
 * lengths, device errors, flush with and without FLUSH, a read-only device,
 * a broken queue, buffers the ring refuses.
 */
#include "vblk_sim.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <k/errno.h>

#include <cmocka.h>

static uint8_t buf[64 * 1024] __attribute__((aligned(4096)));

static int setup(void **state)
{
	bsim_reset();
	return 0;
}

static int teardown(void **state)
{
	bsim_detach();
	assert_int_equal(bsim.pages_out, 0);
	return 0;
}

static void again(void)
{
	bsim_detach();
	assert_int_equal(bsim.pages_out, 0);
	bsim_reset();
}

static struct blkdev *attach_ok(void)
{
	assert_int_equal(bsim_attach(), 0);
	assert_non_null(bsim_blkdev());
	return bsim_blkdev();
}

/* Requests completed through done: in order of completion. */
static struct blk_req *done_order[256];
static int ndone;
static void on_done(struct blk_req *r)
{
	done_order[ndone++] = r;
}

static struct blk_req req(int op, uint64_t sector, void *b, uint32_t len)
{
	struct blk_req r;

	memset(&r, 0, sizeof(r));
	r.r_op = op;
	r.r_sector = sector;
	if (op != BLK_FLUSH) {
		r.r_nsegs = 1;
		r.r_segs[0].buf = b;
		r.r_segs[0].len = len;
	}
	r.r_done = on_done;
	return r;
}

/* ---- attach ---- */

static void test_attach_modern(void **state)
{
	struct blkdev *d = attach_ok();
	struct vblk *sc = bsim_softc();

	assert_int_equal(bsim.driver_features,
			 VIRTIO_F_VERSION_1 | VIRTIO_F_EVENT_IDX | VIRTIO_F_INDIRECT_DESC |
			 VIRTIO_BLK_F_SEG_MAX | VIRTIO_BLK_F_BLK_SIZE | VIRTIO_BLK_F_FLUSH);
	assert_true(bsim.status & VIRTIO_STATUS_DRIVER_OK);
	assert_string_equal(blkdev_name(d), "vda");
	assert_ptr_equal(blkdev_find("vda"), d);
	assert_int_equal(blkdev_sectors(d), BSIM_DISK_SECTORS);
	assert_false(blkdev_read_only(d));
	assert_true(blkdev_has_flush(d));
	assert_int_equal(d->bd_max_segs, BLK_MAX_SEGS); /* seg_max 254, table 34 */
	assert_int_equal(d->bd_max_seg_len, 0);
	assert_true(sc->sc_indirect);
	assert_int_equal(sc->sc_ncmds, VBLK_QUEUE_MAX);
	assert_int_equal(bsim_vq()->vq_ind_max, VBLK_IND_MAX);
}

static void test_attach_limits(void **state)
{
	/* SEG_MAX 3, SIZE_MAX 4097 (cut to 4096), read-only, no flush. */
	bsim_cfg32(VIRTIO_BLK_CFG_SEG_MAX, 3);
	bsim_cfg32(VIRTIO_BLK_CFG_SIZE_MAX, 4097);
	bsim.offered |= VIRTIO_BLK_F_SIZE_MAX | VIRTIO_BLK_F_RO;
	bsim.offered &= ~VIRTIO_BLK_F_FLUSH;
	struct blkdev *d = attach_ok();
	assert_int_equal(d->bd_max_segs, 3);
	assert_int_equal(d->bd_max_seg_len, 4096);
	assert_true(blkdev_read_only(d));
	assert_false(blkdev_has_flush(d));
	again();
	/* No SEG_MAX: one data segment (Firecracker takes no more). */
	bsim.offered &= ~VIRTIO_BLK_F_SEG_MAX;
	assert_int_equal(attach_ok()->bd_max_segs, 1);
	again();
	/* No indirect tables, a queue of 4: header, 2 segments, status. */
	bsim.offered &= ~VIRTIO_F_INDIRECT_DESC;
	bsim.qmax = 4;
	d = attach_ok();
	assert_false(bsim_softc()->sc_indirect);
	assert_int_equal(d->bd_max_segs, 2);
	again();
	/* Legacy (no VERSION_1): the same driver. */
	bsim.modern = false;
	bsim.offered &= 0xffffffffull;
	d = attach_ok();
	assert_int_equal(bsim.driver_features & VIRTIO_F_VERSION_1, 0);
	assert_int_equal(blkdev_rw(d, BLK_READ, 0, buf, 4096), 0);
	assert_memory_equal(buf, bsim.disk, 4096);
}

static void expect_refused(int err)
{
	assert_int_equal(bsim_attach(), err);
	assert_true(bsim.status & VIRTIO_STATUS_FAILED);
	assert_null(bsim_softc());
	assert_int_equal(blkdev_count(), bsim.register_full ? BLKDEV_MAX : 0);
	again();
}

static void test_attach_refused(void **state)
{
	bsim_cfg32(VIRTIO_BLK_CFG_BLK_SIZE, 4096);
	expect_refused(-ENOTSUP);
	bsim.offered |= VIRTIO_BLK_F_SIZE_MAX;
	bsim_cfg32(VIRTIO_BLK_CFG_SIZE_MAX, 511);
	expect_refused(-ENOTSUP);
	bsim_capacity(0);
	expect_refused(-ENOTSUP);
	bsim.qmax = 2; /* no room for header, data and status */
	bsim.offered &= ~VIRTIO_F_INDIRECT_DESC;
	expect_refused(-ENOTSUP);
	bsim.qmax = 0;
	expect_refused(-ENODEV);
	bsim.register_full = true;
	expect_refused(-ENOSPC);
	/* A huge disk is taken as it is (capacity only bounds requests). */
	bsim_capacity(1ull << 40);
	assert_int_equal(attach_ok()->bd_sectors, 1ull << 40);
}

/* ---- requests ---- */

static void test_read_write(void **state)
{
	struct blkdev *d = attach_ok();
	static uint8_t pattern[3 * 4096 + 512];

	assert_int_equal(blkdev_rw(d, BLK_READ, 100, buf, 8192), 0);
	assert_memory_equal(buf, bsim.disk + 100 * 512, 8192);
	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i ^ 0x5a);
	memcpy(buf, pattern, sizeof(pattern));
	assert_int_equal(blkdev_rw(d, BLK_WRITE, BSIM_DISK_SECTORS - 25, buf, sizeof(pattern)), 0);
	assert_memory_equal(bsim.disk + (BSIM_DISK_SECTORS - 25) * 512, pattern, sizeof(pattern));
	assert_int_equal(bsim_softc()->sc_stats.bad_replies, 0);
	/* Past the end: the block layer refuses it before the device sees it. */
	int served = bsim.served;
	assert_int_equal(blkdev_rw(d, BLK_READ, BSIM_DISK_SECTORS, buf, 512), -EINVAL);
	assert_int_equal(bsim.served, served);
}

static void test_chain_layout(void **state)
{
	struct blkdev *d = attach_ok();
	struct blk_req r = req(BLK_WRITE, 7, buf, 1024);
	struct vsim_chain c;
	struct bsim_req q;

	/* Three segments: header, data x3, status in one ring entry. */
	r.r_nsegs = 3;
	r.r_segs[1] = (struct blk_seg){ buf + 4096, 512 };
	r.r_segs[2] = (struct blk_seg){ buf + 8192, 2048 };
	assert_int_equal(blkdev_submit(d, &r), 0);
	assert_int_equal(bsim.notified, 1);
	assert_true(bsim_take(&c));
	assert_true(c.indirect);
	assert_int_equal(c.ndesc, 5);
	bsim_parse(&c, &q);
	assert_int_equal(q.type, VIRTIO_BLK_T_OUT);
	assert_int_equal(q.sector, 7);
	assert_int_equal(q.data, 3584);
	assert_int_equal(*q.status, VBLK_S_NONE);
	assert_ptr_equal(c.d[2].addr, buf + 4096);
	assert_int_equal(c.wlen, 1);
	bsim_put(c.head, bsim_serve(&c, VIRTIO_BLK_S_OK));
	assert_false(r.r_complete); /* not before the interrupt */
	bsim_intr();
	assert_true(r.r_complete);
	assert_int_equal(r.r_status, 0);
	/* A flush: header and status, no data. */
	ndone = 0;
	r = req(BLK_FLUSH, 0, NULL, 0);
	assert_int_equal(blkdev_submit(d, &r), 0);
	assert_true(bsim_take(&c));
	bsim_parse(&c, &q);
	assert_int_equal(q.type, VIRTIO_BLK_T_FLUSH);
	assert_int_equal(c.ndesc, 2);
	assert_int_equal(bsim_serve(&c, VIRTIO_BLK_S_OK), 1);
	bsim_put(c.head, 1);
	bsim_intr();
	assert_int_equal(ndone, 1);
	assert_int_equal(r.r_status, 0);
	assert_int_equal(blkdev_flush(d), 0);
}

static void test_in_flight_and_queued(void **state)
{
	enum { N = 12 };
	struct blk_req r[N];
	struct vsim_chain c[N];

	bsim.qmax = 8;
	struct blkdev *d = attach_ok();
	memset(buf, 0, sizeof(buf));
	ndone = 0;
	for (int i = 0; i < N; i++) {
		r[i] = req(BLK_READ, (uint64_t)i * 8, buf + i * 4096, 4096);
		assert_int_equal(blkdev_submit(d, &r[i]), 0);
	}
	/* The ring holds 8; the other 4 wait in the driver. */
	assert_int_equal(virtq_in_flight(bsim_vq()), 8);
	assert_int_equal(bsim_softc()->sc_stats.queued, 4);
	for (int i = 0; i < 8; i++)
		assert_true(bsim_take(&c[i]));
	assert_false(bsim_take(&c[8]));
	/* Completed out of order: 5, 2, then 7. */
	bsim_put(c[5].head, bsim_serve(&c[5], VIRTIO_BLK_S_OK));
	bsim_put(c[2].head, bsim_serve(&c[2], VIRTIO_BLK_S_OK));
	bsim_intr();
	bsim_put(c[7].head, bsim_serve(&c[7], VIRTIO_BLK_S_OK));
	bsim_intr();
	assert_int_equal(ndone, 3);
	assert_ptr_equal(done_order[0], &r[5]);
	assert_ptr_equal(done_order[1], &r[2]);
	assert_ptr_equal(done_order[2], &r[7]);
	/* Their slots went to the oldest waiting requests, in order. */
	assert_int_equal(virtq_in_flight(bsim_vq()), 8);
	struct bsim_req q;
	for (int i = 8; i < 11; i++) {
		assert_true(bsim_take(&c[i]));
		bsim_parse(&c[i], &q);
		assert_int_equal(q.sector, (uint64_t)i * 8);
	}
	/* The rest in one go, then the last one waiting. */
	static const int left[] = { 0, 1, 3, 4, 6, 8, 9, 10 };
	for (unsigned k = 0; k < sizeof(left) / sizeof(left[0]); k++)
		bsim_put(c[left[k]].head, bsim_serve(&c[left[k]], VIRTIO_BLK_S_OK));
	bsim_intr();
	assert_int_equal(ndone, N - 1);
	assert_int_equal(bsim_run(), 1);
	for (int i = 0; i < N; i++) {
		assert_true(r[i].r_complete);
		assert_int_equal(r[i].r_status, 0);
	}
	assert_memory_equal(buf, bsim.disk, N * 4096);
	assert_int_equal(virtq_in_flight(bsim_vq()), 0);
	assert_int_equal(bsim_softc()->sc_nfree, 8);
	assert_int_equal(bsim_softc()->sc_stats.in_flight_max, 8);
}

/* One read of a sector, the device's reply given: the request's status. */
static int reply(struct blkdev *d, int op, uint8_t status, long len)
{
	struct blk_req r = req(op, 3, buf, 512);
	struct vsim_chain c;

	assert_int_equal(blkdev_submit(d, &r), 0);
	assert_true(bsim_take(&c));
	uint32_t honest = bsim_serve(&c, status);
	bsim_put(c.head, len < 0 ? honest : (uint32_t)len);
	bsim_intr();
	assert_true(r.r_complete);
	return r.r_status;
}

static void test_bad_replies(void **state)
{
	struct blkdev *d = attach_ok();
	struct vblk *sc = bsim_softc();

	assert_int_equal(reply(d, BLK_READ, VIRTIO_BLK_S_OK, -1), 0);
	assert_int_equal(reply(d, BLK_READ, 3, -1), -EIO);           /* unknown status */
	assert_int_equal(reply(d, BLK_READ, VBLK_S_NONE, -1), -EIO); /* never written */
	assert_int_equal(sc->sc_stats.bad_replies, 2);
	assert_int_equal(reply(d, BLK_READ, VIRTIO_BLK_S_OK, 512), -EIO); /* status not counted */
	assert_int_equal(reply(d, BLK_READ, VIRTIO_BLK_S_OK, 0), -EIO);
	assert_int_equal(reply(d, BLK_READ, VIRTIO_BLK_S_OK, 514), -EIO); /* beyond: virtq's 0 */
	assert_int_equal(reply(d, BLK_WRITE, VIRTIO_BLK_S_OK, 0), -EIO);
	assert_int_equal(reply(d, BLK_WRITE, VIRTIO_BLK_S_OK, 1), 0);
	assert_int_equal(sc->sc_stats.bad_replies, 6);
	assert_true(sc->sc_logged_bad);
	/* The device's own errors. */
	assert_int_equal(reply(d, BLK_WRITE, VIRTIO_BLK_S_IOERR, -1), -EIO);
	assert_int_equal(reply(d, BLK_READ, VIRTIO_BLK_S_UNSUPP, 1), -EIO); /* short: fine */
	assert_int_equal(reply(d, BLK_READ, VIRTIO_BLK_S_IOERR, 0), -EIO);
	assert_int_equal(sc->sc_stats.io_errors, 3);
	assert_int_equal(sc->sc_stats.bad_replies, 6);
	/* The driver carries on. */
	assert_int_equal(blkdev_rw(d, BLK_READ, 0, buf, 4096), 0);
	assert_memory_equal(buf, bsim.disk, 4096);
	assert_int_equal(sc->sc_nfree, sc->sc_ncmds);
}

static void test_stray_used_entry(void **state)
{
	struct blkdev *d = attach_ok();
	struct blk_req r = req(BLK_READ, 0, buf, 512);
	struct vsim_chain c;

	assert_int_equal(blkdev_submit(d, &r), 0);
	assert_true(bsim_take(&c));
	bsim_put(c.head + 1, 513); /* not in flight: dropped by virtq */
	bsim_put(500, 513);        /* out of range */
	bsim_intr();
	assert_false(r.r_complete);
	bsim_put(c.head, bsim_serve(&c, VIRTIO_BLK_S_OK));
	bsim_intr();
	assert_true(r.r_complete);
	assert_int_equal(r.r_status, 0);
	assert_int_equal(bsim_vq()->vq_errors, 2);
}

static void test_read_only_and_no_flush(void **state)
{
	bsim.offered |= VIRTIO_BLK_F_RO;
	struct blkdev *d = attach_ok();
	struct blk_req r = req(BLK_WRITE, 0, buf, 512);

	assert_int_equal(blkdev_submit(d, &r), -EROFS);
	assert_int_equal(blkdev_rw(d, BLK_WRITE, 0, buf, 512), -EROFS);
	assert_int_equal(blkdev_flush(d), 0); /* nothing to flush */
	assert_int_equal(bsim.notified, 0);
	assert_int_equal(blkdev_rw(d, BLK_READ, 0, buf, 512), 0);
	again();
	/* No FLUSH: write-through, a flush never reaches the device (bsim_parse
	 * would abort on one). */
	bsim.offered &= ~VIRTIO_BLK_F_FLUSH;
	d = attach_ok();
	assert_int_equal(blkdev_rw(d, BLK_WRITE, 0, buf, 512), 0);
	int served = bsim.served;
	assert_int_equal(blkdev_flush(d), 0);
	assert_int_equal(bsim.served, served);
}

static void test_broken_queue(void **state)
{
	struct blk_req r[6];

	bsim.qmax = 4;
	struct blkdev *d = attach_ok();
	ndone = 0;
	for (int i = 0; i < 6; i++) {
		r[i] = req(BLK_READ, (uint64_t)i, buf + i * 512, 512);
		assert_int_equal(blkdev_submit(d, &r[i]), 0);
	}
	/* A used index far ahead: the queue stops, the device is reset and
	 * every request, in the ring or waiting, fails at once. */
	bsim.dev_used += 100;
	bsim_vq()->vq_used->idx = bsim.dev_used;
	bsim_intr();
	assert_int_equal(ndone, 6);
	for (int i = 0; i < 6; i++)
		assert_true(r[i].r_complete && r[i].r_status < 0);
	assert_int_equal(bsim.status, 0);
	assert_true(bsim_softc()->sc_dead);
	assert_int_equal(blkdev_rw(d, BLK_READ, 0, buf, 512), -ENODEV);
}

static void test_buffer_refused(void **state)
{
	bsim.qmax = 4;
	struct blkdev *d = attach_ok();
	/* A buffer outside the identity map (a kernel stack's address). */
	struct blk_req bad = req(BLK_READ, 0, (void *)(uintptr_t)(1ull << 47), 512);
	assert_int_equal(blkdev_submit(d, &bad), -EINVAL);
	/* The same while others wait: it fails when its turn comes, and the
	 * ones behind it still go. */
	struct blk_req r[6];
	ndone = 0;
	for (int i = 0; i < 6; i++) {
		r[i] = req(BLK_READ, 0, buf, 512);
		assert_int_equal(blkdev_submit(d, &r[i]), 0);
	}
	bad.r_complete = false;
	assert_int_equal(blkdev_submit(d, &bad), 0);
	struct blk_req last = req(BLK_READ, 0, buf, 512);
	assert_int_equal(blkdev_submit(d, &last), 0);
	while (!last.r_complete)
		assert_true(bsim_run() > 0);
	assert_int_equal(bad.r_status, -EINVAL);
	assert_int_equal(last.r_status, 0);
	assert_int_equal(ndone, 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_attach_modern, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attach_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attach_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chain_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_in_flight_and_queued, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_replies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stray_used_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only_and_no_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(test_broken_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_buffer_refused, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
