/* SPDX-License-Identifier: MIT */
/*
 * The MBR partition table of a disk's sector 0: four 16-byte entries at
 * byte 446 (boot indicator, CHS start, type, CHS end, LBA start, sector
 * count, little-endian) and the 0x55 0xaa signature at byte 510. The
 * signature alone does not tell an MBR from the boot sector of a FAT disk
 * without partitions (which ends the same way): a boot indicator other than
 * 0 or 0x80 says "not a partition table", the rule Linux applies too. CHS
 * fields are ignored (LBA only). Portable and pure: tests/unit/test_blkpart.c,
 * tests/fuzz/fuzz_blkpart.c.
 */
#include <k/string.h>

#include "blkdev_impl.h"

#define MBR_TABLE 446
#define MBR_ENTRY 16
#define MBR_SIG 510

static uint32_t le32_at(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void parse_entry(const uint8_t *e, uint64_t disk_sectors, struct blkpart *bp)
{
	memset(bp, 0, sizeof(*bp));
	bp->bp_type = e[4];
	bp->bp_start = le32_at(e + 8);
	bp->bp_sectors = le32_at(e + 12);
	switch (bp->bp_type) {
	case 0x00:
		bp->bp_state = BLKPART_EMPTY;
		return;
	case 0x05:
	case 0x0f:
	case 0x85:
		bp->bp_state = BLKPART_EXTENDED;
		return;
	case 0xee:
		bp->bp_state = BLKPART_GPT;
		return;
	}
	/* Sector 0 is the table itself; a partition must have a sector. */
	if (bp->bp_start == 0 || bp->bp_sectors == 0 || bp->bp_start >= disk_sectors) {
		bp->bp_state = BLKPART_OUTSIDE;
		return;
	}
	if (bp->bp_sectors > disk_sectors - bp->bp_start) {
		bp->bp_sectors = disk_sectors - bp->bp_start;
		bp->bp_truncated = true;
	}
	bp->bp_state = BLKPART_OK;
}

bool blkpart_parse_mbr(const uint8_t *sec, uint64_t disk_sectors, struct blkpart out[BLKPART_MAX])
{
	if (sec[MBR_SIG] != 0x55 || sec[MBR_SIG + 1] != 0xaa)
		return false;
	for (int i = 0; i < BLKPART_MAX; i++) {
		uint8_t boot = sec[MBR_TABLE + i * MBR_ENTRY];
		if (boot != 0x00 && boot != 0x80)
			return false;
	}
	for (int i = 0; i < BLKPART_MAX; i++)
		parse_entry(sec + MBR_TABLE + i * MBR_ENTRY, disk_sectors, &out[i]);
	return true;
}
