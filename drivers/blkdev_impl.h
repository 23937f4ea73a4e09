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

/* Linux's numbers for d: (254 << 8) | (16 * letter + partition). */
uint64_t blkdev_rdev(const struct blkdev *d);

/* An MBR's four primary entries (drivers/blkpart.c; portable, fuzzed). */
#define BLKPART_MAX 4
enum blkpart_state {
	BLKPART_EMPTY,    /* type 0 */
	BLKPART_OK,       /* a partition inside the disk */
	BLKPART_EXTENDED, /* types 0x05, 0x0f, 0x85: logical partitions, not read */
	BLKPART_GPT,      /* type 0xee: a GPT's protective entry, not read */
	BLKPART_OUTSIDE,  /* starts at 0 or past the disk's end, or is empty */
};
struct blkpart {
	uint8_t bp_state;     /* enum blkpart_state */
	uint8_t bp_type;
	bool bp_truncated;    /* ran past the disk's end: cut there (as Linux) */
	uint64_t bp_start, bp_sectors;
};
/* Read sector 0 (512 bytes, untrusted) of a disk of disk_sectors: false
 * when it holds no MBR (no 0x55aa signature, or a boot indicator other
 * than 0 and 0x80: a FAT boot sector of a disk without partitions);
 * otherwise true with the four entries in out, each checked against the
 * disk (OK entries lie inside it). */
bool blkpart_parse_mbr(const uint8_t *sec, uint64_t disk_sectors, struct blkpart out[BLKPART_MAX]);

#endif
