/* SPDX-License-Identifier: MIT */
/* drivers/blkdev_mbr.c: MBR tables as fdisk and QEMU's vvfat write them are
 * read; FAT boot sectors, GPT, bad status bytes, entries past the disk and
 * overlapping entries are refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <k/errno.h>
#include "../../drivers/blkdev_impl.h"

static uint8_t s[512];

static void entry(int i, uint8_t status, uint8_t type, uint32_t start, uint32_t count)
{
	uint8_t *e = s + 446 + 16 * i;
	e[0] = status;
	e[4] = type;
	for (int k = 0; k < 4; k++) {
		e[8 + k] = (uint8_t)(start >> (8 * k));
		e[12 + k] = (uint8_t)(count >> (8 * k));
	}
}

static int setup(void **state)
{
	memset(s, 0, sizeof(s));
	s[510] = 0x55;
	s[511] = 0xaa;
	s[0] = 0xfa; /* boot code, not a jump */
	return 0;
}

static void vvfat_like(void **state)
{
	struct blk_part p[4];
	entry(0, 0x80, 0x06, 63, 1032129);
	assert_int_equal(blkdev_mbr_parse(s, 1032192, p), 1);
	assert_int_equal(p[0].start, 63);
	assert_int_equal(p[0].count, 1032129);
	assert_int_equal(p[0].type, 6);
}

static void four_and_gaps(void **state)
{
	struct blk_part p[4];
	entry(0, 0, 0x0c, 2048, 1000);
	entry(2, 0, 0x83, 4096, 1000);
	entry(3, 0, 0x0b, 8192, 8192);
	assert_int_equal(blkdev_mbr_parse(s, 16384, p), 3);
	assert_int_equal(p[1].start, 4096);
	assert_int_equal(p[2].count, 8192);
}

static void refused(void **state)
{
	struct blk_part p[4];
	s[510] = 0;
	assert_int_equal(blkdev_mbr_parse(s, 100000, p), -EINVAL); /* no signature */
	setup(state);
	entry(0, 0x81, 0x06, 63, 100);
	assert_int_equal(blkdev_mbr_parse(s, 100000, p), -EINVAL); /* status */
	setup(state);
	entry(0, 0, 0x06, 63, 100000);
	assert_int_equal(blkdev_mbr_parse(s, 100000, p), -EINVAL); /* past the end */
	setup(state);
	entry(0, 0, 0x06, 0xffffffff, 0xffffffff);
	assert_int_equal(blkdev_mbr_parse(s, 100000, p), -EINVAL); /* wraps */
	setup(state);
	entry(0, 0, 0x06, 0, 10);
	assert_int_equal(blkdev_mbr_parse(s, 100000, p), -EINVAL); /* over the MBR itself */
	setup(state);
	entry(0, 0, 0x06, 100, 100);
	entry(1, 0, 0x06, 150, 100);
	assert_int_equal(blkdev_mbr_parse(s, 100000, p), -EINVAL); /* overlap */
	setup(state);
	entry(0, 0, 0xee, 1, 99999);
	assert_int_equal(blkdev_mbr_parse(s, 100000, p), -EINVAL); /* GPT */
}

static void fat_boot_sector_is_not_an_mbr(void **state)
{
	struct blk_part p[4];
	s[0] = 0xeb;
	s[11] = 0x00;
	s[12] = 0x02; /* 512 bytes per sector */
	entry(0, 0, 0x06, 63, 100);
	assert_int_equal(blkdev_mbr_parse(s, 100000, p), -EINVAL);
}

static void empty_table(void **state)
{
	struct blk_part p[4];
	assert_int_equal(blkdev_mbr_parse(s, 100000, p), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(vvfat_like, setup),
		cmocka_unit_test_setup(four_and_gaps, setup),
		cmocka_unit_test_setup(refused, setup),
		cmocka_unit_test_setup(fat_boot_sector_is_not_an_mbr, setup),
		cmocka_unit_test_setup(empty_table, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
