/* SPDX-License-Identifier: MIT */
/*
 * The block cache between file systems and block devices (fs/bcache.c).
 *
 * A cache serves one device in blocks of bc_bsize bytes (a power of two,
 * 512..4096; block b covers sectors [b * bsize / 512, ...)); the last block
 * of a device whose size is not a multiple of bsize is short: the bytes past
 * the device's end read as zeros and are never written.
 *
 * Bounded: all caches together hold at most bcache_limit() blocks (a share of
 * the memory there was at boot); a block is pinned while someone holds it
 * (bcache_get .. bcache_put) and is never evicted then. Write-back: a dirty
 * block goes to the device when it is evicted, on bcache_sync, or never if
 * the VM dies first.
 *
 * Write order (what keeps a power cut from cross-linking files): every dirty
 * block carries a class; bcache_sync writes all BC_DATA blocks, then BC_FAT,
 * then BC_DIR, then BC_META, with a device flush between classes when the
 * device has a write cache, and a last flush. Eviction keeps the order: a
 * dirty block of a later class is written only after every dirty block of an
 * earlier class (in practice a full bcache_sync), while BC_DATA blocks are
 * written on their own. A block dirtied again with an earlier class keeps the
 * earlier one.
 *
 * A file system chooses bsize so that no block holds bytes of two classes
 * (FAT: the largest power of two <= 4096 that divides the byte offsets of
 * the FAT, root directory and data regions and the cluster size), else a
 * block dirtied as FAT and as directory goes out with the FAT.
 *
 * Locking: the cache has its own lock; blocks themselves are protected by
 * the caller (the VFS lock). Calls may block the calling thread on I/O; not
 * from interrupt context.
 */
#ifndef K_BCACHE_H
#define K_BCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct blkdev;
struct bcache;

enum bc_class { BC_DATA, BC_FAT, BC_DIR, BC_META, BC_NCLASS };

/* bcache_get flags */
#define BC_NOREAD 1u /* the caller overwrites the whole block: do not read it */

struct buf {
	uint64_t b_blkno;  /* block number (read only) */
	uint8_t *b_data;   /* bc_bsize bytes */
	uint32_t b_valid;  /* bytes of b_data inside the device (< bsize at the end) */
};

/* A cache for d in blocks of bsize bytes: NULL when out of memory or bsize is
 * not a power of two in 512..4096. */
struct bcache *bcache_create(struct blkdev *d, uint32_t bsize);
/* Write back (bcache_sync) and free every block; the cache is gone. */
int bcache_destroy(struct bcache *c);
uint32_t bcache_bsize(const struct bcache *c);
/* Blocks in the device (the last one possibly short). */
uint64_t bcache_nblocks(const struct bcache *c);

/* Block blkno, pinned and holding the device's bytes (unless BC_NOREAD: then
 * its contents are undefined until the caller fills it): 0 with *out set, or
 * -EIO, -EINVAL (beyond the device), -ENOMEM (every cached block is pinned
 * and the limit is reached). */
int bcache_get(struct bcache *c, uint64_t blkno, unsigned flags, struct buf **out);
/* The caller changed b: it must reach the device in class cls's turn. */
void bcache_dirty(struct bcache *c, struct buf *b, enum bc_class cls);
/* Unpin. */
void bcache_put(struct bcache *c, struct buf *b);
/* Start reading up to n blocks from blkno that are not cached yet, without
 * waiting (sequential reads); skipped when memory is short. */
void bcache_readahead(struct bcache *c, uint64_t blkno, unsigned n);
/* Write every dirty block in class order, then flush the device: 0, or the
 * first error (the blocks that failed stay dirty). */
int bcache_sync(struct bcache *c);
/* Has the cache dirty blocks? */
bool bcache_dirty_any(const struct bcache *c);

/* The limit on cached blocks of all caches, and how many are cached now. */
size_t bcache_limit(void);
size_t bcache_cached(void);
/* Dirty blocks of all caches now. */
size_t bcache_dirty_blocks(void);
/* Set the limit (host tests; the kernel sets it from free memory at the
 * first bcache_create). */
void bcache_set_limit(size_t blocks);

#endif
