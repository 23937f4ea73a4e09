/* SPDX-License-Identifier: MIT */
/*
 * The MP table the loader test image writes (Intel MultiProcessor
 * Specification 1.4, chapter 4): floating pointer (16 bytes, "_MP_"), then
 * the configuration table ("PCMP", 44-byte header) and its entries:
 * processor (type 0, 20 bytes), bus (1, 8), IO-APIC (2, 8), I/O interrupt
 * (3, 8), local interrupt (4, 8). Both checksums make their bytes sum to 0.
 */
#include "mptable_fc.h"

#define LAPIC 0xfee00000u
#define IOAPIC 0xfec00000u

static uint8_t *put(uint8_t *p, const void *src, int n)
{
	const uint8_t *s = src;
	for (int i = 0; i < n; i++)
		p[i] = s[i];
	return p + n;
}

static uint8_t sum(const uint8_t *p, int n)
{
	uint8_t s = 0;
	for (int i = 0; i < n; i++)
		s += p[i];
	return s;
}

static uint8_t *entry8(uint8_t *p, uint8_t a, uint8_t b, uint8_t c, uint8_t d,
		       uint8_t e, uint8_t f, uint8_t g, uint8_t h)
{
	const uint8_t v[8] = { a, b, c, d, e, f, g, h };
	return put(p, v, 8);
}

void mp_write(uint32_t at, int ncpus)
{
	uint8_t *fp = (uint8_t *)at, *ct = fp + 16, *p = ct + 44;
	uint16_t count = 0;
	for (int i = 0; i < 16 + 44; i++)
		fp[i] = 0;
	for (int i = 0; i < ncpus; i++, count++) {
		uint8_t e[20] = { 0, (uint8_t)i, 0x14, (uint8_t)(1 | (i == 0 ? 2 : 0)) };
		e[4] = 0x00; /* CPU signature: family 6 (bytes 4-7) */
		e[5] = 0x06;
		p = put(p, e, 20);
	}
	p = put(p, (const uint8_t[8]){ 1, 0, 'I', 'S', 'A', ' ', ' ', ' ' }, 8), count++;
	uint8_t ioapic_id = (uint8_t)(ncpus + 1);
	p = entry8(p, 2, ioapic_id, 0x11, 1, IOAPIC & 0xff, (IOAPIC >> 8) & 0xff,
		   (IOAPIC >> 16) & 0xff, IOAPIC >> 24), count++;
	for (int irq = 0; irq < 24; irq++, count++)
		p = entry8(p, 3, 0, 0, 0, 0, (uint8_t)irq, ioapic_id, (uint8_t)irq);
	p = entry8(p, 4, 3, 0, 0, 0, 0, 0, 0), count++;    /* ExtINT -> LINT0 */
	p = entry8(p, 4, 1, 0, 0, 0, 0, 0xff, 1), count++; /* NMI -> LINT1 */

	uint16_t len = (uint16_t)(p - ct);
	put(ct, "PCMP", 4);
	ct[4] = (uint8_t)len;
	ct[5] = (uint8_t)(len >> 8);
	ct[6] = 4; /* spec revision 1.4 */
	put(ct + 8, "TORO    ", 8);
	put(ct + 16, "FCLOADER    ", 12);
	ct[34] = (uint8_t)count;
	ct[35] = (uint8_t)(count >> 8);
	const uint32_t lapic = LAPIC;
	put(ct + 36, &lapic, 4);
	ct[7] = (uint8_t)-sum(ct, len);

	put(fp, "_MP_", 4);
	const uint32_t ctp = at + 16;
	put(fp + 4, &ctp, 4);
	fp[8] = 1; /* length in 16-byte units */
	fp[9] = 4;
	fp[10] = (uint8_t)-sum(fp, 16);
}
