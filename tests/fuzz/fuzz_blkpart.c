// sources: drivers/blkpart.c drivers/blkdev.c lib/fmt.c tests/unit/ramblk.c
/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for MBR partitions: drivers/blkpart.c's parser over any
 * sector 0 and disk size, then drivers/blkdev.c registering what it found on
 * a RAM disk (tests/unit/ramblk.c). Always: an entry said to be usable lies
 * inside the disk (from sector 1, at least one sector, not past the end);
 * the partitions registered are those entries, named after the disk, each
 * readable at its first and last sector and refusing the one after; nothing
 * leaks when the disk goes.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <k/errno.h>

#include "../../drivers/blkdev_impl.h"
#include "../unit/ramblk.h"

/* The kernel console and hooks, silent. */
int kprintf(const char *fmt, ...) { return 0; }
void panic(const char *fmt, ...) { abort(); }
void smp_poll(void) {}
void arch_pause(void) {}

#define DISK_SECTORS 64

static uint8_t disk[DISK_SECTORS * BLK_SECTOR];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct blkpart bp[BLKPART_MAX];
	uint8_t sec[BLK_SECTOR], b[BLK_SECTOR];
	uint64_t sectors = 0;

	if (size < BLK_SECTOR + 1)
		return 0;
	memcpy(sec, data, BLK_SECTOR);
	for (size_t i = BLK_SECTOR; i < size && i < BLK_SECTOR + 8; i++)
		sectors = sectors << 8 | data[i];
	/* The parser on any size; the device on one that fits in memory. */
	bool any = blkpart_parse_mbr(sec, sectors ? sectors : 1, bp);
	for (int i = 0; any && i < BLKPART_MAX; i++) {
		if (bp[i].bp_state > BLKPART_OUTSIDE || bp[i].bp_type != sec[446 + 16 * i + 4])
			abort();
		if (bp[i].bp_state == BLKPART_OK &&
		    (bp[i].bp_start == 0 || bp[i].bp_sectors == 0 || bp[i].bp_start >= sectors ||
		     bp[i].bp_sectors > sectors - bp[i].bp_start))
			abort();
	}
	sectors = 1 + sectors % DISK_SECTORS;
	memcpy(disk, sec, BLK_SECTOR);
	struct blkdev *d = ramblk_create(disk, sectors, data[size - 1] & 1);
	if (d == NULL)
		abort();
	int n = blkdev_scan_partitions(d);
	any = blkpart_parse_mbr(sec, sectors, bp);
	int want = 0;
	for (int i = 0; any && i < BLKPART_MAX; i++)
		want += bp[i].bp_state == BLKPART_OK;
	if (n != want || blkdev_partitions(d) != want || blkdev_count() != 1 + want)
		abort();
	for (int k = 1; k <= want; k++) {
		struct blkdev *p = blkdev_get(k);
		const char *name = blkdev_name(p);
		if (blkdev_parent(p) != d || strncmp(name, "vda", 3) != 0 || name[3] < '1' ||
		    name[3] > '4' || name[4] != 0 || blkdev_read_only(p) != blkdev_read_only(d))
			abort();
		const struct blkpart *e = &bp[name[3] - '1'];
		if (e->bp_state != BLKPART_OK || blkdev_sectors(p) != e->bp_sectors)
			abort();
		if (blkdev_rw(p, BLK_READ, 0, b, BLK_SECTOR) != 0 ||
		    memcmp(b, disk + e->bp_start * BLK_SECTOR, BLK_SECTOR) != 0 ||
		    blkdev_rw(p, BLK_READ, e->bp_sectors - 1, b, BLK_SECTOR) != 0 ||
		    blkdev_rw(p, BLK_READ, e->bp_sectors, b, BLK_SECTOR) != -EINVAL)
			abort();
	}
	ramblk_destroy(d);
	if (blkdev_count() != 0)
		abort();
	return 0;
}
