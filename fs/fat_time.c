/* SPDX-License-Identifier: MIT */
/*
 * FAT timestamps: a date (years since 1980, month, day) and a time (hours,
 * minutes, two-second units), plus hundredths for the creation time, in local
 * time, which for Toro is UTC. Years 1980..2107 only: earlier times clamp to
 * the first instant, later ones to the last.
 */
#include "fat_impl.h"

#define NS 1000000000ull
#define DAY 86400ull
#define EPOCH_1980 315532800ull /* 1980-01-01 00:00:00 UTC */

static bool leap(unsigned y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static unsigned mdays(unsigned y, unsigned m)
{
	static const uint8_t d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && leap(y) ? 29 : d[m - 1];
}

void fat_time_encode(uint64_t ns, uint16_t *date, uint16_t *time, uint8_t *tenth)
{
	uint64_t secs = ns / NS;
	unsigned hundredths = (unsigned)(ns % NS / 10000000u);
	if (secs < EPOCH_1980) {
		secs = EPOCH_1980;
		hundredths = 0;
	}
	uint64_t days = (secs - EPOCH_1980) / DAY, rem = (secs - EPOCH_1980) % DAY;
	unsigned y = 1980, m = 1;
	/* Whole four-year cycles first (1980..2099 has a leap day in each);
	 * 2100 is not a leap year, so the last stretch goes year by year. */
	uint64_t cycles = days / 1461 < 30 ? days / 1461 : 30;
	days -= cycles * 1461;
	y += (unsigned)cycles * 4;
	while (y <= 2107 && days >= (leap(y) ? 366u : 365u))
		days -= leap(y) ? 366u : 365u, y++;
	if (y > 2107) {
		*date = (uint16_t)(127 << 9 | 12 << 5 | 31);
		*time = (uint16_t)(23 << 11 | 59 << 5 | 29);
		if (tenth)
			*tenth = 199;
		return;
	}
	while (days >= mdays(y, m))
		days -= mdays(y, m), m++;
	unsigned s = (unsigned)(rem % 60), mi = (unsigned)(rem / 60 % 60), h = (unsigned)(rem / 3600);
	*date = (uint16_t)((y - 1980) << 9 | m << 5 | (unsigned)(days + 1));
	*time = (uint16_t)(h << 11 | mi << 5 | s / 2);
	if (tenth)
		*tenth = (uint8_t)((s % 2) * 100 + hundredths);
}

uint64_t fat_time_decode(uint16_t date, uint16_t time, uint8_t tenth)
{
	unsigned y = 1980 + (date >> 9), m = date >> 5 & 15, d = date & 31;
	unsigned h = time >> 11, mi = time >> 5 & 63, s = (time & 31) * 2;
	/* Damaged fields are clamped into range rather than refused. */
	if (m < 1)
		m = 1;
	if (m > 12)
		m = 12;
	if (d < 1)
		d = 1;
	if (h > 23)
		h = 23;
	if (mi > 59)
		mi = 59;
	if (s > 58)
		s = 58;
	if (tenth > 199)
		tenth = 0;
	uint64_t days = 0;
	for (unsigned i = 1980; i < y; i++)
		days += leap(i) ? 366 : 365;
	for (unsigned i = 1; i < m; i++)
		days += mdays(y, i);
	days += d - 1;
	uint64_t secs = EPOCH_1980 + days * DAY + h * 3600ull + mi * 60ull + s;
	return secs * NS + (uint64_t)tenth * 10000000ull;
}
