// sources: drivers/acpi.c tests/unit/host_stubs.c
/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for drivers/acpi.c: the input becomes a fake physical memory
 * holding an RSDP and tables, then acpi_find_rsdp, acpi_parse, acpi_s5_plan
 * and acpi_pm1_event_regs run over it (acpi_parse scans the DSDT and SSDTs
 * for _S5_ and the Generic Event Device). Each map call returns an exact-size heap copy, so ASan reports
 * any read past what the parser mapped. Input format: see the comment below.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <k/acpi.h>

/*
 * Byte 0 is a set of flags, byte 1 a knob; the rest depends on F_RAW:
 *  - raw: the rest is copied to the BIOS area at 0xE0000 as is (tables may
 *    point anywhere into it); acpi_parse also runs on 0xE0000 directly.
 *  - structured: the rest is a list of blobs, each a 2-byte little-endian
 *    length and that many bytes. The harness lays them out from 1 MiB, lists
 *    them in an RSDT and/or XSDT, writes an RSDP, and (unless told not to)
 *    sets each blob's Length and checksum, so mutations reach the table parsers
 *    instead of dying at the checksum.
 */
#define F_XSDT 0x01          /* RSDP revision 2 with an XSDT */
#define F_BOTH 0x02          /* with F_XSDT: an RSDT too */
#define F_EBDA 0x04          /* RSDP in the EBDA, else in the BIOS area */
#define F_KEEP_LEN 0x08      /* leave blob Length fields as given */
#define F_KEEP_SUM 0x10      /* leave blob checksums as given */
#define F_LINK_DSDT 0x20     /* point each FACP blob's DSDT at the next blob */
#define F_BAD_ROOT 0x40      /* break the root tables' checksums */
#define F_RAW 0x80

#define BDA_BASE 0x400u
#define EBDA_BASE 0x9fc00u
#define EBDA_SIZE 0x400u
#define BIOS_BASE 0xe0000u
#define BIOS_SIZE 0x20000u
#define TABLE_BASE 0x100000u
#define MAX_BLOBS 16
#define MAX_COPIES 4096

struct region {
	uint64_t base;
	size_t size;
	const uint8_t *p;
};

struct fmem {
	struct region r[4];
	unsigned nr;
	void *copies[MAX_COPIES];
	unsigned ncopies;
};

static bool verbose;
static uint8_t bda[0x100];
static uint8_t ebda[EBDA_SIZE];
static uint8_t bios[BIOS_SIZE];

