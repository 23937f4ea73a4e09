/* SPDX-License-Identifier: MIT */
/* Shared by the FAT fuzz harnesses (tests/fuzz/fat_fuzz_common.c). */
#ifndef FAT_FUZZ_COMMON_H
#define FAT_FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <k/vfs.h>

#include "../unit/fs_host.h"

/* The RAM disk an input describes: bytes 0-3 the size in KiB (clamped to
 * 64 KiB..64 MiB), byte 4 flags (not used here), then chunks of a 4-byte
 * offset, a 2-byte length and the bytes. NULL when out of memory. */
struct fs_ramdisk *fz_image(const uint8_t *data, size_t size);

/* Names from readdir (copies), at most FZ_NAMES; readdir stops (the fill
 * returns 1) once n reaches stop_after. */
#define FZ_NAMES 64
struct fz_names {
	size_t n, stop_after;
	char *name[FZ_NAMES];
	size_t len[FZ_NAMES];
};
int fz_collect(void *ctx, const char *name, size_t len, uint64_t ino, unsigned type,
	       uint64_t next);
void fz_names_free(struct fz_names *n);

#endif
