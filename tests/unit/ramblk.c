/* SPDX-License-Identifier: MIT */
/*
 * The RAM block device of ramblk.h, for host tests.
 */
#include <stdlib.h>
#include <string.h>

#include <k/errno.h>
#include <k/kheap.h>
#include <k/wait.h>

#include "../../drivers/blkdev_impl.h"
#include "ramblk.h"

struct ramblk {
	struct blkdev rb_dev; /* first: the blkdev is the ramblk */
	uint8_t *rb_mem;
	long rb_writes_left;  /* -1: no cut planned */
	bool rb_cut;
	struct ramblk_stats rb_stats;
	ramblk_trace_fn rb_trace;
	void *rb_trace_arg;
};

static struct ramblk *rb_of(const struct blkdev *d) { return (struct ramblk *)d; }

/* The power goes when the planned number of writes is used up. */
static bool cut_now(struct ramblk *rb, int op)
{
	if (!rb->rb_cut && op == BLK_WRITE && rb->rb_writes_left == 0)
		rb->rb_cut = true;
	return rb->rb_cut;
}

static void carry_out(struct ramblk *rb, struct blk_req *r)
{
	uint8_t *p = rb->rb_mem + r->r_sector * BLK_SECTOR;
	uint64_t sectors = 0;

	for (unsigned i = 0; i < r->r_nsegs; i++) {
		const struct blk_seg *s = &r->r_segs[i];

		if (r->r_op == BLK_READ)
			memcpy(s->buf, p, s->len);
		else
			memcpy(p, s->buf, s->len);
		p += s->len;
		sectors += s->len / BLK_SECTOR;
	}
	switch (r->r_op) {
	case BLK_READ:
		rb->rb_stats.reads++;
		rb->rb_stats.sectors_read += sectors;
		break;
	case BLK_WRITE:
		rb->rb_stats.writes++;
		rb->rb_stats.sectors_written += sectors;
		if (rb->rb_writes_left > 0)
			rb->rb_writes_left--;
		break;
	default:
		rb->rb_stats.flushes++;
		break;
	}
}

static int ramblk_submit(struct blkdev *d, struct blk_req *r)
{
	struct ramblk *rb = rb_of(d);
	bool failed = cut_now(rb, r->r_op);

	if (rb->rb_trace)
		rb->rb_trace(rb->rb_trace_arg, r, failed);
	if (failed) {
		rb->rb_stats.failed++;
		blkdev_complete(r, -EIO);
		return 0;
	}
	carry_out(rb, r);
	blkdev_complete(r, 0);
	return 0;
}

static const struct blkdev_ops ramblk_ops = { .submit = ramblk_submit };

struct blkdev *ramblk_create(void *mem, uint64_t sectors, bool ro)
{
	struct ramblk *rb = calloc(1, sizeof(*rb));

	if (rb == NULL)
		return NULL;
	rb->rb_mem = mem;
	rb->rb_writes_left = -1;
	rb->rb_dev.bd_ops = &ramblk_ops;
	rb->rb_dev.bd_softc = rb;
	rb->rb_dev.bd_sectors = sectors;
	rb->rb_dev.bd_ro = ro;
	rb->rb_dev.bd_max_segs = BLK_MAX_SEGS;
	if (blkdev_register(&rb->rb_dev) != 0) {
		free(rb);
		return NULL;
	}
	return &rb->rb_dev;
}

void ramblk_destroy(struct blkdev *d)
{
	if (d == NULL)
		return;
	blkdev_unregister(d);
	free(rb_of(d));
}

void ramblk_fail_after(struct blkdev *d, long writes)
{
	struct ramblk *rb = rb_of(d);

	rb->rb_writes_left = writes < 0 ? -1 : writes;
	rb->rb_cut = false;
}

bool ramblk_power_cut(const struct blkdev *d) { return rb_of(d)->rb_cut; }
const struct ramblk_stats *ramblk_stats(const struct blkdev *d) { return &rb_of(d)->rb_stats; }
void ramblk_reset_stats(struct blkdev *d) { memset(&rb_of(d)->rb_stats, 0, sizeof(rb_of(d)->rb_stats)); }

void ramblk_set_limits(struct blkdev *d, unsigned max_segs, uint32_t max_seg_len)
{
	d->bd_max_segs = max_segs;
	d->bd_max_seg_len = max_seg_len;
}

void ramblk_set_flush(struct blkdev *d, bool flush) { d->bd_flush = flush; }

void ramblk_set_trace(struct blkdev *d, ramblk_trace_fn fn, void *arg)
{
	rb_of(d)->rb_trace = fn;
	rb_of(d)->rb_trace_arg = arg;
}

/* Kernel services blkdev.c calls. A RAM disk completes inside submit, so
 * nobody ever waits; a test with a device of its own supplies real ones. */
__attribute__((weak)) int kwait(const void *key, struct spinlock *held, uint64_t until)
{
	abort(); /* a wait that can never end on one host thread */
}
__attribute__((weak)) int kwake(const void *key, int n) { return 0; }
__attribute__((weak)) int blkdev_file_add(struct blkdev *d) { return 0; }
__attribute__((weak)) void *kmalloc(size_t n) { return malloc(n); }
__attribute__((weak)) void *kzalloc(size_t n) { return calloc(1, n); }
__attribute__((weak)) void kfree(void *p) { free(p); }
