/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for drivers/mptable.c over a fake physical memory of 1 MiB + 64
 * KiB. Every map call returns a heap copy of exactly the bytes asked for, so
 * ASan catches a read past what the parser mapped. Addresses are test data.
 */
#include <k/mptable.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <k/errno.h>

#define MEM_SIZE 0x110000u
#define TABLE 0x100000u          /* configuration tables go here */
#define HDR 44

static uint8_t *mem;

struct fake {
	uint64_t hole_lo, hole_hi;   /* an unmapped range */
	void **copies;
	size_t ncopies, cap;
};

static struct fake fk;

static const void *fake_map(void *ctx, uint64_t phys, size_t len)
{
	struct fake *f = ctx;
	void *c;

	if (len == 0 || phys > MEM_SIZE || len > MEM_SIZE - phys)
		return NULL;
	if (phys < f->hole_hi && phys + len > f->hole_lo)
		return NULL;
	if (f->ncopies == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 64;
		f->copies = realloc(f->copies, f->cap * sizeof(void *));
		assert_non_null(f->copies);
	}
	c = malloc(len);
	assert_non_null(c);
	memcpy(c, mem + phys, len);
	f->copies[f->ncopies++] = c;
	return c;
}

static int setup(void **state)
{
	(void)state;
	mem = calloc(1, MEM_SIZE);
	memset(&fk, 0, sizeof(fk));
	return mem ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < fk.ncopies; i++)
		free(fk.copies[i]);
	free(fk.copies);
	free(mem);
	return 0;
}

/* ---- builders ---- */

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void wr32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void fix_sum(uint8_t *p, size_t len, size_t at)
{
	uint8_t s = 0;

	p[at] = 0;
	for (size_t i = 0; i < len; i++)
		s += p[i];
	p[at] = (uint8_t)-s;
}

static void put_fps(uint64_t phys, uint32_t table, uint8_t feature1)
{
	uint8_t *p = mem + phys;

	memset(p, 0, 16);
	memcpy(p, "_MP_", 4);
	wr32(p + 4, table);
	p[8] = 1;
	p[9] = 4;
	p[11] = feature1;
	fix_sum(p, 16, 10);
}

static void set_ebda(uint16_t seg)
{
	wr16(mem + 0x40e, seg);
}

/* A table under construction at TABLE: entries appended, then closed. */
struct tb {
	uint32_t len;
	uint16_t count;
};

static void tb_start(struct tb *b)
{
	memset(mem + TABLE, 0, 0x10000);
	b->len = HDR;
	b->count = 0;
}

static void tb_add(struct tb *b, const uint8_t *e, uint32_t n)
{
	memcpy(mem + TABLE + b->len, e, n);
	b->len += n;
	b->count++;
}

static void tb_cpu(struct tb *b, uint8_t id, uint8_t flags)
{
	uint8_t e[20] = { 0, id, 0x14, flags };

	tb_add(b, e, sizeof(e));
}

static void tb_8(struct tb *b, uint8_t type, uint8_t b1, uint8_t b3, uint32_t addr)
{
	uint8_t e[8] = { type, b1, 0x11, b3 };

	wr32(e + 4, addr);
	tb_add(b, e, sizeof(e));
}

/* Header with the given length and count; checksum over len. */
static void tb_close(const struct tb *b, uint16_t len, uint16_t count)
{
	uint8_t *t = mem + TABLE;

	memcpy(t, "PCMP", 4);
	wr16(t + 4, len);
	t[6] = 4;
	memcpy(t + 8, "TOROTEST", 8);
	memcpy(t + 16, "UNITTEST    ", 12);
	wr16(t + 34, count);
	wr32(t + 36, 0xfee00000u);
	fix_sum(t, len, 7);
	(void)b;
}

static void tb_done(const struct tb *b)
{
	tb_close(b, (uint16_t)b->len, b->count);
}

/* The usual table: BSP 0, CPU 1, disabled CPU 2, bus, I/O APIC, two interrupts. */
static void typical_table(void)
{
	struct tb b;

	tb_start(&b);
	tb_cpu(&b, 0, 3);
	tb_cpu(&b, 1, 1);
	tb_cpu(&b, 2, 0);
	tb_8(&b, 1, 0, 'I', 0x20415349);      /* bus 0 "ISA " */
	tb_8(&b, 2, 3, 1, 0xfec00000u);
	tb_8(&b, 3, 0, 0, 0x03000200);
	tb_8(&b, 4, 3, 0, 0x00ff0000);
	tb_done(&b);
}

