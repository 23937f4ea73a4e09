/* SPDX-License-Identifier: MIT */
/*
 * A small consistency check of a FAT image in memory, for the FAT fuzz
 * harnesses and tests (fat_check.h): its own reading of the boot sector,
 * directories and chains, sharing with fs/fat*.c only the layout constants
 * and the long-name assembly.
 */
#include "fat_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../fs/fat_impl.h"

struct fc {
	const uint8_t *img;
	size_t len;
	unsigned flags;
	unsigned type;
	uint32_t bps, csize, nclusters, nfats, fat_bytes, root_slots, root_clus;
	uint64_t fat_start, root_start, data_start;
	uint8_t *used;
	char *msg;
};

static const char *bad(struct fc *f, const char *fmt, unsigned a, unsigned b)
{
	snprintf(f->msg, 200, fmt, a, b);
	return f->msg;
}

static uint32_t entry(struct fc *f, uint32_t c)
{
	const uint8_t *p = f->img + f->fat_start;
	if (f->type == 32)
		return fat_le32(p + c * 4ull) & 0x0FFFFFFF;
	if (f->type == 16)
		return fat_le16(p + c * 2ull);
	uint16_t w = fat_le16(p + c + c / 2);
	return c & 1 ? w >> 4 : w & 0xFFF;
}

static bool is_eoc(struct fc *f, uint32_t v)
{
	return v >= (f->type == 12 ? 0xFF8u : f->type == 16 ? 0xFFF8u : 0x0FFFFFF8u);
}

static uint64_t clus_off(struct fc *f, uint32_t c)
{
	return f->data_start + (uint64_t)(c - 2) * f->csize;
}

/* Mark the chain from start; its length in *n. */
static const char *chain(struct fc *f, uint32_t start, uint32_t *n, uint32_t *clusters, uint32_t max)
{
	*n = 0;
	for (uint32_t c = start;;) {
		if (c < 2 || c > f->nclusters + 1)
			return bad(f, "cluster %u out of range in the chain from %u", c, start);
		if (f->used[c])
			return bad(f, "cluster %u used twice (chain from %u)", c, start);
		f->used[c] = 1;
		if (clusters && *n < max)
			clusters[*n] = c;
		(*n)++;
		uint32_t v = entry(f, c);
		if (is_eoc(f, v))
			return NULL;
		c = v;
	}
}

static uint16_t fold(uint16_t c) { return c >= 'a' && c <= 'z' ? (uint16_t)(c - 32) : c; }

#define NAMES_MAX 1024 /* names compared per directory */
struct names {
	uint8_t sfn[NAMES_MAX][11];
	uint16_t lfn[NAMES_MAX][FAT_LFN_MAX + 1];
	unsigned n;
};

static const char *walk_dir(struct fc *f, uint32_t clu, uint32_t parent, int depth);

/* One directory's slots: at most `slots` at the offsets slot_off gives. */
static const char *dir_slots(struct fc *f, const uint64_t *offs, uint32_t nslots, uint32_t self,
			     uint32_t parent, int depth)
{
	struct names *nm = calloc(1, sizeof(*nm));
	struct fat_lfn_acc acc;
	const char *err = NULL;
	fat_lfn_reset(&acc);
	for (uint32_t i = 0; i < nslots && !err; i++) {
		const uint8_t *e = f->img + offs[i];
		if (e[0] == DE_FREE_ALL)
			break;
		if (e[0] == DE_DELETED) {
			fat_lfn_reset(&acc);
			continue;
		}
		if ((e[DE_ATTR] & ATTR_LFN_MASK) == ATTR_LFN) {
			fat_lfn_feed(&acc, e);
			continue;
		}
		uint16_t lfn[FAT_LFN_MAX + 1];
		bool had = acc.total > 0;
		size_t ln = fat_lfn_finish(&acc, e, lfn);
		if (had && ln == 0)
			err = bad(f, "slot %u: long name slots that do not fit (dir cluster %u)", i, self);
		if (e[DE_ATTR] & ATTR_VOLUME)
			continue;
		uint32_t c = (uint32_t)fat_le16(e + DE_CLUS_LO) |
			     (f->type == 32 ? (uint32_t)fat_le16(e + DE_CLUS_HI) << 16 : 0);
		if (e[0] == '.') {
			uint32_t want = e[1] == '.' ? parent : self;
			if (self && c != want)
				err = bad(f, "'.' or '..' points at %u, not %u", c, want);
			continue;
		}
		for (unsigned k = 0; k < nm->n && !err; k++) {
			if (!memcmp(nm->sfn[k], e, 11))
				err = bad(f, "short name used twice (slot %u, dir cluster %u)", i, self);
			size_t a = 0;
			while (a <= FAT_LFN_MAX && nm->lfn[k][a])
				a++;
			if (ln && a == ln) {
				size_t j = 0;
				while (j < ln && fold(nm->lfn[k][j]) == fold(lfn[j]))
					j++;
				if (j == ln)
					err = bad(f, "long name used twice (slot %u, dir cluster %u)", i, self);
			}
		}
		if (nm->n < NAMES_MAX) {
			memcpy(nm->sfn[nm->n], e, 11);
			memcpy(nm->lfn[nm->n], lfn, ln * 2);
			nm->lfn[nm->n][ln] = 0;
			nm->n++;
		}
		if (err)
			break;
		uint32_t n;
		if (e[DE_ATTR] & ATTR_DIR) {
			if (c == 0)
				err = bad(f, "subdirectory without a cluster (slot %u)", i, 0);
			else
				err = walk_dir(f, c, self, depth + 1);
		} else if (c == 0) {
			if (fat_le32(e + DE_SIZE))
				err = bad(f, "a file of %u bytes without a cluster", fat_le32(e + DE_SIZE), 0);
		} else if (!(err = chain(f, c, &n, NULL, 0))) {
			uint64_t need = ((uint64_t)fat_le32(e + DE_SIZE) + f->csize - 1) / f->csize;
			if (need != n)
				err = bad(f, "a chain of %u clusters for %u bytes", n, fat_le32(e + DE_SIZE));
		}
	}
	free(nm);
	return err;
}

