/* SPDX-License-Identifier: MIT */
/*
 * The provider side of k/blkdev.h: what a block driver (virtio-blk, the host
 * tests' RAM disk) fills in and registers.
 *
 * The driver's submit takes a request already checked by the block layer
 * (op known, sectors inside the capacity, segments non-empty multiples of
 * 512 bytes, at most the driver's bd_max_segs, no write on a read-only
 * device) and either queues it and returns 0, or returns an error without
 * calling done. It calls blkdev_complete(r, status) exactly once per queued
 * request, from interrupt context or a thread.
 */
#ifndef K_BLKDEV_DRIVER_H
#define K_BLKDEV_DRIVER_H

#include <k/blkdev.h>

struct blkdev_ops {
	int (*submit)(struct blkdev *d, struct blk_req *r);
};

struct blkdev {
	/* Set by the driver before blkdev_register. */
	const struct blkdev_ops *bd_ops;
	void *bd_softc;
	uint64_t bd_sectors;
	bool bd_ro;
	bool bd_flush;          /* volatile write cache: flush needed */
	unsigned bd_max_segs;   /* segments per request (1..BLK_MAX_SEGS) */
	uint32_t bd_max_seg_len; /* bytes per segment, a multiple of 512 (0: any) */
	/* Set by blkdev_register (or blkdev_register_part). */
	char bd_name[8];        /* vda, vdb, ...; a partition: vda1, ... */
	int bd_index;           /* a disk's letter; a partition's disk's */
	int bd_partno;          /* 0 for a whole disk, 1-4 for a partition */           /* the letter: 0 for vda */
	bool bd_gone;           /* unregistered */
};

/* Give d a name (vda, vdb, ...: the first letter free), make it visible to
 * file systems and add its device file (/dev/vda, S_IFBLK, Linux's virtio-blk
 * numbers 254:16*N): 0, -EINVAL (no ops, no sectors, bd_max_segs out of
 * 1..BLK_MAX_SEGS, bd_max_seg_len not a multiple of 512), or -ENOSPC when
 * BLKDEV_MAX devices are registered already. Boot context (drivers attach
 * before the program runs) or host tests. */
int blkdev_register(struct blkdev *d);
/* Take d out of the list (host tests; hot unplug later): its name and slot
 * are free again. No request of d may be in flight; a device file already
 * added stays (it answers -ENODEV after this). */
void blkdev_unregister(struct blkdev *d);
/* The driver finished r: sets r_status and r_complete, runs r_done, wakes a
 * thread in blkdev_wait. Any context. */
void blkdev_complete(struct blk_req *r, int status);

#endif
