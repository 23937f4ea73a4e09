/* SPDX-License-Identifier: MIT */
/*
 * The file allocation table, read and written through the block cache (never
 * loaded whole): 12-, 16- and 28-bit entries, every copy kept in step (unless
 * FAT32's mirroring is off: then the active copy only), free-cluster search
 * from a hint, chain walks bounded by the cluster count. Freeing waits for
 * the write order: fs/fat_free.c.
 */
#include <k/bcache.h>
#include <k/errno.h>

#include "fat_impl.h"

/* Byte offset of entry c within one FAT copy. */
static uint64_t entry_off(const struct fat_vol *v, uint32_t c)
{
	switch (v->g.type) {
	case 12: return c + c / 2;
	case 16: return (uint64_t)c * 2;
	default: return (uint64_t)c * 4;
	}
}

static uint64_t copy_off(const struct fat_vol *v, uint32_t k)
{
	return v->g.fat_start + (uint64_t)k * v->g.fat_bytes;
}

/* The raw bits of entry c in copy k. */
static int raw_get(struct fat_vol *v, uint32_t k, uint32_t c, uint32_t *raw)
{
	uint64_t off = copy_off(v, k) + entry_off(v, c);
	struct buf *b;
	uint8_t *p;
	int err = fat_block(v, off, false, &b, &p);
	if (err)
		return err;
	if (v->g.type == 32) {
		*raw = fat_le32(p);
	} else if (v->g.type == 16) {
		*raw = fat_le16(p);
	} else {
		uint32_t lo = p[0], hi;
		/* A FAT12 entry may straddle two blocks. */
		if ((off + 1) % v->bsize == 0) {
			fat_put(v, b);
			err = fat_block(v, off + 1, false, &b, &p);
			if (err)
				return err;
			hi = p[0];
		} else {
			hi = p[1];
		}
		*raw = (lo | hi << 8) >> (c & 1 ? 4 : 0) & 0xFFF;
	}
	fat_put(v, b);
	return 0;
}

/* Change the bits of entry c in copy k selected by mask (FAT12 as the
 * 16-bit window it sits in). */
static int byte_set(struct fat_vol *v, uint64_t off, uint8_t val, uint8_t mask)
{
	struct buf *b;
	uint8_t *p;
	int err = fat_block(v, off, false, &b, &p);
	if (err)
		return err;
	*p = (uint8_t)((*p & ~mask) | (val & mask));
	fat_dirty(v, b, BC_FAT);
	fat_put(v, b);
	return 0;
}

static int raw_set(struct fat_vol *v, uint32_t k, uint32_t c, uint32_t val)
{
	uint64_t off = copy_off(v, k) + entry_off(v, c);
	if (v->g.type == 12) {
		uint16_t w = (uint16_t)(c & 1 ? (val & 0xFFF) << 4 : val & 0xFFF);
		uint16_t m = c & 1 ? 0xFFF0 : 0x0FFF;
		int err = byte_set(v, off, (uint8_t)w, (uint8_t)m);
		return err ? err : byte_set(v, off + 1, (uint8_t)(w >> 8), (uint8_t)(m >> 8));
	}
	struct buf *b;
	uint8_t *p;
	int err = fat_block(v, off, false, &b, &p);
	if (err)
		return err;
	if (v->g.type == 16)
		fat_put16(p, (uint16_t)val);
	else /* the top four bits are reserved: keep them */
		fat_put32(p, (fat_le32(p) & 0xF0000000u) | (val & 0x0FFFFFFFu));
	fat_dirty(v, b, BC_FAT);
	fat_put(v, b);
	return 0;
}

static uint32_t normalise(const struct fat_vol *v, uint32_t raw)
{
	uint32_t bad = v->g.type == 12 ? 0xFF7 : v->g.type == 16 ? 0xFFF7 : 0x0FFFFFF7;
	raw &= 0x0FFFFFFF;
	if (raw > bad)
		return FAT_EOC;
	return raw == bad ? FAT_BAD : raw;
}

int fat_get(struct fat_vol *v, uint32_t c, uint32_t *val)
{
	uint32_t raw;
	if (!fat_clus_ok(v, c))
		return -EIO;
	int err = raw_get(v, v->g.active_fat, c, &raw);
	if (err)
		return err;
	*val = normalise(v, raw);
	return 0;
}

int fat_set(struct fat_vol *v, uint32_t c, uint32_t val)
{
	if (!fat_clus_ok(v, c))
		return -EIO;
	uint32_t raw = val;
	if (val == FAT_EOC)
		raw = v->g.type == 12 ? 0xFFF : v->g.type == 16 ? 0xFFFF : 0x0FFFFFFF;
	for (uint32_t k = 0; k < v->g.nfats; k++) {
		if (!v->g.mirror && k != v->g.active_fat)
			continue;
		int err = raw_set(v, k, c, raw);
		if (err)
			return err;
	}
	return 0;
}

