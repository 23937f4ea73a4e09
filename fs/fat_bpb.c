/* SPDX-License-Identifier: MIT */
/*
 * The FAT boot sector (BPB): every field checked before the volume is used,
 * the FAT type decided by the cluster count as the Microsoft specification
 * says (section 3.5; never by the label string), and the block size the cache
 * uses for the volume.
 */
#include <k/errno.h>
#include <k/string.h>

#include "fat_impl.h"

static bool pow2(uint32_t x) { return x && !(x & (x - 1)); }

/* Media descriptor values the specification allows. */
static bool media_ok(uint8_t m) { return m == 0xF0 || m >= 0xF8; }

struct raw_bpb {
	uint32_t bps, spc, rsvd, nfats, root_ents, tot, fatsz16, fatsz32, fatsz;
};

static int read_raw(const uint8_t *bs, struct raw_bpb *r, const char **why)
{
	if (bs[BS_SIGNATURE] != 0x55 || bs[BS_SIGNATURE + 1] != 0xAA)
		return *why = "no boot sector signature (0x55 0xAA)", -EINVAL;
	r->bps = fat_le16(bs + BPB_BYTS_PER_SEC);
	r->spc = bs[BPB_SEC_PER_CLUS];
	r->rsvd = fat_le16(bs + BPB_RSVD_SEC_CNT);
	r->nfats = bs[BPB_NUM_FATS];
	r->root_ents = fat_le16(bs + BPB_ROOT_ENT_CNT);
	r->tot = fat_le16(bs + BPB_TOT_SEC16);
	if (r->tot == 0)
		r->tot = fat_le32(bs + BPB_TOT_SEC32);
	r->fatsz16 = fat_le16(bs + BPB_FAT_SZ16);
	r->fatsz32 = fat_le32(bs + BPB_FAT_SZ32);
	r->fatsz = r->fatsz16 ? r->fatsz16 : r->fatsz32;

	if (r->bps < 512 || r->bps > 4096 || !pow2(r->bps))
		return *why = "bytes per sector is not a power of two in 512..4096", -EINVAL;
	if (!pow2(r->spc))
		return *why = "sectors per cluster is not a power of two in 1..128", -EINVAL;
	if ((uint64_t)r->spc * r->bps > 256 * 1024)
		return *why = "clusters larger than 256 KiB", -EINVAL;
	if (r->rsvd == 0)
		return *why = "reserved sector count is 0", -EINVAL;
	if (r->nfats == 0)
		return *why = "number of FATs is 0", -EINVAL;
	if (!media_ok(bs[BPB_MEDIA]))
		return *why = "bad media descriptor", -EINVAL;
	if (r->tot == 0)
		return *why = "total sector count is 0", -EINVAL;
	if (r->fatsz == 0)
		return *why = "FAT size is 0", -EINVAL;
	if ((r->root_ents * FAT_DIRENT) % r->bps)
		return *why = "root directory entries do not fill whole sectors", -EINVAL;
	return 0;
}

/* FAT32 fields; also the rule that FAT32 has no fixed root and no 16-bit
 * FAT size, FAT12/16 no 32-bit one. */
static int read_fat32(const uint8_t *bs, const struct raw_bpb *r, struct fat_geom *g,
		      const char **why)
{
	if (r->fatsz16 != 0 || r->root_ents != 0)
		return *why = "FAT32 by cluster count but has FAT12/16 fields", -EINVAL;
	if (fat_le16(bs + BPB_FS_VER) != 0)
		return *why = "unknown FAT32 version", -EINVAL;
	uint16_t ext = fat_le16(bs + BPB_EXT_FLAGS);
	g->mirror = !(ext & 0x80);
	g->active_fat = g->mirror ? 0 : ext & 0x0F;
	if (g->active_fat >= g->nfats)
		return *why = "active FAT number beyond the FAT count", -EINVAL;
	g->root_clus = fat_le32(bs + BPB_ROOT_CLUS);
	if (g->root_clus < 2 || g->root_clus > g->nclusters + 1)
		return *why = "root directory cluster outside the volume", -EINVAL;
	uint32_t fsi = fat_le16(bs + BPB_FS_INFO);
	g->fsinfo_sec = fsi >= 1 && fsi < r->rsvd ? fsi : 0;
	g->state_off = BS_STATE32;
	g->serial = fat_le32(bs + BS_VOL_ID32);
	g->vvfat = !memcmp(bs + BS_LABEL32, "QEMU VVFAT", 10);
	return 0;
}