static const void *fuzz_map(void *ctx, uint64_t phys, size_t len)
{
	struct fmem *m = ctx;

	if (len == 0 || phys + len < phys || m->ncopies == MAX_COPIES)
		return NULL;
	for (unsigned i = 0; i < m->nr; i++) {
		const struct region *r = &m->r[i];
		void *c;

		if (phys < r->base || phys - r->base > r->size || len > r->size - (phys - r->base))
			continue;
		c = malloc(len);
		if (!c)
			return NULL;
		memcpy(c, r->p + (phys - r->base), len);
		m->copies[m->ncopies++] = c;
		return c;
	}
	return NULL;
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

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void fix_sum(uint8_t *p, size_t len, size_t at)
{
	uint8_t s = 0;

	p[at] = 0;
	for (size_t i = 0; i < len; i++)
		s += p[i];
	p[at] = (uint8_t)-s;
}

static void put_header(uint8_t *t, const char *sig, uint32_t len)
{
	memset(t, 0, 36);
	memcpy(t, sig, 4);
	wr32(t + 4, len);
	t[8] = 1;
}

/* Check what the parser promises, whatever the input. */
static void check(const struct acpi_info *ai, int rc)
{
	struct acpi_s5_write w;
	int prc = acpi_s5_plan(ai, &w);

	if (ai->ncpus > ACPI_MAX_CPUS || ai->nioapics > ACPI_MAX_IOAPICS ||
	    ai->noverrides > ACPI_MAX_OVERRIDES)
		__builtin_trap();
	if (prc == 0) {
		if (w.count < 1 || w.count > 2 || !ai->have_s5)
			__builtin_trap();
		for (unsigned i = 0; i < w.count; i++) {
			const struct acpi_reg_write *x = &w.w[i];

			if (x->address == 0 || (x->width != 8 && x->width != 16 && x->width != 32))
				__builtin_trap();
			if (x->space_id == ACPI_GAS_IO ? x->address > 0xffff : x->space_id != ACPI_GAS_MEM)
				__builtin_trap();
		}
	} else if (w.count != 0) {
		__builtin_trap();
	}
	/* The power button's registers: 16 bits each, enable after status, both
	 * inside the port space when I/O; a GED only with a selector address. */
	for (int i = 0; i < 2; i++) {
		struct acpi_pm1_event ev;
		if (acpi_pm1_event_regs(ai, i, &ev) != 0)
			continue;
		if (ev.sts.address == 0 || ev.en.address <= ev.sts.address || ev.sts.bit_width != 16 ||
		    (ev.sts.space_id == ACPI_GAS_IO && ev.en.address + 2 > 0x10000))
			__builtin_trap();
	}
	if (ai->have_ged && (ai->ged_evt_sel == 0 || (ai->ged_evt_sel & 3)))
		__builtin_trap();
	if (verbose)
		printf("parse %d: fadt %d s5 %d (%u,%u) cpus %u ioapics %u isos %u hpet %d ged %d skips %u "
		       "plan %d\n", rc, ai->have_fadt, ai->have_s5, ai->slp_typa, ai->slp_typb, ai->ncpus,
		       ai->nioapics, ai->noverrides, ai->have_hpet, ai->have_ged, ai->nskips, prc);
}

static void run(struct fmem *m, uint64_t direct)
{
	static struct acpi_info ai;
	uint64_t rsdp = 0;
	int rc;

	if (acpi_find_rsdp(fuzz_map, m, &rsdp) == 0) {
		rc = acpi_parse(&ai, rsdp, fuzz_map, m);
		check(&ai, rc);
	}
	if (direct && direct != rsdp) {
		rc = acpi_parse(&ai, direct, fuzz_map, m);
		check(&ai, rc);
	}
}

static void regions_low(struct fmem *m)
{
	m->nr = 0;
	m->r[m->nr++] = (struct region){ BDA_BASE, sizeof(bda), bda };
	m->r[m->nr++] = (struct region){ EBDA_BASE, sizeof(ebda), ebda };
	m->r[m->nr++] = (struct region){ BIOS_BASE, sizeof(bios), bios };
	bda[0x0e] = (uint8_t)(EBDA_BASE >> 4);
	bda[0x0f] = (uint8_t)(EBDA_BASE >> 12);
}

static void do_raw(struct fmem *m, const uint8_t *d, size_t n)
{
	size_t k = n < BIOS_SIZE ? n : BIOS_SIZE;

	regions_low(m);
	memcpy(bios, d, k);
	run(m, BIOS_BASE);
	memset(bios, 0, k);
}

/* Lay blobs out from TABLE_BASE at 16-byte steps; roots after them. */
static void do_structured(struct fmem *m, uint8_t flags, uint8_t knob, const uint8_t *d, size_t n)
{
	size_t off[MAX_BLOBS], len[MAX_BLOBS], nb = 0, size = 0, pos = 0;
	size_t rsdt_at, xsdt_at, rlen, xlen;
	uint8_t *arena, *area, *rp;
	size_t slot, area_size;

	while (nb < MAX_BLOBS && pos + 2 <= n) {
		size_t l = d[pos] | (size_t)d[pos + 1] << 8;

		pos += 2;
		if (l > n - pos)
			l = n - pos;
		off[nb] = size;
		len[nb] = l;
		size += (l + 15) & ~(size_t)15;
		pos += l;
		nb++;
	}
	rsdt_at = size;
	rlen = 36 + 4 * nb;
	xsdt_at = (rsdt_at + rlen + 15) & ~(size_t)15;
	xlen = 36 + 8 * nb;
	size = xsdt_at + xlen;
	arena = calloc(1, size);
	if (!arena)
		return;
	for (size_t i = 0, p = 0; i < nb; i++) {
		memcpy(arena + off[i], d + p + 2, len[i]);
		p += 2 + len[i];
	}
	for (size_t i = 0; i < nb; i++) {
		uint8_t *t = arena + off[i];
		uint32_t dl;

		if ((flags & F_LINK_DSDT) && len[i] >= 44 && memcmp(t, "FACP", 4) == 0) {
			uint64_t next = i + 1 < nb ? TABLE_BASE + off[i + 1] : 0;

			wr32(t + 40, (uint32_t)next);
			if (len[i] >= 148)
				wr64(t + 140, next);
		}
		if (!(flags & F_KEEP_LEN) && len[i] >= 8)
			wr32(t + 4, (uint32_t)len[i]);
		dl = len[i] >= 8 ? rd32(t + 4) : 0;
		if (!(flags & F_KEEP_SUM) && len[i] >= 10 && dl >= 10 && dl <= len[i])
			fix_sum(t, dl, 9);
	}
	put_header(arena + rsdt_at, "RSDT", (uint32_t)rlen);
	put_header(arena + xsdt_at, "XSDT", (uint32_t)xlen);
	for (size_t i = 0; i < nb; i++) {
		wr32(arena + rsdt_at + 36 + 4 * i, (uint32_t)(TABLE_BASE + off[i]));
		wr64(arena + xsdt_at + 36 + 8 * i, TABLE_BASE + off[i]);
	}
	fix_sum(arena + rsdt_at, rlen, 9);
	fix_sum(arena + xsdt_at, xlen, 9);
	if (flags & F_BAD_ROOT) {
		arena[rsdt_at + 9] ^= 1;
		arena[xsdt_at + 9] ^= 1;
	}

	regions_low(m);
	m->r[m->nr++] = (struct region){ TABLE_BASE, size, arena };
	area = flags & F_EBDA ? ebda : bios;
	area_size = flags & F_EBDA ? EBDA_SIZE : BIOS_SIZE;
	slot = ((size_t)knob * 16) % (area_size - 48);
	rp = area + slot;
	memcpy(rp, "RSD PTR ", 8);
	rp[15] = flags & F_XSDT ? 2 : 0;
	wr32(rp + 16, !(flags & F_XSDT) || (flags & F_BOTH) ? (uint32_t)(TABLE_BASE + rsdt_at) : 0);
	fix_sum(rp, 20, 8);
	if (flags & F_XSDT) {
		wr32(rp + 20, 36);
		wr64(rp + 24, TABLE_BASE + xsdt_at);
		fix_sum(rp, 36, 32);
	}
	run(m, 0);
	memset(rp, 0, 36);
	free(arena);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* The parser logs every refused table through kprintf (stdout): keep it
	 * only when asked, with a summary of each parse. */
	verbose = getenv("ACPI_FUZZ_VERBOSE") != NULL;
	if (!verbose && !freopen("/dev/null", "w", stdout))
		return 0;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fmem m;

	if (size < 2)
		return 0;
	m.ncopies = 0;
	if (data[0] & F_RAW)
		do_raw(&m, data + 2, size - 2);
	else
		do_structured(&m, data[0], data[1], data + 2, size - 2);
	for (unsigned i = 0; i < m.ncopies; i++)
		free(m.copies[i]);
	return 0;
}
