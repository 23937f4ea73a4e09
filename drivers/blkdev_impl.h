/* SPDX-License-Identifier: MIT */
/*
 * Between drivers/blkdev.c (the registry and requests) and
 * drivers/blkdev_file.c (the raw device file, /dev/vda).
 */
#ifndef BLKDEV_IMPL_H
#define BLKDEV_IMPL_H

#include <k/blkdev_driver.h>

/* Linux numbers virtio-blk disks 254:0, 254:16, ... (16 minors a disk). */
#define BLKDEV_MAJOR 254
#define BLKDEV_MINORS 16

/* Add /dev/NAME for d (blkdev_register, boot context): 0 or -ENOSPC. */
int blkdev_file_add(struct blkdev *d);
/* Linux's device number of d: (254 << 8) | disk * 16 + partition. */
uint64_t blkdev_rdev(const struct blkdev *d);
/* Register partition d (its ops, sectors and limits set) of disk `disk` as
 * number partno: 0 or -ENOSPC. */
int blkdev_register_part(struct blkdev *d, const struct blkdev *disk, int partno);

/* An MBR partition table entry, checked. */
struct blk_part {
	uint64_t start, count;
	uint8_t type;
};
/* The partitions of the MBR in sector s[512] of a disk of `sectors`: how many
 * (written to out[0..3], in table order), or -EINVAL when s is not an MBR
 * (no 0x55AA signature, a bad status byte, an entry outside the disk, two
 * entries that overlap) or looks like a FAT boot sector. Portable: fuzzed. */
int blkdev_mbr_parse(const uint8_t *s, uint64_t sectors, struct blk_part out[4]);

#endif
