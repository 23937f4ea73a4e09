/* SPDX-License-Identifier: MIT */
/*
 * The MBR partition table parser (blkdev_mbr_parse, drivers/blkdev_impl.h):
 * untrusted bytes from a disk, every entry checked against the disk before
 * any is used. Portable: host-tested (test_mbr) and fuzzed (fuzz_mbr).
 */
#include <stdbool.h>
#include <k/errno.h>
#include "blkdev_impl.h"

#define MBR_SIG_OFF 510
#define MBR_TABLE_OFF 446
#define MBR_GPT_TYPE 0xee

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A FAT boot sector ends with 0x55AA too: a jump, then a sane sector size. */
static bool fat_boot_sector(const uint8_t *s)
{
	unsigned bps = s[11] | s[12] << 8;
	bool jump = s[0] == 0xeb || s[0] == 0xe9;
	return jump && bps >= 512 && bps <= 4096 && !(bps & (bps - 1));
}

int blkdev_mbr_parse(const uint8_t *s, uint64_t sectors, struct blk_part out[4])
{
	int n = 0;
	if (s[MBR_SIG_OFF] != 0x55 || s[MBR_SIG_OFF + 1] != 0xaa || fat_boot_sector(s))
		return -EINVAL;
	for (int i = 0; i < 4; i++) {
		const uint8_t *e = s + MBR_TABLE_OFF + 16 * i;
		uint64_t start = le32(e + 8), count = le32(e + 12);
		if (e[0] != 0x00 && e[0] != 0x80)
			return -EINVAL;
		if (e[4] == 0)
			continue; /* unused */
		if (e[4] == MBR_GPT_TYPE)
			return -EINVAL;
		if (start == 0 || count == 0 || start >= sectors || count > sectors - start)
			return -EINVAL;
		for (int j = 0; j < n; j++)
			if (start < out[j].start + out[j].count && out[j].start < start + count)
				return -EINVAL;
		out[n++] = (struct blk_part){ start, count, e[4] };
	}
	return n;
}