/* ---- finding the floating pointer ---- */

static void test_find_in_ebda(void **state)
{
	uint64_t fps = 0;

	(void)state;
	set_ebda(0x9000);                     /* EBDA at 0x90000 */
	put_fps(0x90000 + 0x3f0, TABLE, 0);
	put_fps(0xf0000 + 0x100, TABLE, 0);   /* EBDA is searched first */
	assert_int_equal(mptable_find(fake_map, &fk, &fps), 0);
	assert_int_equal(fps, 0x903f0);
}

static void test_ebda_beyond_first_kib_not_seen(void **state)
{
	uint64_t fps = 0;

	(void)state;
	set_ebda(0x9000);
	put_fps(0x90400, TABLE, 0);
	assert_int_equal(mptable_find(fake_map, &fk, &fps), -ENODEV);
}

static void test_find_in_base_memory_top(void **state)
{
	uint64_t fps = 0;

	(void)state;
	set_ebda(0);
	put_fps(0x9fc00 + 0x10, TABLE, 0);
	assert_int_equal(mptable_find(fake_map, &fk, &fps), 0);
	assert_int_equal(fps, 0x9fc10);
	/* A pointer outside conventional memory counts as none. */
	set_ebda(0xa000);
	fps = 0;
	assert_int_equal(mptable_find(fake_map, &fk, &fps), 0);
	assert_int_equal(fps, 0x9fc10);
}

static void test_find_in_bios_area(void **state)
{
	uint64_t fps = 0;

	(void)state;
	put_fps(0xffff0, TABLE, 0);           /* the last slot */
	assert_int_equal(mptable_find(fake_map, &fk, &fps), 0);
	assert_int_equal(fps, 0xffff0);
	/* Below 0xF0000 is not searched, nor a misaligned copy. */
	memset(mem + 0xffff0, 0, 16);
	put_fps(0xeff00, TABLE, 0);
	put_fps(0xf0008, TABLE, 0);
	assert_int_equal(mptable_find(fake_map, &fk, &fps), -ENODEV);
}

static void test_bad_checksums_skipped(void **state)
{
	uint64_t fps = 0;

	(void)state;
	set_ebda(0x9fc0);
	put_fps(0x9fc00, TABLE, 0);
	mem[0x9fc00 + 12] ^= 1;               /* bad sum in the EBDA */
	put_fps(0xf0000, TABLE, 0);
	mem[0xf0000 + 4] ^= 1;                /* bad sum first in the BIOS area */
	put_fps(0xf1000, TABLE, 0);
	mem[0xf1000 + 8] = 0;                 /* zero length */
	fix_sum(mem + 0xf1000, 16, 10);
	put_fps(0xf2000, TABLE, 0);
	mem[0xf2000 + 8] = 2;                 /* claims 32 bytes: sum over 32 is off */
	mem[0xf2000 + 20] = 1;
	put_fps(0xfe000, TABLE, 0);
	assert_int_equal(mptable_find(fake_map, &fk, &fps), 0);
	assert_int_equal(fps, 0xfe000);
}

static void test_longer_fps_checksummed_whole(void **state)
{
	uint64_t fps = 0;

	(void)state;
	put_fps(0xf0000, TABLE, 0);
	mem[0xf0000 + 8] = 2;
	mem[0xf0000 + 20] = 0x55;
	fix_sum(mem + 0xf0000, 32, 10);
	assert_int_equal(mptable_find(fake_map, &fk, &fps), 0);
	assert_int_equal(fps, 0xf0000);
}

static void test_unmapped_page_skipped(void **state)
{
	uint64_t fps = 0;

	(void)state;
	fk.hole_lo = 0x0;                     /* BDA unreadable: use 0x9FC00 */
	fk.hole_hi = 0x1000;
	put_fps(0x9fc40, TABLE, 0);
	assert_int_equal(mptable_find(fake_map, &fk, &fps), 0);
	assert_int_equal(fps, 0x9fc40);
	memset(mem + 0x9fc40, 0, 16);
	fk.hole_lo = 0xf0000;
	fk.hole_hi = 0xf1000;
	put_fps(0xf0800, TABLE, 0);
	put_fps(0xf1800, TABLE, 0);
	assert_int_equal(mptable_find(fake_map, &fk, &fps), 0);
	assert_int_equal(fps, 0xf1800);
}

/* ---- parsing ---- */

