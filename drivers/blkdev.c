/* SPDX-License-Identifier: MIT */
/*
 * The block device layer (k/blkdev.h, k/blkdev_driver.h): the registry, the
 * checks every request passes before a driver sees it, blocking reads and
 * writes split to the driver's limits, and completion. Portable: the host
 * tests (tests/unit/test_blkdev.c) run it over RAM disks and fake drivers.
 */
#include <k/blkdev_driver.h>
#include <k/errno.h>
#include <k/kheap.h>
#include <k/spinlock.h>
#include <k/string.h>
#include <k/wait.h>

#include "blkdev_impl.h"

/* A segment blkdev_rw makes when the driver names no limit: large enough
 * that a request is never short of bytes, a multiple of 512 within uint32. */
#define RW_SEG_CAP (4u << 20)
/* Requests of one blkdev_rw in flight at once (when it needs several). */
#define RW_DEPTH 4

/* In attach order; slots [0, ndevs) are used. Registration happens on the
 * boot core before the program runs (or in a host test), so readers take no
 * lock: ndevs is published after the slot. */
static struct blkdev *devs[BLKDEV_MAX];
static int ndevs;
static struct spinlock reg_lock = SPINLOCK_INIT;
/* Orders r_complete with the waiter's check (k/wait.h's pattern). */
static struct spinlock wait_lock = SPINLOCK_INIT;

static bool letter_used(int letter)
{
	for (int i = 0; i < ndevs; i++)
		if (devs[i]->bd_index == letter && devs[i]->bd_partno == 0)
			return true;
	return false;
}

static int check_driver(const struct blkdev *d)
{
	if (d->bd_ops == NULL || d->bd_ops->submit == NULL || d->bd_sectors == 0 ||
	    d->bd_max_segs < 1 || d->bd_max_segs > BLK_MAX_SEGS ||
	    d->bd_max_seg_len % BLK_SECTOR != 0)
		return -EINVAL;
	return 0;
}

int blkdev_register(struct blkdev *d)
{
	int r = check_driver(d), letter = 0;

	if (r)
		return r;
	spin_lock(&reg_lock);
	if (ndevs == BLKDEV_MAX) {
		spin_unlock(&reg_lock);
		return -ENOSPC;
	}
	while (letter_used(letter))
		letter++;
	d->bd_index = letter;
	d->bd_name[0] = 'v';
	d->bd_name[1] = 'd';
	d->bd_name[2] = (char)('a' + letter);
	d->bd_name[3] = '\0';
	d->bd_partno = 0;
	d->bd_gone = false;
	devs[ndevs] = d;
	__atomic_store_n(&ndevs, ndevs + 1, __ATOMIC_RELEASE);
	spin_unlock(&reg_lock);
	/* The device works without its file (a full /dev table says so). */
	(void)blkdev_file_add(d);
	return 0;
}

uint64_t blkdev_rdev(const struct blkdev *d)
{
	return (BLKDEV_MAJOR << 8) | (uint64_t)(d->bd_index * BLKDEV_MINORS + d->bd_partno);
}

int blkdev_register_part(struct blkdev *d, const struct blkdev *disk, int partno)
{
	int r = check_driver(d);
	if (r)
		return r;
	spin_lock(&reg_lock);
	if (ndevs == BLKDEV_MAX) {
		spin_unlock(&reg_lock);
		return -ENOSPC;
	}
	memcpy(d->bd_name, disk->bd_name, 3);
	d->bd_name[3] = (char)('0' + partno);
	d->bd_name[4] = '\0';
	d->bd_index = disk->bd_index;
	d->bd_partno = partno;
	d->bd_gone = false;
	devs[ndevs] = d;
	__atomic_store_n(&ndevs, ndevs + 1, __ATOMIC_RELEASE);
	spin_unlock(&reg_lock);
	(void)blkdev_file_add(d);
	return 0;
}

void blkdev_unregister(struct blkdev *d)
{
	spin_lock(&reg_lock);
	for (int i = 0; i < ndevs; i++) {
		if (devs[i] != d)
			continue;
		memmove(&devs[i], &devs[i + 1], (size_t)(ndevs - i - 1) * sizeof(devs[0]));
		ndevs--;
		d->bd_gone = true;
		break;
	}
	spin_unlock(&reg_lock);
}

int blkdev_count(void) { return __atomic_load_n(&ndevs, __ATOMIC_ACQUIRE); }

struct blkdev *blkdev_get(int index)
{
	return index >= 0 && index < blkdev_count() ? devs[index] : NULL;
}

struct blkdev *blkdev_find(const char *name)
{
	if (name == NULL)
		return NULL;
	for (int i = 0; i < blkdev_count(); i++)
		if (!strcmp(devs[i]->bd_name, name))
			return devs[i];
	return NULL;
}

const char *blkdev_name(const struct blkdev *d) { return d->bd_name; }
uint64_t blkdev_sectors(const struct blkdev *d) { return d->bd_sectors; }
bool blkdev_read_only(const struct blkdev *d) { return d->bd_ro; }
bool blkdev_has_flush(const struct blkdev *d) { return d->bd_flush; }

/* Sectors [sector, sector + count) inside the device, without overflow. */
static bool in_range(const struct blkdev *d, uint64_t sector, uint64_t count)
{
	return count > 0 && sector < d->bd_sectors && count <= d->bd_sectors - sector;
}

