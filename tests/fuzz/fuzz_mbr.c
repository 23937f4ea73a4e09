// sources: drivers/blkdev_mbr.c
/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for drivers/blkdev_mbr.c: the first 8 bytes are the disk's
 * size in sectors, the next 512 the sector it read (zero-padded). Always: a
 * table accepted has at most 4 entries, each non-empty, inside the disk,
 * not over sector 0, none overlapping another.
 */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "../../drivers/blkdev_impl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t s[512] = { 0 };
	uint64_t sectors = 0;
	struct blk_part p[4];
	if (size < 8)
		return 0;
	memcpy(&sectors, data, 8);
	memcpy(s, data + 8, size - 8 < 512 ? size - 8 : 512);
	int n = blkdev_mbr_parse(s, sectors, p);
	assert(n >= -22 && n <= 4);
	for (int i = 0; i < n; i++) {
		assert(p[i].count > 0 && p[i].start > 0);
		assert(p[i].start < sectors && p[i].count <= sectors - p[i].start);
		for (int j = 0; j < i; j++)
			assert(p[i].start >= p[j].start + p[j].count ||
			       p[j].start >= p[i].start + p[i].count);
	}
	return 0;
}
