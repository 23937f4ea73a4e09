/* SPDX-License-Identifier: MIT */
/*
 * Block devices as file systems see them: a capacity in 512-byte sectors,
 * read, write and flush requests, a read-only flag. A file system never sees
 * the driver behind it (virtio-blk, a RAM disk in the host tests). Provider
 * side: k/blkdev_driver.h.
 *
 * A request names contiguous sectors and up to BLK_MAX_SEGS kernel buffers
 * (identity-mapped memory: heap or pmm pages, never a kernel stack, each a
 * multiple of 512 bytes) that together cover them. blkdev_submit queues it
 * and returns at once; `done` runs once, in interrupt context or from the
 * submitting thread (a flush with nothing to flush), with r_status set.
 * blkdev_rw and blkdev_flush submit requests and block the calling thread
 * until they complete (no polling: the device interrupt wakes it); they work
 * from threads and from the boot context (the init hooks). Many requests may
 * be in flight; the driver queues what does not fit in the device's ring.
 *
 * Ownership: the request (not only its buffers) belongs to the block layer
 * from a successful blkdev_submit until r_complete is set. Completion runs
 * r_done first, then sets r_complete and wakes blkdev_wait, and touches r no
 * more: so r_done must not free or reuse r; the owner may once blkdev_wait
 * returned (or it saw r_complete). The request itself may live anywhere
 * (also a kernel stack); only the segment buffers are seen by the device.
 *
 * Errors: -EROFS (write to a read-only device), -EINVAL (beyond capacity,
 * misaligned or empty), -EIO (the device failed it, or its reply was
 * malformed), -ENODEV (the device is gone or broken). A flush on a device
 * without a write cache (no VIRTIO_BLK_F_FLUSH) completes at once with 0:
 * its writes are durable when they complete.
 */
#ifndef K_BLKDEV_H
#define K_BLKDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BLKDEV_MAX 16 /* disks and their partitions */
#define BLK_SECTOR 512u
#define BLK_MAX_SEGS 32

enum blk_op { BLK_READ, BLK_WRITE, BLK_FLUSH };

struct blkdev;

struct blk_seg {
	void *buf;
	uint32_t len; /* a multiple of BLK_SECTOR */
};

struct blk_req {
	/* Set by the submitter. */
	int r_op;             /* enum blk_op */
	uint64_t r_sector;    /* first sector (ignored for BLK_FLUSH) */
	unsigned r_nsegs;     /* 0 for BLK_FLUSH */
	struct blk_seg r_segs[BLK_MAX_SEGS];
	void (*r_done)(struct blk_req *r); /* interrupt context; may be NULL */
	void *r_priv;
	/* Set by the block layer. */
	int r_status;         /* 0 or -EXXX, valid when r_done runs */
	volatile bool r_complete;
	struct blk_req *r_next; /* private to the driver while in flight */
};

int blkdev_count(void);
/* The index-th device in attach order, or NULL. */
struct blkdev *blkdev_get(int index);
/* By name ("vda", "vdb", ... in attach order), or NULL. */
struct blkdev *blkdev_find(const char *name);
const char *blkdev_name(const struct blkdev *d);
uint64_t blkdev_sectors(const struct blkdev *d);
bool blkdev_read_only(const struct blkdev *d);
/* The device has a volatile write cache: only a flush makes writes durable. */
bool blkdev_has_flush(const struct blkdev *d);

/* Queue r (see above): 0 when queued (done will run), or an error, in
 * which case done does not run. Every field is checked before the driver
 * sees the request: op, r_nsegs (0 for a flush, 1..the driver's limit
 * otherwise), each segment (non-NULL, a non-zero multiple of 512 bytes
 * within the driver's segment size), the range (inside the capacity, no
 * overflow). Any thread; not from interrupt context. */
int blkdev_submit(struct blkdev *d, struct blk_req *r);
/* Read or write len bytes (a non-zero multiple of 512) at sector: 0 or
 * -EXXX. Blocks the calling thread; buf as for a segment, any length (split
 * into requests within the driver's limits, a few in flight at once). The
 * whole range is checked first: an error there moves no byte; a device error
 * part way leaves the rest of buf undefined (reads) or unwritten (writes). */
int blkdev_rw(struct blkdev *d, int op, uint64_t sector, void *buf, size_t len);
/* Partitions (drivers/blkdev_part.c): if d's first sector is an MBR (and not
 * a FAT boot sector), register each of its partitions as a device of its own
 * (vda1..vda4: requests shifted by the partition's start, bounded by its
 * length). The number registered, 0 when d has no partition table, or
 * -EIO. Boot context (the files component's mount step). */
int blkdev_scan_partitions(struct blkdev *d);

/* Make every write that completed before the call durable: 0 or -EXXX.
 * At once 0 on a device without a write cache or a read-only one. */
int blkdev_flush(struct blkdev *d);
/* Block until r completes; its status. */
int blkdev_wait(struct blk_req *r);

#endif
