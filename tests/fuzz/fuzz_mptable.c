// sources: drivers/mptable.c tests/unit/host_stubs.c
/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for drivers/mptable.c: the input becomes a fake low memory
 * (BDA, the KiB below 640 KiB, the BIOS area, 64 KiB of tables at 1 MiB); then
 * mptable_find and mptable_parse run over it. Each map call returns an
 * exact-size heap copy, so ASan reports any read past what was mapped.
 */
#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <k/mptable.h>

/*
 * Byte 0 is a set of flags, byte 1 the floating pointer's feature byte 1.
 *  - raw: the rest is copied to 0xF0000 (up to 64 KiB) as is.
 *  - structured: the rest is the configuration table at 1 MiB; a floating
 *    pointer to it is written in the EBDA or the BIOS area, and the table's
 *    length and checksum are set unless told not to, so mutations reach the
 *    entry walk.
 */
#define F_RAW 0x01
#define F_EBDA 0x02          /* structured: floating pointer in the EBDA */
#define F_KEEP_LEN 0x04      /* leave the table's length as given */
#define F_KEEP_SUM 0x08      /* leave the table's checksum as given */
#define F_EBDA_SEG 0x10      /* BDA names an EBDA at 0x9F000 (else 0) */

#define EBDA_LOW 0x9f000u
#define LOW_END 0xa0000u
#define BIOS_BASE 0xf0000u
#define TABLE_BASE 0x100000u
#define AREA 0x10000u
#define MAX_COPIES 4096

static uint8_t bda[0x1000];
static uint8_t low[LOW_END - EBDA_LOW];
static uint8_t bios[AREA];
static uint8_t table[AREA];

static void *copies[MAX_COPIES];
static unsigned ncopies;

static const uint8_t *region(uint64_t phys, size_t len)
{
	static const struct { uint64_t base; size_t size; const uint8_t *p; } r[] = {
		{ 0, sizeof(bda), bda },
		{ EBDA_LOW, sizeof(low), low },
		{ BIOS_BASE, sizeof(bios), bios },
		{ TABLE_BASE, sizeof(table), table },
	};

	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		if (phys >= r[i].base && phys - r[i].base < r[i].size &&
		    len <= r[i].size - (phys - r[i].base))
			return r[i].p + (phys - r[i].base);
	return NULL;
}

static const void *fake_map(void *ctx, uint64_t phys, size_t len)
{
	const uint8_t *src = region(phys, len);
	void *c;

	(void)ctx;
	if (len == 0 || !src || ncopies == MAX_COPIES)
		return NULL;
	c = malloc(len);
	if (!c)
		return NULL;
	memcpy(c, src, len);
	copies[ncopies++] = c;
	return c;
}

static void fix_sum(uint8_t *p, size_t len, size_t at)
{
	uint8_t s = 0;

	p[at] = 0;
	for (size_t i = 0; i < len; i++)
		s += p[i];
	p[at] = (uint8_t)-s;
}

static void put_fps(uint8_t *p, uint32_t to, uint8_t feature1)
{
	memset(p, 0, 16);
	memcpy(p, "_MP_", 4);
	for (int i = 0; i < 4; i++)
		p[4 + i] = (uint8_t)(to >> (8 * i));
	p[8] = 1;
	p[9] = 4;
	p[11] = feature1;
	fix_sum(p, 16, 10);
}

static void structured(uint8_t flags, uint8_t feature1, const uint8_t *d, size_t n)
{
	size_t len = n < AREA ? n : AREA;

	memcpy(table, d, len);
	if (len >= 44) {
		if (!(flags & F_KEEP_LEN)) {
			table[4] = (uint8_t)len;
			table[5] = (uint8_t)(len >> 8);
		}
		if (!(flags & F_KEEP_SUM)) {
			size_t base = (size_t)(table[4] | table[5] << 8);
			if (base >= 8 && base <= len)
				fix_sum(table, base, 7);
		}
	}
	if (flags & F_EBDA)
		put_fps(low + (LOW_END - 1024 - EBDA_LOW) + 0x80, TABLE_BASE, feature1);
	else
		put_fps(bios + 0x1230, TABLE_BASE, feature1);
}

static void check(const struct mptable_info *mi)
{
	assert(mi->ncpus <= MPTABLE_MAX_CPUS);
	assert(mi->nioapics <= MPTABLE_MAX_IOAPICS);
	assert(mi->bad_entries <= (mi->count_from_length ? 1 : mi->nentries));
	assert(mi->unknown_type >= -1 && mi->unknown_type <= 255);
	for (unsigned i = 0; i < mi->ncpus; i++)
		assert((mi->cpus[i].flags & ~(MPTABLE_CPU_ENABLED | MPTABLE_CPU_BSP)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mptable_info mi;
	uint64_t fps = 0;
	uint8_t flags, feature1;

	if (size < 2)
		return 0;
	flags = data[0];
	feature1 = data[1];
	data += 2;
	size -= 2;
	memset(bda, 0, sizeof(bda));
	memset(low, 0, sizeof(low));
	memset(bios, 0, sizeof(bios));
	memset(table, 0, sizeof(table));
	if (flags & F_EBDA_SEG) {
		bda[0x40e] = (uint8_t)(EBDA_LOW >> 4);
		bda[0x40f] = (uint8_t)(EBDA_LOW >> 12);
	}
	if (flags & F_RAW)
		memcpy(bios, data, size < AREA ? size : AREA);
	else
		structured(flags, feature1, data, size);

	if (mptable_find(fake_map, NULL, &fps) == 0) {
		assert(region(fps, 16) != NULL);
		if (mptable_parse(&mi, fps, fake_map, NULL) == 0)
			check(&mi);
	}
	/* Also straight at the BIOS area and the table area, valid or not. */
	if (mptable_parse(&mi, BIOS_BASE, fake_map, NULL) == 0)
		check(&mi);
	if (mptable_parse(&mi, TABLE_BASE, fake_map, NULL) == 0)
		check(&mi);

	for (unsigned i = 0; i < ncopies; i++)
		free(copies[i]);
	ncopies = 0;
	return 0;
}