static void test_typical(void **state)
{
	struct mptable_info mi;

	(void)state;
	typical_table();
	put_fps(0xf0000, TABLE, 0);
	assert_int_equal(mptable_parse(&mi, 0xf0000, fake_map, &fk), 0);
	assert_int_equal(mi.spec_rev, 4);
	assert_int_equal(mi.default_config, 0);
	assert_int_equal(mi.table_phys, TABLE);
	assert_int_equal(mi.lapic_phys, 0xfee00000u);
	assert_int_equal(mi.nentries, 7);
	assert_int_equal(mi.ncpus, 3);
	assert_int_equal(mi.cpus[0].apic_id, 0);
	assert_int_equal(mi.cpus[0].flags, MPTABLE_CPU_ENABLED | MPTABLE_CPU_BSP);
	assert_int_equal(mi.cpus[1].apic_id, 1);
	assert_int_equal(mi.cpus[1].flags, MPTABLE_CPU_ENABLED);
	assert_int_equal(mi.cpus[2].apic_id, 2);
	assert_int_equal(mi.cpus[2].flags, 0);
	assert_int_equal(mi.nioapics, 1);
	assert_int_equal(mi.ioapics[0].id, 3);
	assert_int_equal(mi.ioapics[0].flags, MPTABLE_IOAPIC_ENABLED);
	assert_int_equal(mi.ioapics[0].address, 0xfec00000u);
	assert_int_equal(mi.bad_entries, 0);
	assert_int_equal(mi.unknown_type, -1);
}

static void test_bsp_not_first(void **state)
{
	struct mptable_info mi;
	struct tb b;

	(void)state;
	tb_start(&b);
	tb_cpu(&b, 4, 1);
	tb_cpu(&b, 6, 3 | 0xfc);              /* reserved flag bits dropped */
	tb_cpu(&b, 8, 2);                     /* BSP flag without enabled: kept as is */
	tb_done(&b);
	put_fps(0xf0000, TABLE, 0);
	assert_int_equal(mptable_parse(&mi, 0xf0000, fake_map, &fk), 0);
	assert_int_equal(mi.ncpus, 3);
	assert_int_equal(mi.cpus[0].flags, MPTABLE_CPU_ENABLED);
	assert_int_equal(mi.cpus[1].apic_id, 6);
	assert_int_equal(mi.cpus[1].flags, MPTABLE_CPU_ENABLED | MPTABLE_CPU_BSP);
	assert_int_equal(mi.cpus[2].flags, MPTABLE_CPU_BSP);
}

static void test_default_configs(void **state)
{
	struct mptable_info mi;

	(void)state;
	for (uint8_t cfg = 1; cfg <= 7; cfg++) {
		put_fps(0xf0000, 0, cfg);
		assert_int_equal(mptable_parse(&mi, 0xf0000, fake_map, &fk), 0);
		assert_int_equal(mi.default_config, cfg);
		assert_int_equal(mi.table_phys, 0);
		assert_int_equal(mi.ncpus, 2);
		assert_int_equal(mi.cpus[0].apic_id, 0);
		assert_int_equal(mi.cpus[0].flags, MPTABLE_CPU_ENABLED | MPTABLE_CPU_BSP);
		assert_int_equal(mi.cpus[1].apic_id, 1);
		assert_int_equal(mi.cpus[1].flags, MPTABLE_CPU_ENABLED);
		assert_int_equal(mi.lapic_phys, 0xfee00000u);
	}
	/* A default configuration ignores the table pointer. */
	typical_table();
	put_fps(0xf0000, TABLE, 2);
	assert_int_equal(mptable_parse(&mi, 0xf0000, fake_map, &fk), 0);
	assert_int_equal(mi.ncpus, 2);
	/* Types past 7 are not defined. */
	put_fps(0xf0000, 0, 8);
	assert_int_equal(mptable_parse(&mi, 0xf0000, fake_map, &fk), -EINVAL);
	assert_int_equal(mi.ncpus, 0);
}

