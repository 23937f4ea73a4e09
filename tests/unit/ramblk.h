/* SPDX-License-Identifier: MIT */
/*
 * A RAM block device for host tests of file systems and the block cache: a
 * provider of k/blkdev_driver.h over the caller's memory, registered like a
 * real disk (vda, vdb, ...), completing every request synchronously inside
 * blkdev_submit (r_done runs before blkdev_submit returns).
 *
 * A power cut: ramblk_fail_after(d, n) lets n more write requests through;
 * the one after fails with -EIO without touching memory, and so does every
 * request (read, write, flush) after it, until ramblk_fail_after(d, -1)
 * brings the power back. Counters and an optional trace of every request let
 * a test check what reached the "disk" and in which order.
 *
 * Link tests/unit/ramblk.c with drivers/blkdev.c (and tests/unit/host_stubs.c).
 * ramblk.c carries weak fallbacks for the kernel services blkdev.c calls
 * (kwait, kwake, kmalloc/kzalloc/kfree on malloc, blkdev_file_add): a test
 * that defines its own, or links drivers/blkdev_file.c, overrides them.
 */
#ifndef RAMBLK_H
#define RAMBLK_H

#include <stdbool.h>
#include <stdint.h>

#include <k/blkdev_driver.h>

struct ramblk_stats {
	uint64_t reads, writes, flushes;        /* requests that succeeded */
	uint64_t sectors_read, sectors_written;
	uint64_t failed;                        /* requests refused after the cut */
};

/* Called for every request the device is given, before it is carried out
 * (failed: the power is off and it will get -EIO). */
typedef void (*ramblk_trace_fn)(void *arg, const struct blk_req *r, bool failed);

/* A device over mem (sectors * 512 bytes, kept by the caller), read-only if
 * ro; registered with blkdev_register. No write cache (bd_flush false), 32
 * segments of any size. NULL when out of memory or registration failed. */
struct blkdev *ramblk_create(void *mem, uint64_t sectors, bool ro);
/* Unregister and free d (not its memory). */
void ramblk_destroy(struct blkdev *d);

/* Let `writes` more write requests succeed, then cut the power; -1: never
 * (power back on, counters kept). */
void ramblk_fail_after(struct blkdev *d, long writes);
bool ramblk_power_cut(const struct blkdev *d);
const struct ramblk_stats *ramblk_stats(const struct blkdev *d);
void ramblk_reset_stats(struct blkdev *d);

/* Driver limits, to exercise splitting: segments per request
 * (1..BLK_MAX_SEGS) and bytes per segment (a multiple of 512; 0: any). */
void ramblk_set_limits(struct blkdev *d, unsigned max_segs, uint32_t max_seg_len);
/* Claim a volatile write cache (bd_flush), so file systems send flushes;
 * the memory is still written at once. */
void ramblk_set_flush(struct blkdev *d, bool flush);
void ramblk_set_trace(struct blkdev *d, ramblk_trace_fn fn, void *arg);

#endif
