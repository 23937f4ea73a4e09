/* SPDX-License-Identifier: MIT */
/*
 * MBR partitions: a disk whose first sector is a partition table (what
 * fdisk, parted and QEMU's vvfat make) gets a device per partition, vda1 to
 * vda4, whose requests are the disk's shifted by the partition's start. The
 * table is untrusted: every entry is checked against the disk before any is
 * used (drivers/blkdev_mbr.c). GPT disks
 * (a protective entry of type 0xee) are not read.
 */
#include <k/console.h>
#include <k/errno.h>
#include <k/kheap.h>
#include <k/pmm.h>
#include <k/string.h>
#include "blkdev_impl.h"

struct part {
	struct blkdev p_dev;   /* first: the device others see */
	struct blkdev *p_disk;
	uint64_t p_start;
};

/* The block layer checked r against the partition; the disk checks it again. */
static int part_submit(struct blkdev *d, struct blk_req *r)
{
	struct part *p = (struct part *)d;
	if (r->r_op != BLK_FLUSH)
		r->r_sector += p->p_start;
	return blkdev_submit(p->p_disk, r);
}

static const struct blkdev_ops part_ops = { .submit = part_submit };

int blkdev_scan_partitions(struct blkdev *d)
{
	struct blk_part parts[4];
	uint8_t *s = pmm_alloc();
	if (!s)
		return -ENOMEM;
	int r = blkdev_rw(d, BLK_READ, 0, s, BLK_SECTOR);
	int n = r ? r : blkdev_mbr_parse(s, blkdev_sectors(d), parts);
	pmm_free(s);
	if (n <= 0)
		return n == -EINVAL ? 0 : n;
	int made = 0;
	for (int i = 0; i < n; i++) {
		struct part *p = kzalloc(sizeof(*p));
		if (!p)
			break;
		p->p_disk = d;
		p->p_start = parts[i].start;
		p->p_dev.bd_ops = &part_ops;
		p->p_dev.bd_softc = p;
		p->p_dev.bd_sectors = parts[i].count;
		p->p_dev.bd_ro = d->bd_ro;
		p->p_dev.bd_flush = d->bd_flush;
		p->p_dev.bd_max_segs = d->bd_max_segs;
		p->p_dev.bd_max_seg_len = d->bd_max_seg_len;
		if (blkdev_register_part(&p->p_dev, d, i + 1)) {
			kfree(p);
			break;
		}
		kprintf("toro: %s: partition of %s, %lu sectors from %lu, type %#x\n",
			p->p_dev.bd_name, d->bd_name, parts[i].count, parts[i].start, parts[i].type);
		made++;
	}
	return made;
}