int fat_geom_parse(const uint8_t *bs, uint64_t dev_bytes, struct fat_geom *g, const char **why)
{
	struct raw_bpb r;
	int err = read_raw(bs, &r, why);
	if (err)
		return err;

	*g = (struct fat_geom){0};
	g->bps = r.bps;
	g->csize = r.bps * r.spc;
	g->nfats = r.nfats;
	uint64_t root_secs = (uint64_t)r.root_ents * FAT_DIRENT / r.bps;
	uint64_t meta = (uint64_t)r.rsvd + (uint64_t)r.nfats * r.fatsz + root_secs;
	if (meta >= r.tot)
		return *why = "no room for data after the FATs and root directory", -EINVAL;
	uint64_t clusters = (r.tot - meta) / r.spc;
	if (clusters == 0)
		return *why = "no data clusters", -EINVAL;
	/* Microsoft's rule: the count alone decides. */
	g->type = clusters < 4085 ? 12 : clusters < 65525 ? 16 : 32;
	if (clusters > 0x0FFFFFF4)
		return *why = "more clusters than FAT32 can number", -EINVAL;
	g->nclusters = (uint32_t)clusters;

	uint64_t fat_bytes = (uint64_t)r.fatsz * r.bps;
	uint64_t need = g->type == 12 ? ((clusters + 2) * 3 + 1) / 2
				      : (clusters + 2) * (g->type / 8);
	if (fat_bytes < need)
		return *why = "FAT shorter than the cluster count needs", -EINVAL;
	if (fat_bytes > 0xFFFFFFFFull)
		return *why = "FAT larger than 4 GiB", -EINVAL;
	g->fat_bytes = (uint32_t)fat_bytes;
	g->fat_start = (uint64_t)r.rsvd * r.bps;
	g->root_start = g->fat_start + (uint64_t)r.nfats * fat_bytes;
	g->data_start = g->root_start + root_secs * r.bps;
	g->vol_bytes = (uint64_t)r.tot * r.bps;
	if (g->vol_bytes > dev_bytes)
		return *why = "volume larger than the device", -EINVAL;

	if (g->type == 32)
		return read_fat32(bs, &r, g, why);
	if (r.fatsz16 == 0)
		return *why = "FAT12/16 by cluster count but has no 16-bit FAT size", -EINVAL;
	if (r.root_ents == 0)
		return *why = "FAT12/16 with no root directory entries", -EINVAL;
	g->mirror = true;
	g->root_slots = r.root_ents;
	g->state_off = BS_STATE16;
	g->serial = fat_le32(bs + BS_VOL_ID16);
	g->vvfat = !memcmp(bs + BS_LABEL16, "QEMU VVFAT", 10);
	return 0;
}

static uint32_t align_of(uint64_t x)
{
	return x == 0 ? 4096 : (uint32_t)(x & -x) > 4096 ? 4096 : (uint32_t)(x & -x);
}

uint32_t fat_geom_bsize(const struct fat_geom *g)
{
	uint32_t b = 4096;
	uint32_t cands[] = {align_of(g->fat_start), align_of(g->root_start),
			    align_of(g->data_start), align_of(g->csize)};
	for (unsigned i = 0; i < sizeof(cands) / sizeof(cands[0]); i++)
		if (cands[i] < b)
			b = cands[i];
	/* Every region starts on a sector: b is at least bps. */
	return b;
}
