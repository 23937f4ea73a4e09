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

#endif
