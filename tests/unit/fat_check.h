/* SPDX-License-Identifier: MIT */
/*
 * A small consistency check of a FAT image in memory (tests/unit/fat_check.c)
 * for the FAT fuzz harnesses and tests: its own reading of the boot sector,
 * directory tree and chains (only the long-name assembly is fs/fat_name.c's).
 * Checks: chains in range, no cluster in two chains or twice in one, each
 * file's chain exactly as long as its size needs, "." and ".." right, no
 * name twice in a directory (short, or long ignoring ASCII case), long-name
 * slots that belong to their entry, every FAT copy equal, no lost clusters,
 * FSInfo's free count true, the dirty bit clear.
 */
#ifndef FAT_CHECK_H
#define FAT_CHECK_H

#include <stddef.h>
#include <stdint.h>

#define FC_ALLOW_LOST  1u /* lost clusters and a stale FSInfo are no error */
#define FC_ALLOW_DIRTY 2u /* the dirty bit may be set (mounted) */

/* NULL if the image is consistent, else what is wrong (a static string). */
const char *fat_check(const uint8_t *img, size_t len, unsigned flags);

#endif
