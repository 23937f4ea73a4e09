/* SPDX-License-Identifier: MIT */
/*
 * The FAT file system (fs/fat*.c): FAT12, FAT16 and FAT32 with long names,
 * read and write, under the VFS (k/vfs.h) and the block cache (k/bcache.h).
 *
 * mount reads the boot sector of a block device: -EINVAL (with one console
 * line naming the bad field) when it holds no valid FAT volume. A read-only
 * device makes a read-only mount (m->m_ro is set). A read-write mount sets
 * the volume's dirty bit at once; unmount writes everything back and clears
 * it. After unmount no op may be called on the mount's vnodes but the last
 * vfs_vput. Details, limits and the write order: docs/files.md.
 */
#ifndef K_FAT_H
#define K_FAT_H

#include <k/vfs.h>

extern const struct fs_ops fat_fs_ops;

#endif