/* A read or write request's segments and range; its sector count. */
static int check_rw(const struct blkdev *d, const struct blk_req *r)
{
	uint64_t bytes = 0;

	if (r->r_nsegs < 1 || r->r_nsegs > d->bd_max_segs)
		return -EINVAL;
	for (unsigned i = 0; i < r->r_nsegs; i++) {
		const struct blk_seg *s = &r->r_segs[i];

		if (s->buf == NULL || s->len == 0 || s->len % BLK_SECTOR ||
		    (d->bd_max_seg_len && s->len > d->bd_max_seg_len))
			return -EINVAL;
		bytes += s->len; /* at most 32 * 4 GiB: no overflow */
	}
	return in_range(d, r->r_sector, bytes / BLK_SECTOR) ? 0 : -EINVAL;
}

int blkdev_submit(struct blkdev *d, struct blk_req *r)
{
	if (d == NULL || d->bd_gone)
		return -ENODEV;
	if (r == NULL)
		return -EINVAL;
	switch (r->r_op) {
	case BLK_READ:
		break;
	case BLK_WRITE:
		if (d->bd_ro)
			return -EROFS;
		break;
	case BLK_FLUSH:
		if (r->r_nsegs != 0)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	if (r->r_op != BLK_FLUSH) {
		int e = check_rw(d, r);
		if (e)
			return e;
	}
	r->r_status = 0;
	r->r_complete = false;
	r->r_next = NULL;
	/* Nothing a flush could make more durable: done at once. */
	if (r->r_op == BLK_FLUSH && (!d->bd_flush || d->bd_ro)) {
		blkdev_complete(r, 0);
		return 0;
	}
	return d->bd_ops->submit(d, r);
}

void blkdev_complete(struct blk_req *r, int status)
{
	void (*done)(struct blk_req *) = r->r_done;

	r->r_status = status;
	if (done)
		done(r);
	spin_lock(&wait_lock);
	r->r_complete = true;
	kwake(r, KWAKE_ALL);
	spin_unlock(&wait_lock);
}

int blkdev_wait(struct blk_req *r)
{
	spin_lock(&wait_lock);
	while (!r->r_complete)
		kwait(r, &wait_lock, 0);
	spin_unlock(&wait_lock);
	return r->r_status;
}

/* Fill r with the next piece of [buf, buf + left): as many segments of at
 * most seg bytes as the driver takes. The bytes it covers. */
static size_t fill_rw(const struct blkdev *d, struct blk_req *r, int op, uint64_t sector,
		      uint8_t *buf, size_t left)
{
	uint32_t seg = d->bd_max_seg_len ? d->bd_max_seg_len : RW_SEG_CAP;
	size_t took = 0;

	memset(r, 0, sizeof(*r));
	r->r_op = op;
	r->r_sector = sector;
	while (r->r_nsegs < d->bd_max_segs && took < left) {
		size_t n = left - took < seg ? left - took : seg;

		r->r_segs[r->r_nsegs].buf = buf + took;
		r->r_segs[r->r_nsegs].len = (uint32_t)n;
		r->r_nsegs++;
		took += n;
	}
	return took;
}

/* The pieces of one blkdev_rw go out through `slots` requests (1, or
 * RW_DEPTH when a batch could be allocated), the oldest waited for before
 * its slot is reused. The first error wins; nothing new is sent after it. */
static int rw_pieces(struct blkdev *d, struct blk_req *slots, unsigned nslots, int op,
		     uint64_t sector, uint8_t *buf, size_t len)
{
	unsigned issued = 0, waited = 0;
	size_t off = 0;
	int err = 0;

	while (off < len && err == 0) {
		struct blk_req *r = &slots[issued % nslots];

		if (issued - waited == nslots) {
			int s = blkdev_wait(r);
			err = err ? err : s;
			waited++;
			if (err)
				break;
		}
		size_t n = fill_rw(d, r, op, sector + off / BLK_SECTOR, buf + off, len - off);
		int s = blkdev_submit(d, r);
		if (s) {
			err = s;
			break;
		}
		issued++;
		off += n;
	}
	for (; waited < issued; waited++) {
		int s = blkdev_wait(&slots[waited % nslots]);
		err = err ? err : s;
	}
	return err;
}

int blkdev_rw(struct blkdev *d, int op, uint64_t sector, void *buf, size_t len)
{
	struct blk_req one;

	if (d == NULL || d->bd_gone)
		return -ENODEV;
	if (op != BLK_READ && op != BLK_WRITE)
		return -EINVAL;
	if (op == BLK_WRITE && d->bd_ro)
		return -EROFS;
	if (buf == NULL || len == 0 || len % BLK_SECTOR || !in_range(d, sector, len / BLK_SECTOR))
		return -EINVAL;
	uint64_t per = (uint64_t)d->bd_max_segs * (d->bd_max_seg_len ? d->bd_max_seg_len : RW_SEG_CAP);
	if (len <= per)
		return rw_pieces(d, &one, 1, op, sector, buf, len);
	/* Several requests: keep a few in flight (one at a time without memory). */
	struct blk_req *batch = kmalloc(RW_DEPTH * sizeof(*batch));
	int r = batch ? rw_pieces(d, batch, RW_DEPTH, op, sector, buf, len)
		      : rw_pieces(d, &one, 1, op, sector, buf, len);
	kfree(batch);
	return r;
}

int blkdev_flush(struct blkdev *d)
{
	struct blk_req r;

	if (d == NULL || d->bd_gone)
		return -ENODEV;
	if (!d->bd_flush || d->bd_ro)
		return 0;
	memset(&r, 0, sizeof(r));
	r.r_op = BLK_FLUSH;
	int e = blkdev_submit(d, &r);
	return e ? e : blkdev_wait(&r);
}