static void test_parse_errors(void **state)
{
	struct mptable_info mi;

	(void)state;
	assert_int_equal(mptable_parse(&mi, 0, fake_map, &fk), -ENODEV);
	assert_int_equal(mptable_parse(&mi, 0xf0000, fake_map, &fk), -EINVAL);
	assert_int_equal(mptable_parse(&mi, MEM_SIZE - 8, fake_map, &fk), -EFAULT);
	/* No table pointer and no default configuration. */
	put_fps(0xf0000, 0, 0);
	assert_int_equal(mptable_parse(&mi, 0xf0000, fake_map, &fk), -EINVAL);
	/* Table pointer into nothing. */
	put_fps(0xf0000, 0xfffffff0u, 0);
	assert_int_equal(mptable_parse(&mi, 0xf0000, fake_map, &fk), -EFAULT);
	/* Bad signature, bad checksum, length under the header, length off the end. */
	typical_table();
	put_fps(0xf0000, TABLE, 0);
	mem[TABLE] = 'X';
	assert_int_equal(mptable_parse(&mi, 0xf0000, fake_map, &fk), -EINVAL);
	typical_table();
	mem[TABLE + HDR + 1] ^= 0x40;
	assert_int_equal(mptable_parse(&mi, 0xf0000, fake_map, &fk), -EINVAL);
	assert_int_equal(mi.ncpus, 0);
	typical_table();
	wr16(mem + TABLE + 4, HDR - 1);
	fix_sum(mem + TABLE, HDR - 1, 7);
	assert_int_equal(mptable_parse(&mi, 0xf0000, fake_map, &fk), -EINVAL);
	put_fps(0xf0000, MEM_SIZE - HDR, 0);
	memcpy(mem + MEM_SIZE - HDR, mem + TABLE, HDR);
	wr16(mem + MEM_SIZE - HDR + 4, HDR + 1);
	assert_int_equal(mptable_parse(&mi, 0xf0000, fake_map, &fk), -EFAULT);
}

static void test_count_past_length(void **state)
{
	struct mptable_info mi;
	struct tb b;

	(void)state;
	tb_start(&b);
	tb_cpu(&b, 0, 3);
	tb_cpu(&b, 1, 1);
	tb_cpu(&b, 2, 1);                     /* in memory, outside the length */
	tb_close(&b, HDR + 40, 500);
	put_fps(0xf0000, TABLE, 0);
	assert_int_equal(mptable_parse(&mi, 0xf0000, fake_map, &fk), 0);
	assert_int_equal(mi.nentries, 500);
	assert_int_equal(mi.ncpus, 2);
	assert_int_equal(mi.bad_entries, 498);
	assert_int_equal(mi.unknown_type, -1);
	/* Fewer entries than the length holds: only the count is read. */
	tb_close(&b, (uint16_t)b.len, 1);
	assert_int_equal(mptable_parse(&mi, 0xf0000, fake_map, &fk), 0);
	assert_int_equal(mi.ncpus, 1);
	assert_int_equal(mi.bad_entries, 0);
}

/* qboot's tables: entries present, entry count 0. */
static void test_count_zero_walks_length(void **state)
{
	struct mptable_info mi;
	struct tb b;
	uint8_t odd[8] = { 9 };

	(void)state;
	tb_start(&b);
	tb_cpu(&b, 0, 3);
	tb_cpu(&b, 1, 1);
	tb_8(&b, 1, 0, 'I', 0x20415349);
	tb_8(&b, 2, 0, 1, 0xfec00000u);
	tb_8(&b, 3, 0, 0, 0);
	tb_close(&b, (uint16_t)b.len, 0);
	put_fps(0x9fc00, TABLE, 0);
	assert_int_equal(mptable_parse(&mi, 0x9fc00, fake_map, &fk), 0);
	assert_true(mi.count_from_length);
	assert_int_equal(mi.nentries, 0);
	assert_int_equal(mi.ncpus, 2);
	assert_int_equal(mi.cpus[1].apic_id, 1);
	assert_int_equal(mi.nioapics, 1);
	assert_int_equal(mi.bad_entries, 0);
	/* The length ends inside the last entry. */
	tb_close(&b, (uint16_t)(b.len - 3), 0);
	assert_int_equal(mptable_parse(&mi, 0x9fc00, fake_map, &fk), 0);
	assert_int_equal(mi.ncpus, 2);
	assert_int_equal(mi.bad_entries, 1);
	/* An unknown type still ends the walk. */
	tb_add(&b, odd, sizeof(odd));
	tb_cpu(&b, 2, 1);
	tb_close(&b, (uint16_t)b.len, 0);
	assert_int_equal(mptable_parse(&mi, 0x9fc00, fake_map, &fk), 0);
	assert_int_equal(mi.ncpus, 2);
	assert_int_equal(mi.unknown_type, 9);
	assert_int_equal(mi.bad_entries, 1);
	/* A header alone: nothing to walk. */
	tb_start(&b);
	tb_close(&b, HDR, 0);
	assert_int_equal(mptable_parse(&mi, 0x9fc00, fake_map, &fk), 0);
	assert_int_equal(mi.ncpus, 0);
	assert_int_equal(mi.bad_entries, 0);
}

