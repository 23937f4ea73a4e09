/* SPDX-License-Identifier: MIT */
/*
 * Kernel services for host tests of fs/: the heap and pages from malloc, one
 * thread (kwait must never be reached while a request is in flight: the fake
 * devices complete at once), a settable clock, and a RAM block device
 * (fs_host.h) that counts writes and flushes, records their order and can
 * refuse every write after the N-th (a power cut).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <k/blkdev_driver.h>
#include <k/errno.h>
#include <k/spinlock.h>
#include "fs_host.h"

void *kmalloc(size_t size) { return malloc(size ? size : 1); }
void *kzalloc(size_t size) { return calloc(1, size ? size : 1); }
void kfree(void *p) { free(p); }
void *pmm_alloc(void) { return aligned_alloc(4096, 4096); }
void *pmm_alloc_zero(void) { return calloc(1, 4096); }
void pmm_free(void *p) { free(p); }
size_t fs_host_free_pages = 4096;
size_t pmm_free_pages(void) { return fs_host_free_pages; }
size_t pmm_avail_pages(void) { return fs_host_free_pages; }

int kwait(const void *key, struct spinlock *held, uint64_t until)
{
	(void)key; (void)held; (void)until;
	fprintf(stderr, "fs_host: kwait reached with one thread: nothing can wake it\n");
	abort();
}
int kwait_intr(const void *key, struct spinlock *held, uint64_t until)
{
	return kwait(key, held, until);
}
int kwake(const void *key, int n) { (void)key; (void)n; return 0; }

uint64_t fs_host_now_ns = 1700000000ull * 1000000000ull;
uint64_t time_realtime_ns(void) { return fs_host_now_ns; }
uint64_t time_monotonic_ns(void) { return fs_host_now_ns; }

/* ---- the RAM block device and the block layer over it ---- */

static struct fs_ramdisk *ramdisk_of(struct blkdev *d) { return d->bd_softc; }

struct fs_ramdisk *fs_ramdisk_new(uint64_t sectors, bool ro)
{
	struct fs_ramdisk *r = calloc(1, sizeof(*r));
	r->mem = calloc(sectors, BLK_SECTOR);
	r->dev.bd_softc = r;
	r->dev.bd_sectors = sectors;
	r->dev.bd_ro = ro;
	r->dev.bd_flush = true;
	r->dev.bd_max_segs = BLK_MAX_SEGS;
	snprintf(r->dev.bd_name, sizeof(r->dev.bd_name), "ram");
	r->cut_after = -1;
	return r;
}

void fs_ramdisk_free(struct fs_ramdisk *r)
{
	free(r->mem);
	free(r->log);
	free(r);
}

static void log_event(struct fs_ramdisk *r, uint64_t sector, uint32_t len, bool flush)
{
	if (r->nlog == r->caplog) {
		r->caplog = r->caplog ? r->caplog * 2 : 64;
		r->log = realloc(r->log, r->caplog * sizeof(*r->log));
	}
	r->log[r->nlog].sector = sector;
	r->log[r->nlog].len = len;
	r->log[r->nlog].flush = flush;
	r->nlog++;
}

static int do_req(struct fs_ramdisk *r, struct blk_req *q)
{
	if (q->r_op == BLK_FLUSH) {
		r->flushes++;
		log_event(r, 0, 0, true);
		return 0;
	}
	uint64_t off = q->r_sector * BLK_SECTOR;
	r->requests++;
	for (unsigned i = 0; i < q->r_nsegs; i++) {
		uint32_t len = q->r_segs[i].len;
		if (off + len > r->dev.bd_sectors * BLK_SECTOR)
			return -EINVAL;
		if (q->r_op == BLK_READ) {
			memcpy(q->r_segs[i].buf, r->mem + off, len);
			r->reads++;
		} else {
			if (r->dev.bd_ro)
				return -EROFS;
			if (r->cut_after >= 0 && r->writes >= r->cut_after)
				return -EIO; /* the power is gone */
			memcpy(r->mem + off, q->r_segs[i].buf, len);
			r->writes++;
			log_event(r, off / BLK_SECTOR, len, false);
		}
		off += len;
	}
	return 0;
}

int blkdev_submit(struct blkdev *d, struct blk_req *q)
{
	if (q->r_op == BLK_WRITE && d->bd_ro)
		return -EROFS;
	q->r_status = do_req(ramdisk_of(d), q);
	q->r_complete = true;
	if (q->r_done)
		q->r_done(q);
	return 0;
}

int blkdev_wait(struct blk_req *q) { return q->r_status; }

int blkdev_rw(struct blkdev *d, int op, uint64_t sector, void *buf, size_t len)
{
	struct blk_req q = { .r_op = op, .r_sector = sector, .r_nsegs = 1 };
	q.r_segs[0].buf = buf;
	q.r_segs[0].len = (uint32_t)len;
	int r = blkdev_submit(d, &q);
	return r ? r : q.r_status;
}

int blkdev_flush(struct blkdev *d)
{
	struct blk_req q = { .r_op = BLK_FLUSH };
	int r = blkdev_submit(d, &q);
	return r ? r : q.r_status;
}

uint64_t blkdev_sectors(const struct blkdev *d) { return d->bd_sectors; }
bool blkdev_read_only(const struct blkdev *d) { return d->bd_ro; }
bool blkdev_has_flush(const struct blkdev *d) { return d->bd_flush; }
const char *blkdev_name(const struct blkdev *d) { return d->bd_name; }
