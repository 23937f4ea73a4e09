/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for drivers/virtio/virtio.c, the virtio core, against a fake
 * transport that records every status write: the initialization order of
 * virtio 1.2, 3.1.1 (reset, ACKNOWLEDGE, DRIVER, FEATURES_OK read back,
 * DRIVER_OK last), FAILED after a failed step with the device reset and its
 * queues freed, legacy devices (no FEATURES_OK, 32 feature bits), queue
 * sizes, interrupt fan-out and the configuration generation retry.
 */
#include "../../drivers/virtio/virtio.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <k/component.h>
#include <k/errno.h>
#include <k/kheap.h>
#include <k/pmm.h>

#include <cmocka.h>

/* ---- what the kernel provides, for the host ---- */
void arch_mb(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
void arch_rmb(void) { __atomic_thread_fence(__ATOMIC_ACQUIRE); }
void arch_wmb(void) { __atomic_thread_fence(__ATOMIC_RELEASE); }
static int pages_out;
void *pmm_alloc_contig(size_t n)
{
	void *p = aligned_alloc(PAGE_SIZE, n * PAGE_SIZE);
	pages_out += p ? (int)n : 0;
	return p;
}
void pmm_free_contig(void *base, size_t n)
{
	pages_out -= (int)n;
	free(base);
}
void *kzalloc(size_t n) { return calloc(1, n); }
void kfree(void *p) { free(p); }

/* ---- the fake transport ---- */
struct fake {
	uint8_t status;
	uint8_t writes[32]; /* every status written, in order */
	int nwrites;
	uint64_t offered, driver_features;
	bool refuse_features;
	uint16_t qmax[VIRTIO_MAX_QUEUES];
	int fail_queue_setup;
	int intr_setups, queue_setups;
	int intr_before_queue; /* 1 when intr_setup came before the first queue */
	uint64_t desc[VIRTIO_MAX_QUEUES];
	uint32_t gen, gen_flips;
	uint32_t cfg[4];
};

static struct fake *fk(struct virtio_dev *d) { return d->vd_transport; }
static uint8_t f_get_status(struct virtio_dev *d) { return fk(d)->status; }
static void f_set_status(struct virtio_dev *d, uint8_t s)
{
	struct fake *f = fk(d);

	assert_true(f->nwrites < 32);
	f->writes[f->nwrites++] = s;
	if ((s & VIRTIO_STATUS_FEATURES_OK) && f->refuse_features)
		s &= (uint8_t)~VIRTIO_STATUS_FEATURES_OK;
	f->status = s;
}
static uint64_t f_get_features(struct virtio_dev *d) { return fk(d)->offered; }
static void f_set_features(struct virtio_dev *d, uint64_t v) { fk(d)->driver_features = v; }
static uint16_t f_queue_max(struct virtio_dev *d, uint16_t i)
{
	return i < VIRTIO_MAX_QUEUES ? fk(d)->qmax[i] : 0;
}
static int f_queue_setup(struct virtio_dev *d, struct virtq *vq)
{
	struct fake *f = fk(d);

	if (f->queue_setups++ == 0)
		f->intr_before_queue = f->intr_setups > 0;
	if (f->fail_queue_setup)
		return -EIO;
	f->desc[vq->vq_index] = virtq_desc_addr(vq);
	return 0;
}
static int f_intr_setup(struct virtio_dev *d)
{
	fk(d)->intr_setups++;
	return 0;
}
static uint32_t f_cfg_read(struct virtio_dev *d, unsigned off, unsigned width)
{
	struct fake *f = fk(d);

	if (f->gen_flips) { /* the device changes its config during the read */
		f->gen_flips--;
		f->gen++;
		f->cfg[0]++;
	}
	return f->cfg[off / 4];
}
static uint32_t f_cfg_generation(struct virtio_dev *d) { return fk(d)->gen; }

static const struct virtio_ops fake_ops = {
	.get_status = f_get_status,
	.set_status = f_set_status,
	.get_features = f_get_features,
	.set_features = f_set_features,
	.queue_max = f_queue_max,
	.queue_setup = f_queue_setup,
	.intr_setup = f_intr_setup,
	.cfg_read = f_cfg_read,
	.cfg_generation = f_cfg_generation,
};

/* ---- a test driver ---- */
static struct {
	uint64_t wanted;
	uint16_t max_size;
	int nqueues;
	bool fail_late; /* fail after its queues are set up */
	struct virtq *vq[VIRTIO_MAX_QUEUES];
	int intr_calls[VIRTIO_MAX_QUEUES], config_calls;
	int result;
} drv;

static void drv_intr(struct virtq *vq) { drv.intr_calls[vq->vq_index]++; }
static void drv_config(struct virtio_dev *d) { drv.config_calls++; }

static int drv_attach(struct virtio_dev *d)
{
	int r = virtio_negotiate(d, drv.wanted);

	for (int i = 0; r == 0 && i < drv.nqueues; i++)
		r = virtio_alloc_vq(d, (uint16_t)i, drv.max_size, drv_intr, &drv, &drv.vq[i]);
	if (r == 0 && drv.fail_late)
		r = -EIO;
	if (r == 0) {
		d->vd_config_changed = drv_config;
		virtio_driver_ok(d);
	}
	drv.result = r;
	return r;
}

static const struct virtio_driver test_driver = { "test", 42, drv_attach };
/* The driver under test, as its component's table lists it: the host's
 * sysopt_next (host_stubs.c, the fuzz harnesses) returns it. */
const struct syscall_opt host_virtio_opt = SYSOPT_HOOK(SYSOPT_VIRTIO, &test_driver);

static struct fake f;
static struct virtio_dev dev;

static int setup(void **state)
{
	memset(&f, 0, sizeof(f));
	memset(&dev, 0, sizeof(dev));
	memset(&drv, 0, sizeof(drv));
	dev.vd_ops = &fake_ops;
	dev.vd_transport = &f;
	dev.vd_type = 42;
	dev.vd_modern = true;
	strcpy(dev.vd_where, "fake");
	f.offered = VIRTIO_F_VERSION_1 | VIRTIO_F_EVENT_IDX | VIRTIO_F_INDIRECT_DESC | 0x5;
	f.qmax[0] = f.qmax[1] = 256;
	drv.wanted = 0x1 | 0x2;
	drv.max_size = 256;
	drv.nqueues = 2;
	pages_out = 0;
	return 0;
}

static int teardown(void **state)
{
	virtio_detach(&dev);
	assert_int_equal(pages_out, 0);
	return 0;
}

#define ACK VIRTIO_STATUS_ACKNOWLEDGE
#define DRV VIRTIO_STATUS_DRIVER
#define FOK VIRTIO_STATUS_FEATURES_OK
#define DOK VIRTIO_STATUS_DRIVER_OK
#define FAILED VIRTIO_STATUS_FAILED

static void assert_writes(const uint8_t *want, int n)
{
	assert_int_equal(f.nwrites, n);
	for (int i = 0; i < n; i++)
		if (f.writes[i] != want[i])
			fail_msg("status write %d: %#x, want %#x", i, f.writes[i], want[i]);
}

static void test_modern_handshake(void **state)
{
	static const uint8_t want[] = { 0, ACK, ACK | DRV, ACK | DRV | FOK, ACK | DRV | FOK | DOK };

	assert_int_equal(virtio_attach(&dev), 0);
	assert_writes(want, 5);
	/* What both have of what the driver wants, plus the core's VERSION_1,
	 * EVENT_IDX and INDIRECT_DESC; never unasked device bits (0x4). */
	assert_int_equal(f.driver_features,
			 VIRTIO_F_VERSION_1 | VIRTIO_F_EVENT_IDX | VIRTIO_F_INDIRECT_DESC | 0x1);
	/* Each queue got its indirect tables at set-up. */
	assert_non_null(drv.vq[0]->vq_ind);
	assert_int_equal(drv.vq[0]->vq_ind_max, VIRTQ_INDIRECT_MAX);
	assert_int_equal(dev.vd_features, f.driver_features);
	assert_int_equal(f.intr_setups, 1);
	assert_true(f.intr_before_queue);
	assert_non_null(dev.vd_vq[0]);
	assert_non_null(dev.vd_vq[1]);
	assert_ptr_equal(dev.vd_vq[1], drv.vq[1]);
	assert_true(drv.vq[0]->vq_event_idx);
	assert_int_equal(f.desc[1], virtq_desc_addr(drv.vq[1]));
	assert_int_equal(pages_out, 2 * 3); /* 256 entries: three pages a queue */
}

static void test_no_version_1(void **state)
{
	static const uint8_t want[] = { 0, ACK, ACK | DRV, 0, FAILED };

	f.offered &= ~VIRTIO_F_VERSION_1;
	assert_int_equal(virtio_attach(&dev), -ENODEV);
	assert_writes(want, 5); /* no FEATURES_OK, reset, FAILED */
	assert_null(dev.vd_vq[0]);
}

static void test_features_refused(void **state)
{
	static const uint8_t want[] = { 0, ACK, ACK | DRV, ACK | DRV | FOK, 0, FAILED };

	f.refuse_features = true;
	assert_int_equal(virtio_attach(&dev), -ENODEV);
	assert_writes(want, 6);
	assert_int_equal(f.queue_setups, 0); /* no queue before FEATURES_OK holds */
}

static void test_fail_after_queues(void **state)
{
	static const uint8_t want[] = { 0, ACK, ACK | DRV, ACK | DRV | FOK, 0, FAILED };

	drv.fail_late = true;
	assert_int_equal(virtio_attach(&dev), -EIO);
	assert_writes(want, 6); /* reset before the rings are freed; never DRIVER_OK */
	assert_null(dev.vd_vq[0]);
	assert_null(dev.vd_vq[1]);
	assert_int_equal(pages_out, 0);
}

static void test_queue_setup_fails(void **state)
{
	f.fail_queue_setup = 1;
	assert_int_equal(virtio_attach(&dev), -EIO);
	assert_int_equal(pages_out, 0);
	assert_int_equal(f.writes[f.nwrites - 1], FAILED);
}

static void test_legacy(void **state)
{
	static const uint8_t want[] = { 0, ACK, ACK | DRV, ACK | DRV | DOK };

	dev.vd_modern = false;
	f.offered = VIRTIO_F_EVENT_IDX | VIRTIO_F_VERSION_1 | (1ull << 40) | 0x3;
	drv.wanted = 0x3 | (1ull << 40);
	assert_int_equal(virtio_attach(&dev), 0);
	assert_writes(want, 4); /* legacy: no FEATURES_OK */
	assert_int_equal(f.driver_features, VIRTIO_F_EVENT_IDX | 0x3);
	/* INDIRECT_DESC not offered: no tables, chains linked in the ring. */
	assert_null(drv.vq[0]->vq_ind);
	assert_int_equal(virtq_descs_needed(drv.vq[0], 2), 2);
}

static void test_no_driver(void **state)
{
	dev.vd_type = 7;
	assert_int_equal(virtio_attach(&dev), -ENODEV);
	assert_int_equal(f.nwrites, 0); /* the device is not touched */
	assert_int_equal(f.intr_setups, 0);
	assert_null(virtio_find_driver(7));
	assert_ptr_equal(virtio_find_driver(42), &test_driver);
}

static void test_queue_sizes(void **state)
{
	struct virtq *vq;

	drv.nqueues = 0;
	assert_int_equal(virtio_attach(&dev), 0);
	f.qmax[0] = 1024;
	assert_int_equal(virtio_alloc_vq(&dev, 0, 65535, drv_intr, &drv, &vq), 0);
	assert_int_equal(vq->vq_size, VIRTQ_MAX_SIZE);
	assert_int_equal(virtio_alloc_vq(&dev, 0, 8, drv_intr, &drv, &vq), -EINVAL); /* taken */
	f.qmax[1] = 100;
	assert_int_equal(virtio_alloc_vq(&dev, 1, 256, drv_intr, &drv, &vq), 0);
	assert_int_equal(vq->vq_size, 64);
	f.qmax[2] = 256;
	assert_int_equal(virtio_alloc_vq(&dev, 2, 8, drv_intr, &drv, &vq), 0);
	assert_int_equal(vq->vq_size, 8);
	assert_int_equal(virtio_alloc_vq(&dev, 3, 8, drv_intr, &drv, &vq), -ENODEV); /* max 0 */
	assert_int_equal(virtio_alloc_vq(&dev, VIRTIO_MAX_QUEUES, 8, drv_intr, &drv, &vq),
			 -EINVAL);
	assert_int_equal(pages_out, 3 + 2 + 2);
}

static void test_indirect_size(void **state)
{
	struct virtq *vq;

	/* A driver's own table size (virtio-blk: 34), at most the queue's. */
	drv.nqueues = 0;
	assert_int_equal(virtio_attach(&dev), 0);
	dev.vd_ind_max = 34;
	assert_int_equal(virtio_alloc_vq(&dev, 0, 64, drv_intr, &drv, &vq), 0);
	assert_int_equal(vq->vq_ind_max, 34);
	assert_int_equal(virtq_descs_needed(vq, 34), 1);
	assert_int_equal(virtq_descs_needed(vq, 35), 35);
	f.qmax[1] = 16;
	assert_int_equal(virtio_alloc_vq(&dev, 1, 64, drv_intr, &drv, &vq), 0);
	assert_int_equal(vq->vq_ind_max, 16);
}

static void test_intr_fanout(void **state)
{
	assert_int_equal(virtio_attach(&dev), 0);
	virtio_intr(&dev, false);
	assert_int_equal(drv.intr_calls[0], 1);
	assert_int_equal(drv.intr_calls[1], 1);
	assert_int_equal(drv.config_calls, 0);
	virtio_intr(&dev, true);
	assert_int_equal(drv.intr_calls[0], 2);
	assert_int_equal(drv.config_calls, 1);
	virtio_detach(&dev);
	virtio_intr(&dev, true); /* after detach: no queue left to call */
	assert_int_equal(drv.intr_calls[0], 2);
	virtio_detach(&dev); /* idempotent */
}

static void test_cfg_generation(void **state)
{
	f.cfg[0] = 0x11111111;
	f.cfg[1] = 0x22222222;
	assert_int_equal(virtio_cfg_read64(&dev, 0), 0x2222222211111111ull);
	f.gen_flips = 1; /* the first pair is torn: read again */
	assert_int_equal(virtio_cfg_read64(&dev, 0), 0x2222222211111112ull);
	f.gen_flips = 1000; /* never settles: bounded */
	(void)virtio_cfg_read64(&dev, 0);
	assert_true(f.gen_flips > 900);
	assert_int_equal(virtio_cfg_read(&dev, 4, 4), 0x22222222);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_modern_handshake, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_version_1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_features_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fail_after_queues, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_setup_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_legacy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_driver, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_sizes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_indirect_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_intr_fanout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cfg_generation, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