static void test_truncated_entry(void **state)
{
	struct mptable_info mi;
	struct tb b;

	(void)state;
	tb_start(&b);
	tb_cpu(&b, 0, 3);
	tb_8(&b, 2, 1, 1, 0xfec00000u);
	tb_cpu(&b, 1, 1);
	/* The length ends 4 bytes into the last processor entry. */
	tb_close(&b, HDR + 20 + 8 + 4, 3);
	put_fps(0xf0000, TABLE, 0);
	assert_int_equal(mptable_parse(&mi, 0xf0000, fake_map, &fk), 0);
	assert_int_equal(mi.ncpus, 1);
	assert_int_equal(mi.nioapics, 1);
	assert_int_equal(mi.bad_entries, 1);
	/* An 8-byte entry cut after its type byte. */
	tb_start(&b);
	tb_cpu(&b, 0, 3);
	tb_8(&b, 4, 0, 0, 0);
	tb_close(&b, HDR + 20 + 1, 2);
	assert_int_equal(mptable_parse(&mi, 0xf0000, fake_map, &fk), 0);
	assert_int_equal(mi.ncpus, 1);
	assert_int_equal(mi.bad_entries, 1);
}

static void test_unknown_type_stops(void **state)
{
	struct mptable_info mi;
	struct tb b;
	uint8_t odd[8] = { 0x80, 8 };

	(void)state;
	tb_start(&b);
	tb_cpu(&b, 0, 3);
	tb_add(&b, odd, sizeof(odd));
	tb_cpu(&b, 1, 1);
	tb_done(&b);
	put_fps(0xf0000, TABLE, 0);
	assert_int_equal(mptable_parse(&mi, 0xf0000, fake_map, &fk), 0);
	assert_int_equal(mi.ncpus, 1);
	assert_int_equal(mi.unknown_type, 0x80);
	assert_int_equal(mi.bad_entries, 2);
	/* Type 5 is not a base table entry either. */
	mem[TABLE + HDR + 20] = 5;
	tb_done(&b);
	assert_int_equal(mptable_parse(&mi, 0xf0000, fake_map, &fk), 0);
	assert_int_equal(mi.unknown_type, 5);
}

static void test_limits(void **state)
{
	struct mptable_info mi;
	struct tb b;

	(void)state;
	tb_start(&b);
	for (unsigned i = 0; i < MPTABLE_MAX_CPUS + 5; i++)
		tb_cpu(&b, (uint8_t)i, i == 0 ? 3 : 1);
	for (unsigned i = 0; i < MPTABLE_MAX_IOAPICS + 2; i++)
		tb_8(&b, 2, (uint8_t)(100 + i), 1, 0xfec00000u + 0x1000 * i);
	tb_done(&b);
	put_fps(0xf0000, TABLE, 0);
	assert_int_equal(mptable_parse(&mi, 0xf0000, fake_map, &fk), 0);
	assert_int_equal(mi.ncpus, MPTABLE_MAX_CPUS);
	assert_int_equal(mi.cpus_dropped, 5);
	assert_int_equal(mi.cpus[MPTABLE_MAX_CPUS - 1].apic_id, MPTABLE_MAX_CPUS - 1);
	assert_int_equal(mi.nioapics, MPTABLE_MAX_IOAPICS);
	assert_int_equal(mi.ioapics_dropped, 2);
	assert_int_equal(mi.bad_entries, 0);
}

/* Find, then parse: what the kernel does. */
static void test_find_then_parse(void **state)
{
	struct mptable_info mi;
	uint64_t fps = 0;

	(void)state;
	typical_table();
	set_ebda(0x9fc0);
	put_fps(0x9fd00, TABLE, 0);
	assert_int_equal(mptable_find(fake_map, &fk, &fps), 0);
	assert_int_equal(mptable_parse(&mi, fps, fake_map, &fk), 0);
	assert_int_equal(mi.ncpus, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_find_in_ebda),
		T(test_ebda_beyond_first_kib_not_seen),
		T(test_find_in_base_memory_top),
		T(test_find_in_bios_area),
		T(test_bad_checksums_skipped),
		T(test_longer_fps_checksummed_whole),
		T(test_unmapped_page_skipped),
		T(test_typical),
		T(test_bsp_not_first),
		T(test_default_configs),
		T(test_parse_errors),
		T(test_count_past_length),
		T(test_count_zero_walks_length),
		T(test_truncated_entry),
		T(test_unknown_type_stops),
		T(test_limits),
		T(test_find_then_parse),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