static const char *walk_dir(struct fc *f, uint32_t clu, uint32_t parent, int depth)
{
	if (depth > 64)
		return bad(f, "directories nested deeper than %u", 64, 0);
	uint32_t clusters[2048], n;
	const char *err = chain(f, clu, &n, clusters, 2048);
	if (err)
		return err;
	uint32_t per = f->csize / FAT_DIRENT, nslots = n * per;
	if (n > 2048)
		return bad(f, "a directory of %u clusters", n, 0);
	uint64_t *offs = malloc(nslots * sizeof(*offs));
	for (uint32_t i = 0; i < nslots; i++)
		offs[i] = clus_off(f, clusters[i / per]) + (uint64_t)(i % per) * FAT_DIRENT;
	err = dir_slots(f, offs, nslots, clu, parent == f->root_clus ? 0 : parent, depth);
	free(offs);
	return err;
}

static const char *geometry(struct fc *f)
{
	const uint8_t *bs = f->img;
	f->bps = fat_le16(bs + BPB_BYTS_PER_SEC);
	f->csize = f->bps * bs[BPB_SEC_PER_CLUS];
	f->nfats = bs[BPB_NUM_FATS];
	f->root_slots = fat_le16(bs + BPB_ROOT_ENT_CNT);
	uint32_t tot = fat_le16(bs + BPB_TOT_SEC16) ? fat_le16(bs + BPB_TOT_SEC16)
						    : fat_le32(bs + BPB_TOT_SEC32);
	uint32_t fatsz = fat_le16(bs + BPB_FAT_SZ16) ? fat_le16(bs + BPB_FAT_SZ16)
						     : fat_le32(bs + BPB_FAT_SZ32);
	if (f->bps < 512 || !f->csize || !fatsz || !f->nfats)
		return bad(f, "boot sector: bps %u, fat size %u", f->bps, fatsz);
	f->fat_bytes = fatsz * f->bps;
	f->fat_start = (uint64_t)fat_le16(bs + BPB_RSVD_SEC_CNT) * f->bps;
	f->root_start = f->fat_start + (uint64_t)f->nfats * f->fat_bytes;
	f->data_start = f->root_start + (uint64_t)f->root_slots * FAT_DIRENT;
	f->nclusters = (uint32_t)(((uint64_t)tot * f->bps - f->data_start) / f->csize);
	f->type = f->nclusters < 4085 ? 12 : f->nclusters < 65525 ? 16 : 32;
	f->root_clus = f->type == 32 ? fat_le32(bs + BPB_ROOT_CLUS) : 0;
	if ((uint64_t)tot * f->bps > f->len)
		return bad(f, "volume beyond the image", 0, 0);
	return NULL;
}

/* Copies in step, no lost clusters, an honest FSInfo, a clean state. */
static const char *totals(struct fc *f)
{
	for (uint32_t k = 1; k < f->nfats; k++)
		if (memcmp(f->img + f->fat_start, f->img + f->fat_start + (uint64_t)k * f->fat_bytes,
			   f->fat_bytes))
			return bad(f, "FAT copy %u differs from the first", k, 0);
	uint32_t nfree = 0;
	for (uint32_t c = 2; c <= f->nclusters + 1; c++) {
		uint32_t v = entry(f, c);
		nfree += v == 0;
		if (v != 0 && !f->used[c] && !(f->flags & FC_ALLOW_LOST) &&
		    v != (f->type == 12 ? 0xFF7u : f->type == 16 ? 0xFFF7u : 0x0FFFFFF7u))
			return bad(f, "cluster %u is allocated but no file has it (lost)", c, 0);
		if (v == 0 && f->used[c])
			return bad(f, "cluster %u is in a chain but free", c, 0);
	}
	uint32_t state = f->type == 32 ? BS_STATE32 : BS_STATE16;
	if (!(f->flags & FC_ALLOW_DIRTY) && (f->img[state] & BS_STATE_DIRTY))
		return bad(f, "the dirty bit is set", 0, 0);
	if (f->type == 32 && !(f->flags & FC_ALLOW_LOST)) {
		const uint8_t *fsi = f->img + (uint64_t)fat_le16(f->img + BPB_FS_INFO) * f->bps;
		uint32_t said = fat_le32(fsi + FSI_FREE_COUNT);
		if (fat_le32(fsi) == FSI_LEAD_VAL && said != FSI_UNKNOWN && said != nfree)
			return bad(f, "FSInfo says %u free clusters, the FAT %u", said, nfree);
	}
	return NULL;
}

const char *fat_check(const uint8_t *img, size_t len, unsigned flags)
{
	static char msg[200];
	struct fc f = {.img = img, .len = len, .flags = flags, .msg = msg};
	const char *err = geometry(&f);
	if (err)
		return err;
	f.used = calloc(f.nclusters + 2, 1);
	if (f.type == 32) {
		err = walk_dir(&f, f.root_clus, f.root_clus, 0);
	} else {
		uint64_t *offs = malloc(f.root_slots * sizeof(*offs));
		for (uint32_t i = 0; i < f.root_slots; i++)
			offs[i] = f.root_start + (uint64_t)i * FAT_DIRENT;
		err = dir_slots(&f, offs, f.root_slots, 0, 0, 0);
		free(offs);
	}
	if (!err)
		err = totals(&f);
	free(f.used);
	return err;
}
