/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for drivers/acpi.c over a fake physical memory. Every map call
 * returns a fresh heap copy of exactly the bytes asked for, so ASan catches any
 * read past what the parser mapped. Port numbers and addresses are test data,
 * not claims about any VMM.
 */
#include <k/acpi.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <k/errno.h>

#define MEM_SIZE 0x200000u       /* fake physical memory: 2 MiB */
#define HDR 36

static uint8_t *mem;

struct fake {
	uint64_t size;               /* mapped: [0, size) minus the hole */
	uint64_t hole_lo, hole_hi;
	void **copies;
	size_t ncopies, cap;
};

static struct fake fk;

static const void *fake_map(void *ctx, uint64_t phys, size_t len)
{
	struct fake *f = ctx;
	void *c;

	if (len == 0 || phys > f->size || len > f->size - phys)
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
	mem = calloc(1, MEM_SIZE);
	memset(&fk, 0, sizeof(fk));
	fk.size = MEM_SIZE;
	return mem ? 0 : -1;
}

static int teardown(void **state)
{
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

static void wr64(uint8_t *p, uint64_t v)
{
	wr32(p, (uint32_t)v);
	wr32(p + 4, (uint32_t)(v >> 32));
}

static void fix_sum(uint8_t *p, size_t len, size_t at)
{
	uint8_t s = 0;

	p[at] = 0;
	for (size_t i = 0; i < len; i++)
		s += p[i];
	p[at] = (uint8_t)-s;
}

static void put_table(uint64_t phys, const char *sig, uint8_t rev, const void *body, uint32_t blen)
{
	uint8_t *t = mem + phys;

	memset(t, 0, HDR);
	memcpy(t, sig, 4);
	wr32(t + 4, HDR + blen);
	t[8] = rev;
	memcpy(t + 10, "TOROTS", 6);
	memcpy(t + 16, "UNITTEST", 8);
	if (blen)
		memcpy(t + HDR, body, blen);
	fix_sum(t, HDR + blen, 9);
}

static void put_rsdp(uint64_t phys, uint8_t rev, uint32_t rsdt, uint64_t xsdt)
{
	uint8_t *p = mem + phys;

	memset(p, 0, 36);
	memcpy(p, "RSD PTR ", 8);
	memcpy(p + 9, "TOROTS", 6);
	p[15] = rev;
	wr32(p + 16, rsdt);
	fix_sum(p, 20, 8);
	if (rev >= 2) {
		wr32(p + 20, 36);
		wr64(p + 24, xsdt);
		fix_sum(p, 36, 32);
	}
}

static void put_root(uint64_t phys, bool xsdt, const uint64_t *addrs, unsigned n)
{
	uint8_t body[8 * 80];
	unsigned esz = xsdt ? 8 : 4;

	for (unsigned i = 0; i < n; i++) {
		if (xsdt)
			wr64(body + 8 * i, addrs[i]);
		else
			wr32(body + 4 * i, (uint32_t)addrs[i]);
	}
	put_table(phys, xsdt ? "XSDT" : "RSDT", 1, body, n * esz);
}

static void gas(uint8_t *p, uint8_t space, uint8_t width, uint8_t access, uint64_t addr)
{
	p[0] = space;
	p[1] = width;
	p[2] = 0;
	p[3] = access;
	wr64(p + 4, addr);
}

struct fadt_spec {
	uint8_t rev;
	uint32_t len;                /* 0: 276 */
	uint32_t flags;
	uint32_t dsdt;
	uint64_t x_dsdt;
	uint32_t pm1a, pm1b, pm_tmr;
	uint64_t x_pm1a, x_pm_tmr;   /* system I/O GAS when nonzero */
	uint8_t sleep_space;
	uint64_t sleep_ctl;
	uint64_t reset_port;
	uint8_t reset_value;
};

static void put_fadt(uint64_t phys, const struct fadt_spec *s)
{
	uint8_t f[276] = { 0 };
	uint32_t len = s->len ? s->len : 276;
	uint8_t *b = f - HDR;        /* so that offsets below are table offsets */

	wr32(b + 40, s->dsdt);
	wr16(b + 46, 9);
	wr32(b + 64, s->pm1a);
	wr32(b + 68, s->pm1b);
	wr32(b + 76, s->pm_tmr);
	b[89] = 2;
	b[91] = 4;
	wr32(b + 112, s->flags);
	if (s->reset_port) {
		gas(b + 116, ACPI_GAS_IO, 8, 1, s->reset_port);
		b[128] = s->reset_value;
	}
	wr64(b + 140, s->x_dsdt);
	if (s->x_pm1a)
		gas(b + 172, ACPI_GAS_IO, 16, 2, s->x_pm1a);
	if (s->x_pm_tmr)
		gas(b + 208, ACPI_GAS_IO, 32, 3, s->x_pm_tmr);
	if (s->sleep_ctl) {
		gas(b + 244, s->sleep_space, 8, 1, s->sleep_ctl);
		gas(b + 256, s->sleep_space, 8, 1, s->sleep_ctl + 1);
	}
	put_table(phys, "FACP", s->rev, f, len - HDR);
}

/* A DSDT whose AML is some filler, then aml, then more filler. */
static void put_dsdt(uint64_t phys, const char *sig, const uint8_t *aml, size_t n)
{
	uint8_t body[512];
	static const uint8_t pre[] = { 0x10, 0x0b, '_', 'S', 'B', '_', 0x08, 'F', 'O', 'O', '_', 0x0a, 0x07 };

	memcpy(body, pre, sizeof(pre));
	memcpy(body + sizeof(pre), aml, n);
	memset(body + sizeof(pre) + n, 0xa3, 16);   /* NoopOp */
	put_table(phys, sig, 2, body, (uint32_t)(sizeof(pre) + n + 16));
}

#define RSDP_AT 0xf0000u
#define RSDT_AT 0x100000u
#define XSDT_AT 0x100400u
#define FADT_AT 0x101000u
#define DSDT_AT 0x102000u
#define MADT_AT 0x104000u
#define HPET_AT 0x105000u
#define SSDT_AT 0x106000u

/* RSDP v2 -> XSDT -> tables, and the same through the RSDT. */
static void put_platform(const uint64_t *tables, unsigned n)
{
	put_root(RSDT_AT, false, tables, n);
	put_root(XSDT_AT, true, tables, n);
	put_rsdp(RSDP_AT, 2, RSDT_AT, XSDT_AT);
}

static const uint8_t s5_zero[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00 };

static void pm1_platform(const uint8_t *aml, size_t n)
{
	struct fadt_spec s = { .rev = 4, .dsdt = DSDT_AT, .pm1a = 0x604, .pm_tmr = 0x608 };
	uint64_t t[] = { FADT_AT };

	put_fadt(FADT_AT, &s);
	put_dsdt(DSDT_AT, "DSDT", aml, n);
	put_platform(t, 1);
}

static struct acpi_info ai;

static void parse_ok(void)
{
	assert_int_equal(acpi_parse(&ai, RSDP_AT, fake_map, &fk), 0);
}

/* ---- RSDP scan ---- */

static void test_rsdp_v1_in_bios_area(void **state)
{
	uint64_t r = 0;

	wr16(mem + 0x40e, 0x9fc0);
	put_rsdp(0xf5a10, 0, RSDT_AT, 0);
	assert_int_equal(acpi_find_rsdp(fake_map, &fk, &r), 0);
	assert_int_equal(r, 0xf5a10);
}

static void test_rsdp_v2_in_ebda_first(void **state)
{
	uint64_t r = 0;

	wr16(mem + 0x40e, 0x9fc0);
	put_rsdp(0x9fc00 + 0x3f0, 2, RSDT_AT, XSDT_AT);
	put_rsdp(0xe0000, 2, RSDT_AT, XSDT_AT);
	assert_int_equal(acpi_find_rsdp(fake_map, &fk, &r), 0);
	assert_int_equal(r, 0x9fc00 + 0x3f0);
}

static void test_rsdp_ebda_beyond_first_kib_not_seen(void **state)
{
	uint64_t r = 0;

	wr16(mem + 0x40e, 0x9f00);
	put_rsdp(0x9f000 + 0x400, 0, RSDT_AT, 0);
	assert_int_equal(acpi_find_rsdp(fake_map, &fk, &r), -ENODEV);
}

static void test_rsdp_bad_checksums_skipped(void **state)
{
	uint64_t r = 0;

	put_rsdp(0xe0000, 0, RSDT_AT, 0);
	mem[0xe0000 + 8] ^= 1;                 /* v1 checksum */
	put_rsdp(0xe0010, 2, RSDT_AT, XSDT_AT);
	mem[0xe0010 + 24] ^= 1;                /* XSDT address: extended checksum only */
	put_rsdp(0xe0048, 0, RSDT_AT, 0);      /* not on a 16-byte boundary */
	assert_int_equal(acpi_find_rsdp(fake_map, &fk, &r), -ENODEV);
	put_rsdp(0xfffe0, 2, RSDT_AT, XSDT_AT);
	assert_int_equal(acpi_find_rsdp(fake_map, &fk, &r), 0);
	assert_int_equal(r, 0xfffe0);
}

static void test_rsdp_unmapped_page_skipped(void **state)
{
	uint64_t r = 0;

	fk.hole_lo = 0xe0000;
	fk.hole_hi = 0xe2000;
	put_rsdp(0xe1000, 0, RSDT_AT, 0);
	put_rsdp(0xe2000, 0, RSDT_AT, 0);
	assert_int_equal(acpi_find_rsdp(fake_map, &fk, &r), 0);
	assert_int_equal(r, 0xe2000);
}

static void test_rsdp_v2_length_lies(void **state)
{
	uint64_t r = 0;

	put_rsdp(0xe0000, 2, RSDT_AT, XSDT_AT);
	wr32(mem + 0xe0000 + 20, 0xfffffff0u);
	fix_sum(mem + 0xe0000, 20, 8);
	assert_int_equal(acpi_find_rsdp(fake_map, &fk, &r), -ENODEV);
	assert_int_equal(acpi_parse(&ai, 0xe0000, fake_map, &fk), -EINVAL);
}

/* ---- root tables ---- */

static void test_xsdt_preferred(void **state)
{
	struct fadt_spec a = { .rev = 4, .pm1a = 0x1004 };
	struct fadt_spec b = { .rev = 4, .pm1a = 0x604 };
	uint64_t ta[] = { FADT_AT }, tb[] = { FADT_AT + 0x200 };

	put_fadt(FADT_AT, &a);
	put_fadt(FADT_AT + 0x200, &b);
	put_root(RSDT_AT, false, ta, 1);
	put_root(XSDT_AT, true, tb, 1);
	put_rsdp(RSDP_AT, 2, RSDT_AT, XSDT_AT);
	parse_ok();
	assert_true(ai.root_is_xsdt);
	assert_int_equal(ai.root_phys, XSDT_AT);
	assert_int_equal(ai.pm1a_cnt.address, 0x604);

	put_rsdp(RSDP_AT, 0, RSDT_AT, 0);      /* ACPI 1.0: RSDT only */
	parse_ok();
	assert_false(ai.root_is_xsdt);
	assert_int_equal(ai.pm1a_cnt.address, 0x1004);

	put_rsdp(RSDP_AT, 2, RSDT_AT, 0);      /* v2 without an XSDT */
	parse_ok();
	assert_false(ai.root_is_xsdt);
}

static void test_bad_xsdt_falls_back_to_rsdt(void **state)
{
	struct fadt_spec a = { .rev = 4, .pm1a = 0x1004 };
	uint64_t t[] = { FADT_AT };

	put_fadt(FADT_AT, &a);
	put_platform(t, 1);
	mem[XSDT_AT + 36] ^= 0x40;             /* entry changed, checksum not */
	parse_ok();
	assert_false(ai.root_is_xsdt);
	assert_true(ai.have_fadt);
	assert_int_equal(ai.nskips, 1);
	assert_string_equal(ai.skips[0].sig, "XSDT");
	assert_string_equal(ai.skips[0].why, "bad checksum");
}

static void test_root_errors(void **state)
{
	uint64_t t[] = { FADT_AT };

	assert_int_equal(acpi_parse(&ai, 0, fake_map, &fk), -ENODEV);
	assert_int_equal(acpi_parse(&ai, MEM_SIZE - 8, fake_map, &fk), -EFAULT);
	assert_int_equal(acpi_parse(&ai, RSDP_AT, fake_map, &fk), -EINVAL);

	put_platform(t, 1);
	wr32(mem + RSDT_AT + 4, 0x10000);     /* both roots claim 64 KiB... */
	wr32(mem + XSDT_AT + 4, 0x10000);
	fk.size = RSDT_AT + 0x8000;            /* ...past the mapped area */
	assert_int_equal(acpi_parse(&ai, RSDP_AT, fake_map, &fk), -EFAULT);
	assert_int_equal(ai.nskips, 2);
	assert_string_equal(ai.skips[0].why, "length runs past mapped memory");

	fk.size = MEM_SIZE;
	put_platform(t, 1);
	memcpy(mem + RSDT_AT, "FACP", 4);
	fix_sum(mem + RSDT_AT, HDR + 4, 9);
	put_rsdp(RSDP_AT, 0, RSDT_AT, 0);
	assert_int_equal(acpi_parse(&ai, RSDP_AT, fake_map, &fk), -EINVAL);
	assert_string_equal(ai.skips[0].why, "unexpected signature");

	put_rsdp(RSDP_AT, 0, 0, 0);
	assert_int_equal(acpi_parse(&ai, RSDP_AT, fake_map, &fk), -EINVAL);
}

static void test_root_length_not_multiple(void **state)
{
	struct fadt_spec a = { .rev = 4, .pm1a = 0x604 };
	uint64_t t[] = { FADT_AT, MADT_AT };

	put_fadt(FADT_AT, &a);
	put_root(XSDT_AT, true, t, 2);
	wr32(mem + XSDT_AT + 4, HDR + 8 + 7);  /* second entry cut short */
	fix_sum(mem + XSDT_AT, HDR + 15, 9);
	put_rsdp(RSDP_AT, 2, 0, XSDT_AT);
	parse_ok();
	assert_int_equal(ai.ntables, 1);
	assert_true(ai.have_fadt);
}

/* ---- tables refused ---- */

static void test_bad_tables_skipped(void **state)
{
	struct fadt_spec f = { .rev = 4, .pm1a = 0x604 };
	uint64_t t[] = { FADT_AT, 0, MADT_AT, MADT_AT + 0x100, MADT_AT + 0x200,
			 MEM_SIZE - 16, HPET_AT, SSDT_AT };
	uint8_t body[8] = { 0 };

	put_fadt(FADT_AT, &f);
	mem[FADT_AT + 70] ^= 1;                /* bad checksum: never used */
	put_table(MADT_AT, "APIC", 3, body, 4);
	wr32(mem + MADT_AT + 4, 20);           /* shorter than a header */
	put_table(MADT_AT + 0x100, "APIC", 3, body, 4);
	wr32(mem + MADT_AT + 0x100 + 4, 2u << 20);   /* over 1 MiB */
	put_table(MADT_AT + 0x200, "APIC", 3, body, 4);
	wr32(mem + MADT_AT + 0x200 + 4, 1u << 20);   /* past the end of memory */
	put_table(HPET_AT, "HPET", 1, body, 8);      /* too short */
	put_table(SSDT_AT, "FACP", 1, body, 8);      /* FADT too short */
	put_platform(t, 8);
	parse_ok();
	assert_false(ai.have_fadt);
	assert_false(ai.have_madt);
	assert_false(ai.have_hpet);
	assert_int_equal(ai.nskips, 8);
	assert_string_equal(ai.skips[0].sig, "FACP");
	assert_string_equal(ai.skips[0].why, "bad checksum");
	assert_string_equal(ai.skips[1].why, "null address");
	assert_string_equal(ai.skips[2].why, "length shorter than the header");
	assert_string_equal(ai.skips[3].why, "length over 1 MiB");
	assert_string_equal(ai.skips[4].why, "length runs past mapped memory");
	assert_string_equal(ai.skips[5].sig, "????");
	assert_string_equal(ai.skips[5].why, "header not in mapped memory");
	assert_string_equal(ai.skips[6].why, "HPET too short");
	assert_string_equal(ai.skips[7].why, "FADT too short");

	struct acpi_s5_write w;
	assert_int_equal(acpi_s5_plan(&ai, &w), -ENODEV);
	assert_int_equal(w.count, 0);
}

static void test_many_skips_counted(void **state)
{
	uint64_t t[70];

	for (unsigned i = 0; i < 70; i++)
		t[i] = MEM_SIZE + i;           /* all unmapped */
	put_platform(t, 70);
	parse_ok();
	assert_int_equal(ai.ntables, 70);
	assert_int_equal(ai.nskips, 64);       /* only the first 64 entries are read */
	assert_int_equal(ai.skips[ACPI_MAX_SKIPS - 1].phys, MEM_SIZE + ACPI_MAX_SKIPS - 1);
}

/* ---- FADT and _S5_ ---- */

static void expect_pm1_plan(uint64_t port, uint8_t slp_typ)
{
	struct acpi_s5_write w;

	assert_true(ai.have_s5);
	assert_int_equal(ai.slp_typa, slp_typ);
	assert_int_equal(acpi_s5_plan(&ai, &w), 0);
	assert_int_equal(w.count, 1);
	assert_int_equal(w.w[0].space_id, ACPI_GAS_IO);
	assert_int_equal(w.w[0].width, 16);
	assert_int_equal(w.w[0].address, port);
	assert_int_equal(w.w[0].value, (uint32_t)(slp_typ & 7) << 10 | 1u << 13);
	assert_int_equal(w.w[0].keep, 0xc3ff);
}

static void test_s5_zero_op(void **state)
{
	pm1_platform(s5_zero, sizeof(s5_zero));
	parse_ok();
	assert_true(ai.have_fadt);
	assert_int_equal(ai.fadt_revision, 4);
	assert_int_equal(ai.dsdt_phys, DSDT_AT);
	assert_int_equal(ai.pm1a_cnt.bit_width, 16);
	assert_int_equal(ai.pm1b_cnt.address, 0);
	assert_int_equal(ai.sci_irq, 9);
	assert_int_equal(ai.nskips, 0);
	expect_pm1_plan(0x604, 0);
}

static void test_s5_byte_prefix(void **state)
{
	static const uint8_t aml[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04,
				       0x0a, 0x05, 0x0a, 0x06, 0x00, 0x00 };

	pm1_platform(aml, sizeof(aml));
	parse_ok();
	assert_int_equal(ai.slp_typb, 6);
	expect_pm1_plan(0x604, 5);
}

static void test_s5_root_prefix_and_wide_ints(void **state)
{
	static const uint8_t aml[] = { 0x08, '\\', '_', 'S', '5', '_', 0x12, 0x0a, 0x02,
				       0x0b, 0x07, 0x00, 0x0c, 0x03, 0x00, 0x00, 0x00,
				       0x00, 0x00 };

	pm1_platform(aml, sizeof(aml));
	parse_ok();
	assert_int_equal(ai.slp_typb, 3);
	expect_pm1_plan(0x604, 7);
}

static void test_s5_long_pkglength_one_op_raw_byte(void **state)
{
	/* 2-byte PkgLength (lead 0x40 | low nibble, then bits 11:4), OneOp, a
	 * bare constant byte, a QWordPrefix. */
	uint8_t aml[0x60] = { 0x08, '_', 'S', '5', '_', 0x12, 0x40 | 0x05, 0x05, 0x03,
			      0x01, 0x04, 0x0e, 1, 2, 3, 4, 5, 6, 7, 8 };

	pm1_platform(aml, sizeof(aml));        /* PkgLength 0x55 fits in the table */
	parse_ok();
	assert_int_equal(ai.slp_typb, 4);
	expect_pm1_plan(0x604, 1);

	/* 4-byte PkgLength: lead 0xc0 | low nibble, then three bytes */
	static const uint8_t aml4[] = { 0x08, '_', 'S', '5', '_', 0x12, 0xca, 0x00, 0x00,
					0x00, 0x02, 0x0a, 0x06, 0x0a, 0x01, 0x00 };
	pm1_platform(aml4, sizeof(aml4));
	parse_ok();
	assert_int_equal(ai.slp_typb, 1);
	expect_pm1_plan(0x604, 6);
}

static void test_s5_decoys_then_real(void **state)
{
	static const uint8_t aml[] = {
		/* a reference in a method body: no NameOp before it */
		0x14, 0x09, 'P', 'T', 'S', '_', 0x01, 0x70, '_', 'S', '5', '_', 0x60,
		/* Name(_S5_, "str"): not a package */
		0x08, '_', 'S', '5', '_', 0x0d, 'x', 0x00,
		/* Name(_S5_, Package) whose first element is a name reference */
		0x08, '_', 'S', '5', '_', 0x12, 0x07, 0x02, 'A', 'B', 'C', 'D', 0x00,
		/* the real one */
		0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x0a, 0x02, 0x00,
	};

	pm1_platform(aml, sizeof(aml));
	parse_ok();
	assert_int_equal(ai.slp_typb, 0);
	expect_pm1_plan(0x604, 2);
}

static void test_s5_truncated_encodings(void **state)
{
	static const uint8_t cut[][16] = {
		/* PkgLength beyond the table's end */
		{ 0x08, '_', 'S', '5', '_', 0x12, 0x3f, 0x04, 0x00, 0x00 },
		/* 4-byte PkgLength with reserved bits 5:4 set, otherwise fine */
		{ 0x08, '_', 'S', '5', '_', 0x12, 0xfa, 0x00, 0x00, 0x00, 0x02,
		  0x0a, 0x01, 0x0a, 0x01 },
		/* PkgLength shorter than itself + NumElements */
		{ 0x08, '_', 'S', '5', '_', 0x12, 0x01, 0x04, 0x00, 0x00 },
		/* BytePrefix whose byte is outside the package */
		{ 0x08, '_', 'S', '5', '_', 0x12, 0x03, 0x01, 0x0a, 0x05 },
		/* NumElements 0 */
		{ 0x08, '_', 'S', '5', '_', 0x12, 0x02, 0x00, 0x00 },
	};

	for (size_t i = 0; i < sizeof(cut) / sizeof(cut[0]); i++) {
		pm1_platform(cut[i], sizeof(cut[i]));
		parse_ok();
		assert_true(ai.have_fadt);
		assert_false(ai.have_s5);
	}
	/* _S5_ at the very end of the table, nothing after it */
	static const uint8_t tail[] = { 0x08, '_', 'S', '5', '_' };
	uint8_t body[sizeof(tail)];

	memcpy(body, tail, sizeof(tail));
	put_table(DSDT_AT, "DSDT", 2, body, sizeof(body));
	parse_ok();
	assert_false(ai.have_s5);
	struct acpi_s5_write w;
	assert_int_equal(acpi_s5_plan(&ai, &w), -ENODEV);
}

static void test_s5_one_element(void **state)
{
	static const uint8_t aml[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x01, 0x0a, 0x05 };

	pm1_platform(aml, sizeof(aml));
	parse_ok();
	assert_int_equal(ai.slp_typb, 5);
	expect_pm1_plan(0x604, 5);
}

static void test_bad_dsdt_then_ssdt(void **state)
{
	struct fadt_spec s = { .rev = 4, .dsdt = DSDT_AT, .pm1a = 0x604 };
	uint64_t t[] = { FADT_AT, SSDT_AT };
	static const uint8_t aml[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x0a, 0x03, 0x0a, 0x03 };

	put_fadt(FADT_AT, &s);
	put_dsdt(DSDT_AT, "DSDT", s5_zero, sizeof(s5_zero));
	mem[DSDT_AT + 40] ^= 1;
	put_dsdt(SSDT_AT, "SSDT", aml, sizeof(aml));
	put_platform(t, 2);
	parse_ok();
	assert_int_equal(ai.nskips, 1);
	assert_string_equal(ai.skips[0].sig, "DSDT");
	expect_pm1_plan(0x604, 3);

	/* the FADT's DSDT pointer leads to a table that is not a DSDT */
	put_dsdt(DSDT_AT, "SSDT", s5_zero, sizeof(s5_zero));
	parse_ok();
	assert_string_equal(ai.skips[0].why, "unexpected signature");
	assert_int_equal(ai.slp_typa, 3);
}

static void test_x_fields_preferred(void **state)
{
	struct fadt_spec s = { .rev = 4, .dsdt = 0x1234, .x_dsdt = DSDT_AT, .pm1a = 0x604,
			       .x_pm1a = 0xb004, .pm_tmr = 0x608, .x_pm_tmr = 0xb008,
			       .flags = ACPI_FADT_TMR_VAL_EXT | ACPI_FADT_RESET_REG_SUP,
			       .reset_port = 0xcf9, .reset_value = 6 };
	uint64_t t[] = { FADT_AT };

	put_fadt(FADT_AT, &s);
	put_dsdt(DSDT_AT, "DSDT", s5_zero, sizeof(s5_zero));
	put_platform(t, 1);
	parse_ok();
	assert_int_equal(ai.dsdt_phys, DSDT_AT);
	assert_int_equal(ai.pm_timer.address, 0xb008);
	assert_int_equal(ai.pm_timer.bit_width, 32);
	assert_true(ai.pm_timer_32bit);
	assert_true(ai.have_reset);
	assert_int_equal(ai.reset_reg.space_id, ACPI_GAS_IO);
	assert_int_equal(ai.reset_reg.address, 0xcf9);
	assert_int_equal(ai.reset_value, 6);
	expect_pm1_plan(0xb004, 0);

	/* An ACPI 1.0 FADT (116 bytes): 32-bit fields only, no reset register. */
	s.len = 116;
	s.rev = 1;
	s.dsdt = DSDT_AT;
	put_fadt(FADT_AT, &s);
	parse_ok();
	assert_int_equal(ai.pm_timer.address, 0x608);
	assert_int_equal(ai.pm_timer.space_id, ACPI_GAS_IO);
	assert_false(ai.have_reset);
	expect_pm1_plan(0x604, 0);
}

/* Shaped like QEMU's published q35 test FADT (tests/data/acpi/q35/FACP):
 * revision 3, 244 bytes, flags 0x84a5, SCI 9, SMI_CMD 0xb2 / ACPI_ENABLE 2,
 * PM1a_CNT 0x604 (2 bytes), PM_TMR 0x608, RESET_REG I/O 0xcf9 value 0x0f, X_
 * blocks in I/O space with access size 0. Test data only. */
static void test_q35_like_fadt(void **state)
{
	uint8_t f[244 - HDR] = { 0 };
	uint8_t *b = f - HDR;
	static const uint8_t aml[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04,
				       0x00, 0x00, 0x00, 0x00 };
	uint64_t t[] = { FADT_AT };

	wr32(b + 40, DSDT_AT);
	b[44] = 1;
	wr16(b + 46, 9);
	wr32(b + 48, 0xb2);
	b[52] = 2;
	b[53] = 3;
	wr32(b + 56, 0x600);
	wr32(b + 64, 0x604);
	wr32(b + 76, 0x608);
	wr32(b + 80, 0x620);
	b[88] = 4; b[89] = 2; b[91] = 4; b[92] = 0x10;
	wr32(b + 112, 0x84a5);
	gas(b + 116, ACPI_GAS_IO, 8, 0, 0xcf9);
	b[128] = 0x0f;
	gas(b + 148, ACPI_GAS_IO, 0x20, 0, 0x600);
	gas(b + 172, ACPI_GAS_IO, 0x10, 0, 0x604);
	gas(b + 208, ACPI_GAS_IO, 0x20, 0, 0x608);
	gas(b + 220, ACPI_GAS_IO, 0x80, 0, 0x620);
	put_table(FADT_AT, "FACP", 3, f, sizeof(f));
	put_dsdt(DSDT_AT, "DSDT", aml, sizeof(aml));
	put_platform(t, 1);
	parse_ok();
	assert_int_equal(ai.fadt_revision, 3);
	assert_false(ai.hw_reduced);
	assert_int_equal(ai.sci_irq, 9);
	assert_int_equal(ai.smi_cmd, 0xb2);
	assert_int_equal(ai.acpi_enable, 2);
	assert_int_equal(ai.pm_timer.address, 0x608);
	assert_false(ai.pm_timer_32bit);
	assert_true(ai.have_reset);
	assert_int_equal(ai.reset_reg.address, 0xcf9);
	assert_int_equal(ai.reset_value, 0x0f);
	assert_int_equal(ai.sleep_control.address, 0);
	expect_pm1_plan(0x604, 0);
}

static void test_pm1b(void **state)
{
	struct fadt_spec s = { .rev = 3, .dsdt = DSDT_AT, .pm1a = 0x604, .pm1b = 0x704 };
	static const uint8_t aml[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x0a, 0x07, 0x0a, 0x03 };
	uint64_t t[] = { FADT_AT };
	struct acpi_s5_write w;

	put_fadt(FADT_AT, &s);
	put_dsdt(DSDT_AT, "DSDT", aml, sizeof(aml));
	put_platform(t, 1);
	parse_ok();
	assert_int_equal(acpi_s5_plan(&ai, &w), 0);
	assert_int_equal(w.count, 2);
	assert_int_equal(w.w[0].address, 0x604);
	assert_int_equal(w.w[0].value, 7u << 10 | 1u << 13);
	assert_int_equal(w.w[1].address, 0x704);
	assert_int_equal(w.w[1].value, 3u << 10 | 1u << 13);
}

/* Shaped like QEMU's published microvm test tables (tests/data/acpi/microvm):
 * FADT revision 5, 268 bytes, HW_REDUCED_ACPI | RESET_REG_SUP, sleep control and
 * status bytes in memory space, and Scope (\) { Name (_S5, Package (4) {5, 0, 0,
 * 0}) }. Test data only. */
static void test_hw_reduced_sleep_control(void **state)
{
	struct fadt_spec s = { .rev = 5, .len = 268,
			       .flags = ACPI_FADT_HW_REDUCED | ACPI_FADT_RESET_REG_SUP,
			       .x_dsdt = DSDT_AT, .sleep_space = ACPI_GAS_MEM,
			       .sleep_ctl = 0xfea00200u };
	static const uint8_t aml[] = { 0x10, 0x0f, '\\', 0x08, '_', 'S', '5', '_', 0x12, 0x07,
				       0x04, 0x0a, 0x05, 0x00, 0x00, 0x00 };
	uint64_t t[] = { FADT_AT };
	struct acpi_s5_write w;

	put_fadt(FADT_AT, &s);
	gas(mem + FADT_AT + 116, ACPI_GAS_MEM, 8, 0, 0xfea00202u);
	mem[FADT_AT + 128] = 0x42;
	fix_sum(mem + FADT_AT, 268, 9);
	put_dsdt(DSDT_AT, "DSDT", aml, sizeof(aml));
	put_platform(t, 1);
	parse_ok();
	assert_true(ai.hw_reduced);
	assert_int_equal(ai.pm1a_cnt.address, 0);
	assert_int_equal(ai.pm_timer.address, 0);
	assert_true(ai.have_reset);
	assert_int_equal(ai.reset_reg.space_id, ACPI_GAS_MEM);
	assert_int_equal(ai.reset_reg.address, 0xfea00202u);
	assert_int_equal(ai.reset_value, 0x42);
	assert_int_equal(ai.sleep_status.address, 0xfea00201u);
	assert_int_equal(ai.slp_typa, 5);
	assert_int_equal(ai.slp_typb, 0);
	assert_int_equal(acpi_s5_plan(&ai, &w), 0);
	assert_int_equal(w.count, 1);
	assert_int_equal(w.w[0].space_id, ACPI_GAS_MEM);
	assert_int_equal(w.w[0].width, 8);
	assert_int_equal(w.w[0].address, 0xfea00200u);
	assert_int_equal(w.w[0].value, (5 << 2) | (1 << 5));
	assert_int_equal(w.w[0].keep, 0);

	/* I/O space sleep control, and a PM1a block that must be ignored */
	s.sleep_space = ACPI_GAS_IO;
	s.sleep_ctl = 0x5008;
	s.pm1a = 0x604;
	put_fadt(FADT_AT, &s);
	parse_ok();
	assert_int_equal(acpi_s5_plan(&ai, &w), 0);
	assert_int_equal(w.w[0].space_id, ACPI_GAS_IO);
	assert_int_equal(w.w[0].address, 0x5008);

	/* revision 4: no sleep registers even if the bytes are there */
	s.rev = 4;
	put_fadt(FADT_AT, &s);
	parse_ok();
	assert_int_equal(ai.sleep_control.address, 0);
	assert_int_equal(acpi_s5_plan(&ai, &w), -ENODEV);

	/* revision 5 but cut before SLEEP_STATUS_REG ends */
	s.rev = 5;
	s.len = 267;
	put_fadt(FADT_AT, &s);
	parse_ok();
	assert_int_equal(acpi_s5_plan(&ai, &w), -ENODEV);

	/* an I/O port beyond 16 bits is not a port */
	s.len = 276;
	s.sleep_ctl = 0x10000;
	put_fadt(FADT_AT, &s);
	parse_ok();
	assert_int_equal(acpi_s5_plan(&ai, &w), -ENODEV);
}

/* ---- MADT ---- */

static size_t e_lapic(uint8_t *p, uint8_t uid, uint8_t id, uint32_t flags)
{
	p[0] = 0; p[1] = 8; p[2] = uid; p[3] = id;
	wr32(p + 4, flags);
	return 8;
}

static size_t e_x2apic(uint8_t *p, uint32_t id, uint32_t flags, uint32_t uid)
{
	memset(p, 0, 16);
	p[0] = 9; p[1] = 16;
	wr32(p + 4, id);
	wr32(p + 8, flags);
	wr32(p + 12, uid);
	return 16;
}

static size_t e_ioapic(uint8_t *p, uint8_t id, uint32_t addr, uint32_t gsi)
{
	p[0] = 1; p[1] = 12; p[2] = id; p[3] = 0;
	wr32(p + 4, addr);
	wr32(p + 8, gsi);
	return 12;
}

static size_t e_override(uint8_t *p, uint8_t irq, uint32_t gsi, uint16_t flags)
{
	p[0] = 2; p[1] = 10; p[2] = 0; p[3] = irq;
	wr32(p + 4, gsi);
	wr16(p + 8, flags);
	return 10;
}

static void put_madt(const uint8_t *ent, size_t n)
{
	uint8_t body[2048];
	uint64_t t[] = { MADT_AT };

	wr32(body, 0xfee00000u);
	wr32(body + 4, 1);
	memcpy(body + 8, ent, n);
	put_table(MADT_AT, "APIC", 3, body, (uint32_t)(8 + n));
	put_platform(t, 1);
}

static void test_madt(void **state)
{
	uint8_t e[256];
	size_t n = 0;

	n += e_lapic(e + n, 0, 0, 1);
	n += e_lapic(e + n, 1, 1, 1);
	n += e_lapic(e + n, 2, 2, 0);          /* disabled, not online-capable */
	n += e_lapic(e + n, 3, 3, 2);          /* online-capable */
	n += e_x2apic(e + n, 0x100, 1, 4);
	n += e_x2apic(e + n, 1, 1, 1);         /* same CPU as xAPIC id 1 */
	n += e_ioapic(e + n, 0, 0xfec00000u, 0);
	n += e_override(e + n, 0, 2, 0);
	n += e_override(e + n, 9, 9, 0xd);     /* level, active high */
	e[n] = 4; e[n + 1] = 6;                /* Local APIC NMI: skipped */
	memset(e + n + 2, 0xff, 4);
	n += 6;
	put_madt(e, n);
	parse_ok();
	assert_true(ai.have_madt);
	assert_int_equal(ai.lapic_phys, 0xfee00000u);
	assert_int_equal(ai.madt_flags, 1);
	assert_int_equal(ai.ncpus, 4);
	assert_int_equal(ai.cpus_ignored, 2);
	assert_int_equal(ai.cpus[0].apic_id, 0);
	assert_int_equal(ai.cpus[1].apic_id, 1);
	assert_int_equal(ai.cpus[2].apic_id, 3);
	assert_int_equal(ai.cpus[2].flags, ACPI_CPU_ONLINE_CAPABLE);
	assert_int_equal(ai.cpus[3].apic_id, 0x100);
	assert_int_equal(ai.cpus[3].uid, 4);
	assert_true(ai.cpus[3].x2apic);
	assert_false(ai.cpus[0].x2apic);
	assert_int_equal(ai.nioapics, 1);
	assert_int_equal(ai.ioapics[0].address, 0xfec00000u);
	assert_int_equal(ai.ioapics[0].gsi_base, 0);
	assert_int_equal(ai.noverrides, 2);
	assert_int_equal(ai.overrides[0].irq, 0);
	assert_int_equal(ai.overrides[0].gsi, 2);
	assert_int_equal(ai.overrides[1].gsi, 9);
	assert_int_equal(ACPI_INTI_TRIGGER(ai.overrides[1].flags), 3);
	assert_int_equal(ACPI_INTI_POLARITY(ai.overrides[1].flags), 1);
	assert_int_equal(ai.madt_bad_entries, 0);
	assert_false(ai.have_fadt);
}

static void test_madt_lapic_override(void **state)
{
	uint8_t e[32] = { 5, 12, 0, 0 };

	wr64(e + 4, 0x123fee00000ull);
	e_lapic(e + 12, 0, 0, 1);
	put_madt(e, 20);
	parse_ok();
	assert_int_equal(ai.lapic_phys, 0x123fee00000ull);
	assert_int_equal(ai.ncpus, 1);
}

static void test_madt_limits(void **state)
{
	uint8_t e[2048];
	size_t n = 0;

	for (unsigned i = 0; i < 70; i++)
		n += e_lapic(e + n, (uint8_t)i, (uint8_t)i, 1);
	for (unsigned i = 0; i < 10; i++)
		n += e_ioapic(e + n, (uint8_t)i, 0xfec00000u + 0x1000 * i, 24 * i);
	for (unsigned i = 0; i < 20; i++)
		n += e_override(e + n, (uint8_t)i, i, 0);
	assert_true(n <= sizeof(e));
	put_madt(e, n);
	parse_ok();
	assert_int_equal(ai.ncpus, ACPI_MAX_CPUS);
	assert_int_equal(ai.cpus_dropped, 6);
	assert_int_equal(ai.cpus[63].apic_id, 63);
	assert_int_equal(ai.nioapics, ACPI_MAX_IOAPICS);
	assert_int_equal(ai.ioapics_dropped, 2);
	assert_int_equal(ai.noverrides, ACPI_MAX_OVERRIDES);
	assert_int_equal(ai.overrides_dropped, 4);
}

static void test_madt_malformed_entries(void **state)
{
	uint8_t e[64];
	size_t n;

	/* Length 0: the walk must stop, not spin. */
	n = e_lapic(e, 0, 0, 1);
	e[n] = 0; e[n + 1] = 0;
	n += e_lapic(e + n + 2, 1, 1, 1) + 2;
	put_madt(e, n);
	parse_ok();
	assert_int_equal(ai.ncpus, 1);
	assert_int_equal(ai.madt_bad_entries, 1);

	/* Length 1, and a length running past the table. */
	e[8] = 0; e[9] = 1;
	put_madt(e, n);
	parse_ok();
	assert_int_equal(ai.ncpus, 1);
	assert_int_equal(ai.madt_bad_entries, 1);
	n = e_lapic(e, 0, 0, 1);
	n += e_x2apic(e + n, 7, 1, 7);
	e[9] = 17;
	put_madt(e, n);
	parse_ok();
	assert_int_equal(ai.ncpus, 1);
	assert_int_equal(ai.madt_bad_entries, 1);

	/* Entries too short for their type are passed over; the walk goes on. */
	n = 0;
	e[n++] = 0; e[n++] = 4; e[n++] = 9; e[n++] = 9;
	e[n++] = 9; e[n++] = 8; memset(e + n, 0, 6); n += 6;
	e[n++] = 1; e[n++] = 6; memset(e + n, 0, 4); n += 4;
	n += e_lapic(e + n, 2, 2, 1);
	e[n++] = 0;                            /* one dangling byte */
	put_madt(e, n);
	parse_ok();
	assert_int_equal(ai.ncpus, 1);
	assert_int_equal(ai.cpus[0].apic_id, 2);
	assert_int_equal(ai.nioapics, 0);
	assert_int_equal(ai.madt_bad_entries, 4);

	/* A MADT with no room for its fixed fields. */
	uint8_t body[4] = { 0 };
	uint64_t t[] = { MADT_AT };
	put_table(MADT_AT, "APIC", 3, body, 4);
	put_platform(t, 1);
	parse_ok();
	assert_false(ai.have_madt);
	assert_string_equal(ai.skips[0].why, "MADT too short");
}

/* ---- HPET, duplicates ---- */

static void test_hpet_and_duplicates(void **state)
{
	uint8_t h[20] = { 0 };
	struct fadt_spec a = { .rev = 4, .pm1a = 0x604 }, b = { .rev = 4, .pm1a = 0x704 };
	uint64_t t[] = { HPET_AT, FADT_AT, FADT_AT + 0x200, HPET_AT + 0x100 };

	wr32(h, 0x8086a201u);
	gas(h + 4, ACPI_GAS_MEM, 64, 0, 0xfed00000u);
	put_table(HPET_AT, "HPET", 1, h, 20);
	gas(h + 4, ACPI_GAS_MEM, 64, 0, 0xfed01000u);
	put_table(HPET_AT + 0x100, "HPET", 1, h, 20);
	put_fadt(FADT_AT, &a);
	put_fadt(FADT_AT + 0x200, &b);
	put_platform(t, 4);
	parse_ok();
	assert_true(ai.have_hpet);
	assert_int_equal(ai.hpet_table_phys, HPET_AT);
	assert_int_equal(ai.hpet_base.address, 0xfed00000u);
	assert_int_equal(ai.pm1a_cnt.address, 0x604);
	assert_int_equal(ai.nskips, 1);
	assert_string_equal(ai.skips[0].why, "second FADT");

	gas(h + 4, ACPI_GAS_IO, 64, 0, 0xfed00000u);
	put_table(HPET_AT, "HPET", 1, h, 20);
	put_platform(t, 1);
	parse_ok();
	assert_false(ai.have_hpet);
	assert_string_equal(ai.skips[0].why, "HPET base not in memory space");
}

/* ---- the power button: PM1 event registers, the Generic Event Device ---- */

/* A q35-shaped FADT with the PM1a event block at 0x600 (4 bytes: status, then
 * enable) and, when pm1b, a PM1b block at 0x700; flags as given. */
static void pm1_event_fadt(uint32_t flags, uint8_t evt_len, uint32_t pm1b, bool x_gas)
{
	struct fadt_spec s = { .rev = 3, .dsdt = DSDT_AT, .pm1a = 0x604, .flags = flags };
	uint8_t *b = mem + FADT_AT;
	uint64_t t[] = { FADT_AT };

	put_fadt(FADT_AT, &s);
	wr32(b + 56, x_gas ? 0 : 0x600);
	wr32(b + 60, pm1b);
	b[88] = evt_len;
	if (x_gas)
		gas(b + 148, ACPI_GAS_IO, 32, 0, 0x600);
	fix_sum(b, 276, 9);
	put_dsdt(DSDT_AT, "DSDT", s5_zero, sizeof(s5_zero));
	put_platform(t, 1);
	parse_ok();
}

static void test_pm1_event_regs(void **state)
{
	struct acpi_pm1_event ev;

	pm1_event_fadt(0x84a5, 4, 0, false);
	assert_int_equal(ai.pm1_evt_len, 4);
	assert_int_equal(acpi_pm1_event_regs(&ai, 0, &ev), 0);
	assert_int_equal(ev.sts.space_id, ACPI_GAS_IO);
	assert_int_equal(ev.sts.address, 0x600);
	assert_int_equal(ev.en.address, 0x602);
	assert_int_equal(ev.en.bit_width, 16);
	assert_int_equal(acpi_pm1_event_regs(&ai, 1, &ev), -ENODEV); /* no PM1b */

	pm1_event_fadt(0x84a5, 8, 0x700, true); /* X_ GAS, 4-byte halves, PM1b */
	assert_int_equal(acpi_pm1_event_regs(&ai, 0, &ev), 0);
	assert_int_equal(ev.sts.address, 0x600);
	assert_int_equal(ev.en.address, 0x604);
	assert_int_equal(acpi_pm1_event_regs(&ai, 1, &ev), 0);
	assert_int_equal(ev.sts.address, 0x700);
	assert_int_equal(ev.en.address, 0x704);
}

static void test_pm1_event_refused(void **state)
{
	struct acpi_pm1_event ev;

	pm1_event_fadt(ACPI_FADT_PWR_BUTTON, 4, 0, false); /* a control-method button */
	assert_int_equal(acpi_pm1_event_regs(&ai, 0, &ev), -ENODEV);
	pm1_event_fadt(ACPI_FADT_HW_REDUCED, 4, 0, false);
	assert_int_equal(acpi_pm1_event_regs(&ai, 0, &ev), -ENODEV);
	pm1_event_fadt(0, 2, 0, false);                    /* halves of one byte */
	assert_int_equal(acpi_pm1_event_regs(&ai, 0, &ev), -ENODEV);
	pm1_event_fadt(0, 0, 0, false);
	assert_int_equal(acpi_pm1_event_regs(&ai, 0, &ev), -ENODEV);
	/* The enable half would run past the 16-bit port space. */
	pm1_event_fadt(0, 4, 0, false);
	ai.pm1a_evt.address = 0xfffe;
	assert_int_equal(acpi_pm1_event_regs(&ai, 0, &ev), -ENODEV);
	memset(&ai, 0, sizeof(ai));                        /* no FADT at all */
	assert_int_equal(acpi_pm1_event_regs(&ai, 0, &ev), -ENODEV);
}

/* ---- crashes found by tests/fuzz/fuzz_acpi.c become tests here ---- */

/* A PM1 event block in memory at the top of the address space: the enable
 * half's address wrapped around to below the status's. */
static void test_pm1_event_in_memory_wraps(void **state)
{
	struct acpi_pm1_event ev;

	pm1_event_fadt(0, 4, 0, false);
	ai.pm1a_evt.space_id = ACPI_GAS_MEM;
	ai.pm1a_evt.address = 0xfffffffffffffffeull;
	assert_int_equal(acpi_pm1_event_regs(&ai, 0, &ev), -ENODEV);
	ai.pm1a_evt.address = 0xfffffffeull;              /* runs past 4 GiB */
	assert_int_equal(acpi_pm1_event_regs(&ai, 0, &ev), -ENODEV);
	ai.pm1a_evt.address = 0xfed00000ull;
	assert_int_equal(acpi_pm1_event_regs(&ai, 0, &ev), 0);
	assert_int_equal(ev.en.address, 0xfed00002ull);
}

/* The GED as QEMU's build_ged_aml lays it out: Device (GED_) { _HID
 * "ACPI0013", _UID "GED", _CRS { Interrupt (flags) {gsi} }, OperationRegion
 * (EREG, space, evt, 4), then a Field and _EVT (here: Noops). Test data only. */
struct ged_spec {
	uint8_t irq_flags, space;
	uint32_t gsi;
	uint32_t evt;
	bool no_crs_irq;             /* the _CRS holds an End Tag only */
	int dev_len_delta;           /* added to the Device's PkgLength */
};

static size_t ged_aml(uint8_t *o, const struct ged_spec *g)
{
	static const uint8_t hid[] = { 0x08, '_', 'H', 'I', 'D', 0x0d, 'A', 'C', 'P', 'I',
				       '0', '0', '1', '3', 0 };
	static const uint8_t uid[] = { 0x08, '_', 'U', 'I', 'D', 0x0d, 'G', 'E', 'D', 0 };
	uint8_t body[128];
	size_t n = 0;

	memcpy(body + n, hid, sizeof(hid));
	n += sizeof(hid);
	memcpy(body + n, uid, sizeof(uid));
	n += sizeof(uid);
	uint8_t crs[] = { 0x08, '_', 'C', 'R', 'S', 0x11, 0x0e, 0x0a, 0x0b, 0x89, 0x06, 0x00,
			  g->irq_flags, 0x01, 0, 0, 0, 0, 0x79, 0x00 };
	wr32(crs + 14, g->gsi);
	if (g->no_crs_irq) {
		crs[9] = 0x79;   /* End Tag first */
		crs[10] = 0x00;
	}
	memcpy(body + n, crs, sizeof(crs));
	n += sizeof(crs);
	uint8_t reg[] = { 0x5b, 0x80, 'E', 'R', 'E', 'G', g->space, 0x0c, 0, 0, 0, 0, 0x0a, 0x04 };
	wr32(reg + 8, g->evt);
	memcpy(body + n, reg, sizeof(reg));
	n += sizeof(reg);
	memset(body + n, 0xa3, 8);
	n += 8;
	/* Device: ExtOp DeviceOp PkgLength(2 bytes) "GED_" body. */
	size_t len = (size_t)((int)(2 + 4 + n) + g->dev_len_delta);
	o[0] = 0x5b;
	o[1] = 0x82;
	o[2] = (uint8_t)(0x40 | (len & 0x0f));
	o[3] = (uint8_t)(len >> 4);
	memcpy(o + 4, "GED_", 4);
	memcpy(o + 8, body, n);
	return 8 + n;
}

static void ged_platform(const struct ged_spec *g, const char *where)
{
	struct fadt_spec s = { .rev = 5, .len = 268, .flags = ACPI_FADT_HW_REDUCED,
			       .x_dsdt = DSDT_AT, .sleep_space = ACPI_GAS_MEM, .sleep_ctl = 0xfea00200u };
	uint8_t aml[160];
	size_t n = ged_aml(aml, g);
	uint64_t t[] = { FADT_AT, SSDT_AT };

	put_fadt(FADT_AT, &s);
	if (!strcmp(where, "SSDT")) {
		put_dsdt(DSDT_AT, "DSDT", s5_zero, sizeof(s5_zero));
		put_dsdt(SSDT_AT, "SSDT", aml, n);
	} else {
		put_dsdt(DSDT_AT, "DSDT", aml, n);
		put_dsdt(SSDT_AT, "SSDT", s5_zero, sizeof(s5_zero));
	}
	put_platform(t, 2);
	parse_ok();
}

static const struct ged_spec qemu_ged = { .irq_flags = 0x03, .space = 0, .gsi = 9,
					  .evt = 0xfea00000u };

static void test_ged_found(void **state)
{
	struct acpi_pm1_event ev;

	ged_platform(&qemu_ged, "DSDT");
	assert_true(ai.have_ged);
	assert_int_equal(ai.ged_gsi, 9);
	assert_int_equal(ai.ged_irq_flags & (ACPI_IRQ_EDGE | ACPI_IRQ_ACTIVE_LOW), ACPI_IRQ_EDGE);
	assert_int_equal(ai.ged_evt_sel, 0xfea00000u);
	assert_int_equal(acpi_pm1_event_regs(&ai, 0, &ev), -ENODEV); /* hardware-reduced */

	struct ged_spec g = qemu_ged;
	g.irq_flags = 0x05;          /* level, active low */
	g.gsi = 40;
	ged_platform(&g, "SSDT");    /* the DSDT has none: the SSDT's */
	assert_true(ai.have_ged);
	assert_int_equal(ai.ged_gsi, 40);
	assert_int_equal(ai.ged_irq_flags & (ACPI_IRQ_EDGE | ACPI_IRQ_ACTIVE_LOW), ACPI_IRQ_ACTIVE_LOW);
}

static void test_ged_refused(void **state)
{
	struct ged_spec g;

	g = qemu_ged;
	g.no_crs_irq = true;         /* no interrupt in the _CRS */
	ged_platform(&g, "DSDT");
	assert_false(ai.have_ged);
	g = qemu_ged;
	g.space = 1;                 /* SystemIO: not the selector QEMU has */
	ged_platform(&g, "DSDT");
	assert_false(ai.have_ged);
	g = qemu_ged;
	g.evt = 0xfea00002u;         /* not 4-byte aligned */
	ged_platform(&g, "DSDT");
	assert_false(ai.have_ged);
	g = qemu_ged;
	g.evt = 0;
	ged_platform(&g, "DSDT");
	assert_false(ai.have_ged);
	g = qemu_ged;
	g.dev_len_delta = -30;       /* the Device ends before its _CRS */
	ged_platform(&g, "DSDT");
	assert_false(ai.have_ged);
	assert_int_equal(ai.ged_gsi, 0);
	g = qemu_ged;
	g.dev_len_delta = 200;       /* the Device runs past the table: no scope */
	ged_platform(&g, "DSDT");
	assert_false(ai.have_ged);
}

/* Every cut of the GED's bytes: the scan never reads past the table (ASan),
 * and finds the GED only in the whole one. */
static void test_ged_truncated(void **state)
{
	uint8_t aml[160];
	size_t n = ged_aml(aml, &qemu_ged);

	for (size_t cut = 1; cut <= n; cut++) {
		struct fadt_spec s = { .rev = 5, .len = 268, .flags = ACPI_FADT_HW_REDUCED,
				       .x_dsdt = DSDT_AT };
		uint64_t t[] = { FADT_AT };
		put_fadt(FADT_AT, &s);
		put_table(DSDT_AT, "DSDT", 2, aml, (uint32_t)cut);
		put_platform(t, 1);
		parse_ok();
		assert_int_equal(ai.have_ged, cut == n);
	}
}

/* ---- crashes found by tests/fuzz/fuzz_acpi.c become tests here ---- */

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_rsdp_v1_in_bios_area),
		T(test_rsdp_v2_in_ebda_first),
		T(test_rsdp_ebda_beyond_first_kib_not_seen),
		T(test_rsdp_bad_checksums_skipped),
		T(test_rsdp_unmapped_page_skipped),
		T(test_rsdp_v2_length_lies),
		T(test_xsdt_preferred),
		T(test_bad_xsdt_falls_back_to_rsdt),
		T(test_root_errors),
		T(test_root_length_not_multiple),
		T(test_bad_tables_skipped),
		T(test_many_skips_counted),
		T(test_s5_zero_op),
		T(test_s5_byte_prefix),
		T(test_s5_root_prefix_and_wide_ints),
		T(test_s5_long_pkglength_one_op_raw_byte),
		T(test_s5_decoys_then_real),
		T(test_s5_truncated_encodings),
		T(test_s5_one_element),
		T(test_bad_dsdt_then_ssdt),
		T(test_x_fields_preferred),
		T(test_q35_like_fadt),
		T(test_pm1b),
		T(test_hw_reduced_sleep_control),
		T(test_madt),
		T(test_madt_lapic_override),
		T(test_madt_limits),
		T(test_madt_malformed_entries),
		T(test_hpet_and_duplicates),
		T(test_pm1_event_regs),
		T(test_pm1_event_refused),
		T(test_pm1_event_in_memory_wraps),
		T(test_ged_found),
		T(test_ged_refused),
		T(test_ged_truncated),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