/* ---- search ---- */

/* Walk entries from..to (inclusive) in order, a FAT block at a time for
 * FAT16/32 (FAT12 entries straddle blocks: one at a time). Stops at the
 * first free one when *found is wanted; counts the free ones otherwise. */
static int scan(struct fat_vol *v, uint32_t from, uint32_t to, uint32_t *found, uint32_t *nfree)
{
	unsigned w = v->g.type / 8; /* bytes per entry for FAT16/32 */
	for (uint32_t c = from; c <= to;) {
		if (v->g.type == 12) {
			uint32_t val;
			int err = fat_get(v, c, &val);
			if (err)
				return err;
			if (val == FAT_FREE) {
				if (found) {
					*found = c;
					return 0;
				}
				(*nfree)++;
			}
			c++;
			continue;
		}
		uint64_t off = copy_off(v, v->g.active_fat) + entry_off(v, c);
		struct buf *b;
		uint8_t *p;
		int err = fat_block(v, off, false, &b, &p);
		if (err)
			return err;
		uint32_t in_block = (uint32_t)((v->bsize - off % v->bsize) / w);
		uint32_t n = to - c + 1 < in_block ? to - c + 1 : in_block;
		for (uint32_t i = 0; i < n; i++, p += w) {
			uint32_t raw = w == 2 ? fat_le16(p) : fat_le32(p) & 0x0FFFFFFF;
			if (raw != 0)
				continue;
			if (found) {
				*found = c + i;
				fat_put(v, b);
				return 0;
			}
			(*nfree)++;
		}
		fat_put(v, b);
		c += n;
	}
	return 0;
}

/* The first free cluster in [from, to]: 0 if none. */
static int search(struct fat_vol *v, uint32_t from, uint32_t to, uint32_t *found)
{
	*found = 0;
	return scan(v, from, to, found, NULL);
}

static int search_all(struct fat_vol *v, uint32_t near, uint32_t *found)
{
	uint32_t max = v->g.nclusters + 1;
	uint32_t val;
	int err;
	if (fat_clus_ok(v, near)) {
		err = fat_get(v, near, &val);
		if (err)
			return err;
		if (val == FAT_FREE) {
			*found = near;
			return 0;
		}
	}
	uint32_t from = fat_clus_ok(v, v->next_free) ? v->next_free : 2;
	err = search(v, from, max, found);
	if (err || *found || from == 2)
		return err;
	return search(v, 2, from - 1, found);
}

int fat_alloc(struct fat_vol *v, uint32_t near, uint32_t *out)
{
	bool waiting = v->npend || v->trims;
	if (v->free_known && v->free_count == 0 && !waiting)
		return -ENOSPC;
	/* Released clusters become free only after a write-back; truncated
	 * chains are cut only after one, and their tails freed after the
	 * next: up to two write-backs before the disk is really full. */
	for (int attempt = 0; attempt < 3; attempt++) {
		uint32_t c;
		int err = search_all(v, near, &c);
		if (err)
			return err;
		if (c) {
			err = fat_set(v, c, FAT_EOC);
			if (err)
				return err;
			if (v->free_known && v->free_count > 0)
				v->free_count--;
			v->next_free = c + 1;
			*out = c;
			return 0;
		}
		if (!v->npend && !v->trims)
			break;
		err = fat_flush(v);
		if (err)
			return err;
	}
	/* A full scan found nothing: whatever the count said, it is 0. */
	v->free_known = true;
	v->free_count = 0;
	return -ENOSPC;
}

int fat_chain_walk(struct fat_vol *v, uint32_t start, uint32_t strict, struct fat_walk *w)
{
	/* Brent's cycle check: `saved` jumps ahead at powers of two, so a loop
	 * is found within twice its length instead of after nclusters steps. */
	uint32_t cur = start, saved = start, power = 1, lam = 0, count = 1;
	w->cut = false;
	if (!fat_clus_ok(v, start))
		return -EIO;
	for (;;) {
		uint32_t next;
		int err = fat_get(v, cur, &next);
		if (err)
			return err;
		if (next == FAT_EOC)
			break;
		if (!fat_clus_ok(v, next)) {
			if (count < strict)
				return -EIO;
			w->cut = true;
			break;
		}
		if (next == saved || count >= v->g.nclusters)
			return -EIO;
		if (++lam == power) {
			saved = next;
			power <<= 1;
			lam = 0;
		}
		cur = next;
		count++;
	}
	w->n = count;
	w->tail = cur;
	return 0;
}

int fat_count_free(struct fat_vol *v)
{
	uint32_t n = 0;
	int err = scan(v, 2, v->g.nclusters + 1, NULL, &n);
	if (err)
		return err;
	v->free_count = n;
	v->free_known = true;
	return 0;
}
