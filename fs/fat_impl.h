/* SPDX-License-Identifier: MIT */
/*
 * FAT12/16/32 internals shared by fs/fat*.c: the on-disk layout (Microsoft's
 * "FAT: General Overview of On-Disk Format" 1.03, "FAT32 File System
 * Specification"), the mounted volume and the per-file node. Other
 * subsystems see k/fat.h and k/vfs.h only.
 *
 * Every function here runs under the VFS lock (k/vfs.h) and returns 0 or
 * -EXXX unless it says otherwise. Nothing read from the disk is trusted:
 * cluster numbers are checked against the volume before use and every chain
 * walk is bounded by the cluster count.
 */
#ifndef FS_FAT_IMPL_H
#define FS_FAT_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bcache;
struct blkdev;
struct buf;
struct mount;
struct vnode;

/* ---- boot sector (BPB) offsets ---- */
#define BPB_BYTS_PER_SEC 11  /* u16 */
#define BPB_SEC_PER_CLUS 13  /* u8 */
#define BPB_RSVD_SEC_CNT 14  /* u16 */
#define BPB_NUM_FATS     16  /* u8 */
#define BPB_ROOT_ENT_CNT 17  /* u16 */
#define BPB_TOT_SEC16    19  /* u16 */
#define BPB_MEDIA        21  /* u8 */
#define BPB_FAT_SZ16     22  /* u16 */
#define BPB_TOT_SEC32    32  /* u32 */
#define BS_VOL_ID16      39  /* u32, FAT12/16 */
#define BS_LABEL16       43  /* 11 bytes */
#define BPB_FAT_SZ32     36  /* u32, FAT32 from here */
#define BPB_EXT_FLAGS    40  /* u16 */
#define BPB_FS_VER       42  /* u16 */
#define BPB_ROOT_CLUS    44  /* u32 */
#define BPB_FS_INFO      48  /* u16 */
#define BS_VOL_ID32      67  /* u32 */
#define BS_LABEL32       71
#define BS_SIGNATURE     510 /* 0x55 0xAA */
/* The "state" byte (BS_Reserved1) where a read-write mount keeps its dirty
 * bit, as Linux does; fsck.fat reports a volume with it set. */
#define BS_STATE16       0x25
#define BS_STATE32       0x41
#define BS_STATE_DIRTY   0x01

/* FSInfo sector (FAT32) */
#define FSI_LEAD_SIG     0     /* 0x41615252 */
#define FSI_STRUC_SIG    484   /* 0x61417272 */
#define FSI_FREE_COUNT   488
#define FSI_NXT_FREE     492
#define FSI_TRAIL_SIG    508   /* 0xAA550000 */
#define FSI_LEAD_VAL     0x41615252u
#define FSI_STRUC_VAL    0x61417272u
#define FSI_TRAIL_VAL    0xAA550000u
#define FSI_UNKNOWN      0xFFFFFFFFu

/* ---- directory entries ---- */
#define FAT_DIRENT       32
#define DE_NAME          0   /* 11 bytes: 8 + 3, space padded */
#define DE_ATTR          11
#define DE_NTRES         12  /* NT case bits */
#define DE_CRT_TENTH     13  /* 10 ms units, 0..199 */
#define DE_CRT_TIME      14
#define DE_CRT_DATE      16
#define DE_ACC_DATE      18
#define DE_CLUS_HI       20
#define DE_WRT_TIME      22
#define DE_WRT_DATE      24
#define DE_CLUS_LO       26
#define DE_SIZE          28

#define DE_FREE_ALL      0x00 /* this and every later slot are free */
#define DE_DELETED       0xE5
#define DE_KANJI_E5      0x05 /* stored for a name starting with byte 0xE5 */

#define ATTR_RO          0x01
#define ATTR_HIDDEN      0x02
#define ATTR_SYSTEM      0x04
#define ATTR_VOLUME      0x08
#define ATTR_DIR         0x10
#define ATTR_ARCHIVE     0x20
#define ATTR_LFN         0x0F
#define ATTR_LFN_MASK    0x3F

#define NTRES_LOWER_BASE 0x08
#define NTRES_LOWER_EXT  0x10

/* Long-name (VFAT) slots */
#define LFN_ORD          0
#define LFN_CSUM         13
#define LFN_LAST         0x40
#define LFN_CHARS        13   /* UTF-16 units per slot */
#define FAT_LFN_MAX      255  /* UTF-16 units of a long name */
#define FAT_LFN_SLOTS    20   /* ceil(255 / 13) */

/* A directory holds at most 65536 entries (the specification's limit). */
#define FAT_DIR_MAX_SLOTS 65536u

/* Files are at most 4 GiB - 1 (the size field is 32 bits). */
#define FAT_MAX_FILE     0xFFFFFFFFull

/* FAT entry values, normalised by fat_get whatever the FAT width. */
#define FAT_FREE         0u
#define FAT_BAD          0x0FFFFFF7u
#define FAT_EOC          0x0FFFFFFFu

static inline uint16_t fat_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t fat_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline void fat_put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void fat_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

/* ---- geometry: fs/fat_bpb.c ---- */
struct fat_geom {
	unsigned type;         /* 12, 16 or 32: by cluster count */
	uint32_t bps;          /* bytes per sector */
	uint32_t csize;        /* bytes per cluster */
	uint32_t nfats;
	uint32_t fat_bytes;    /* one FAT copy */
	uint64_t fat_start;    /* byte offset of the first FAT */
	bool mirror;           /* every copy in step (FAT32 may turn it off) */
	uint32_t active_fat;   /* without mirroring: the copy in use */
	uint64_t root_start;   /* FAT12/16: the fixed root directory */
	uint32_t root_slots;
	uint32_t root_clus;    /* FAT32: the root directory's first cluster */
	uint64_t data_start;   /* byte offset of cluster 2 */
	uint32_t nclusters;    /* clusters 2 .. nclusters + 1 exist */
	uint64_t vol_bytes;
	uint32_t fsinfo_sec;   /* FAT32: the FSInfo sector, 0: none */
	uint32_t state_off;    /* BS_STATE16 or BS_STATE32 */
	uint32_t serial;
	bool vvfat;            /* QEMU's virtual FAT of a host directory */
};

/* Check a boot sector (its first 512 bytes, bs) against a device of
 * dev_bytes and fill g: 0, or -EINVAL with *why naming the bad field. (A
 * partitioned disk is mounted through its partitions' block devices.) */
int fat_geom_parse(const uint8_t *bs, uint64_t dev_bytes, struct fat_geom *g, const char **why);
/* The block size for the cache: no block holds two regions (k/bcache.h). */
uint32_t fat_geom_bsize(const struct fat_geom *g);

/* ---- names: fs/fat_name.c (pure functions, no I/O) ---- */
/* UTF-8 (len bytes) to UTF-16 in out[max]: the unit count, -EINVAL (bad
 * UTF-8) or -ENAMETOOLONG. */
int fat_utf8_to_utf16(const char *s, size_t len, uint16_t *out, size_t max);
/* UTF-16 to UTF-8 (unpaired surrogates become U+FFFD): bytes written, at
 * most max (a name of 255 units needs at most 765). */
size_t fat_utf16_to_utf8(const uint16_t *u, size_t n, char *out, size_t max);
/* The name as stored: trailing dots dropped (as Linux's vfat does); 0 if
 * nothing is left. */
size_t fat_name_strip(const uint16_t *u, size_t n);
/* A long name the disk can hold: 0, -EINVAL (a control or reserved
 * character, empty), -ENAMETOOLONG. */
int fat_name_valid(const uint16_t *u, size_t n);
/* Equal ignoring the case of ASCII letters. */
bool fat_name_eq(const uint16_t *a, size_t an, const uint16_t *b, size_t bn);
uint8_t fat_lfn_csum(const uint8_t sfn[11]);
/* The short name of an entry as shown (NT case bits applied, code page 437
 * for bytes >= 0x80): units written to out[12]. */
size_t fat_sfn_to_utf16(const uint8_t *de, uint16_t out[12]);

/* How a new name is stored: its 11-byte short name and NT case bits, and
 * whether it needs long-name slots. */
struct fat_sfn_plan {
	uint8_t sfn[11];
	uint8_t ntres;
	bool lfn;          /* long-name slots needed */
	bool tail;         /* the short name needs a ~N tail (fat_alias_*) */
	uint8_t basis[11]; /* upper-cased basis name, for the tail */
	unsigned blen;     /* characters of the basis's primary part */
};
void fat_sfn_plan(const uint16_t *u, size_t n, struct fat_sfn_plan *p);

/* Choosing a unique ~N tail: every short name in the directory goes through
 * fat_alias_see, then fat_alias_pick writes the first free one into p->sfn.
 * For a plan without a tail only basis_taken is found (no allocation). */
struct fat_alias {
	const struct fat_sfn_plan *p;
	uint8_t *used;     /* bitmap of tails 1..FAT_ALIAS_MAX in use */
	bool basis_taken;  /* the basis name without a tail exists */
};
#define FAT_ALIAS_MAX (FAT_DIR_MAX_SLOTS + 1)
int fat_alias_init(struct fat_alias *a, const struct fat_sfn_plan *p);
void fat_alias_see(struct fat_alias *a, const uint8_t sfn[11]);
/* 0, or -ENOSPC when every tail is taken (cannot happen below 65536). */
int fat_alias_pick(struct fat_alias *a, struct fat_sfn_plan *p);
void fat_alias_free(struct fat_alias *a);

/* Long-name slots: put the `ord`-th (1-based) piece of name into slot;
 * read one back; assemble a sequence as a directory is read. */
void fat_lfn_put(uint8_t *slot, const uint16_t *name, size_t n, unsigned ord, uint8_t csum);
struct fat_lfn_acc {
	uint16_t buf[FAT_LFN_SLOTS * LFN_CHARS];
	unsigned next;    /* the ordinal expected next, 0: none in progress */
	unsigned total;   /* slots in the sequence */
	uint8_t csum;
};
void fat_lfn_reset(struct fat_lfn_acc *a);
void fat_lfn_feed(struct fat_lfn_acc *a, const uint8_t *slot);
/* The long name the sequence fed so far gives for the short entry de:
 * its length in out (<= FAT_LFN_MAX), or 0 if none or not valid (a bad
 * checksum, order or terminator: the short name stands, as Windows does). */
size_t fat_lfn_finish(struct fat_lfn_acc *a, const uint8_t *de, uint16_t *out);

/* ---- time: fs/fat_time.c ---- */
/* Realtime ns to FAT fields (UTC; before 1980 -> 1980-01-01, after 2107 ->
 * 2107-12-31 23:59:58). tenth may be NULL. */
void fat_time_encode(uint64_t ns, uint16_t *date, uint16_t *time, uint8_t *tenth);
uint64_t fat_time_decode(uint16_t date, uint16_t time, uint8_t tenth);

/* ---- the mounted volume ---- */
struct fat_range {
	uint32_t start, len;
};
#define FAT_PEND_SOFT 1024 /* ranges before a release forces a write-back */

struct fat_node;

struct fat_vol {
	struct fat_geom g;
	struct mount *m;
	struct blkdev *dev;
	struct bcache *bc;
	uint32_t bsize;
	bool ro;
	/* Free clusters: free_count is exact while free_known. */
	bool free_known;
	uint32_t free_count;
	uint32_t next_free;    /* where the next search starts */
	bool fsinfo_ok;        /* FAT32 with a valid FSInfo sector */
	/* Clusters given up but still allocated in the FAT: the change that
	 * dropped their last reference (an entry removed, a chain cut) is
	 * dirty. The next complete write-back makes it durable; only then are
	 * they marked free (fs/fat_free.c). */
	struct fat_range *pend;
	unsigned npend, cappend;
	uint32_t pend_clusters;
	/* Files truncated shorter: their chain is cut once the new size is
	 * on the disk (each holds a vnode reference until then). */
	struct fat_node *trims;
	bool flushing;
	/* Nodes alive, and those whose entry is gone but whose storage waits
	 * for the last reference (unlinked while open). */
	unsigned nodes;
	struct fat_node *orphans;
	uint64_t orphan_seq;
	bool unmounted;        /* after unmount: only inactive may come */
	/* FSInfo as last written, to skip rewriting it unchanged. */
	uint32_t fsi_free, fsi_next;
	struct fat_ncache *nc; /* where names are (fs/fat_ncache.c); NULL: none */
};

/* A file or directory in use (vnode->v_priv). */
#define FAT_RUNS 8

struct fat_node {
	struct fat_vol *vol;
	struct vnode *vn;
	uint64_t de_off;       /* its short entry's device offset (not root) */
	uint32_t start;        /* first cluster, 0: none */
	uint32_t size;         /* regular files */
	uint8_t attr;
	bool isdir;
	bool isroot;
	bool unlinked;
	bool chain_ok;         /* the chain was walked: nclu and tail are valid */
	bool bad;              /* its entry or chain is corrupt: I/O fails */
	uint32_t nclu, tail;
	uint32_t pos_ci, pos_clu; /* a cached position in the chain */
	/* Runs of consecutive clusters seen while walking the chain (cluster
	 * index -> cluster), so a reader that jumps back does not walk from
	 * the start; forgotten whenever the chain is cut or replaced. */
	struct fat_crun {
		uint32_t ci, clu, len;
	} runs[FAT_RUNS];
	uint8_t nruns;
	uint64_t seq_next;     /* where a sequential reader reads next */
	uint32_t ra_next, ra_clu; /* read ahead up to cluster index ra_next */
	uint16_t acc_date;     /* the access date known to be on the entry */
	uint64_t o_mtime, o_atime; /* times of an unlinked file (its entry is gone) */
	struct fat_node *orphan_next;
	bool trim_pending;
	struct fat_node *trim_next;
};

/* The node's cached chain positions are stale (its chain was cut or
 * replaced): walk from the start next time. */
static inline void fat_forget_pos(struct fat_node *n)
{
	n->pos_ci = 0;
	n->pos_clu = n->start;
	n->nruns = 0;
}

/* Keys of the vnode table: the short entry's device offset, a multiple of
 * 32 beyond the boot sector; the root and unlinked files get keys no entry
 * has. */
#define FAT_ROOT_KEY 1ull
#define FAT_ORPHAN_KEY (1ull << 63)

static inline bool fat_is_root16(const struct fat_node *n)
{
	return n->isroot && n->vol->g.type != 32;
}
/* Device byte offset of cluster c's data. */
static inline uint64_t fat_clus_off(const struct fat_vol *v, uint32_t c)
{
	return v->g.data_start + (uint64_t)(c - 2) * v->g.csize;
}
static inline bool fat_clus_ok(const struct fat_vol *v, uint32_t c)
{
	return c >= 2 && c <= v->g.nclusters + 1;
}

/* ---- the FAT: fs/fat_table.c ---- */
/* Entry c, normalised (FAT_FREE, FAT_BAD, FAT_EOC, or a cluster number that
 * the caller must still check with fat_clus_ok). */
int fat_get(struct fat_vol *v, uint32_t c, uint32_t *val);
/* Set entry c (a cluster, FAT_FREE or FAT_EOC) in every FAT copy in use. */
int fat_set(struct fat_vol *v, uint32_t c, uint32_t val);
/* A free cluster, marked end-of-chain, preferring `near` (0: the hint):
 * -ENOSPC when none is left (after a write-back that frees what was
 * released). */
int fat_alloc(struct fat_vol *v, uint32_t near, uint32_t *out);
/* Walk the chain from start: its length and last cluster. The first
 * `strict` clusters must be linked properly (-EIO for a free, bad or
 * out-of-range link); beyond them such a link ends the chain (w->cut): a
 * power cut between the two FAT blocks of an append leaves the old last
 * cluster pointing at a cluster still free. A loop is -EIO anywhere. */
struct fat_walk {
	uint32_t n, tail;
	bool cut;
};
int fat_chain_walk(struct fat_vol *v, uint32_t start, uint32_t strict, struct fat_walk *w);
/* Count free clusters (sets free_count, free_known). */
int fat_count_free(struct fat_vol *v);

/* ---- freeing in write order: fs/fat_free.c ---- */
/* Give up the chain from c: the caller has already dirtied the change that
 * drops its last reference. The clusters stay allocated until a write-back
 * makes that change durable, so a power cut leaves them lost (fsck.fat
 * reclaims them), never referenced by an entry and free, never reused by
 * another file while the old reference is on the disk. -EIO (nothing
 * released) for a corrupt chain. */
int fat_release_chain(struct fat_vol *v, uint32_t c);
/* A file got shorter and its new size is dirty: cut its chain after the
 * next write-back. */
void fat_trim_later(struct fat_node *n);
/* Write back everything (class order), then free what was released before
 * it and cut the chains of truncated files. */
int fat_flush(struct fat_vol *v);

/* ---- blocks: fs/fat_vol.c ---- */
/* Pointer to the byte at device offset off, in a block pinned in *b (put it
 * with bcache_put). noread: the caller fills the whole block. */
int fat_block(struct fat_vol *v, uint64_t off, bool noread, struct buf **b, uint8_t **p);
void fat_put(struct fat_vol *v, struct buf *b);
void fat_dirty(struct fat_vol *v, struct buf *b, int cls);

/* ---- nodes: fs/fat_vol.c ---- */
/* The vnode of the entry at de_off (a copy in de): a new reference. */
int fat_node_get(struct fat_vol *v, uint64_t de_off, const uint8_t *de, struct vnode **out);
/* Make the chain known (walk it once): -EIO if corrupt. */
int fat_node_chain(struct fat_node *n);
/* Rewrite the node's short entry from the node (start, size, attr);
 * FAT_STAMP_MTIME also stamps the modification time and access date. */
#define FAT_STAMP_MTIME 1u
int fat_node_update(struct fat_node *n, unsigned stamp);
/* Give the node a key no entry has: its entry is gone; its clusters go in
 * fat_inactive (or at unmount). read_times: keep the entry's times (else the
 * caller stored them in o_mtime, o_atime before the entry changed). */
void fat_node_orphan(struct fat_node *n, bool read_times);
/* Modification and access times (realtime ns). */
int fat_node_times(struct fat_node *n, uint64_t *mtime, uint64_t *atime);
/* A read: bring the entry's access date up to today (once a day). */
void fat_node_touch(struct fat_node *n);
bool fat_keep(struct vnode *vn);
void fat_inactive(struct vnode *vn);

/* ---- file data: fs/fat_file.c ---- */
/* The ci-th cluster of n's chain in *clu: -EIO past its end. */
int fat_bmap(struct fat_node *n, uint32_t ci, uint32_t *clu);
/* Grow n's chain to `want` clusters, contiguous where it can: on -ENOSPC
 * the clusters it got stay in the chain. */
int fat_extend(struct fat_node *n, uint32_t want);
/* Cut n's chain to `keep` clusters (the cut is dirtied) and release the
 * rest. Only for clusters beyond what n's entry on the disk covers. */
int fat_shrink(struct fat_node *n, uint32_t keep);
long fat_read(struct vnode *vn, void *buf, size_t len, uint64_t off);
long fat_write(struct vnode *vn, const void *buf, size_t len, uint64_t off);
int fat_truncate(struct vnode *vn, uint64_t size);

/* ---- directories: fs/fat_dir.c ---- */
/* A cursor over directory slots: the block of the last slot stays pinned
 * until the cursor moves to another block or ends. */
struct fat_cur {
	struct fat_vol *v;
	struct buf *b;
	uint64_t blk;
};

/* Where slots lie: slot pos is at off, and left more follow it in one run
 * (a cluster, or the fixed root), so a walk needs no chain lookup per slot. */
struct fat_run {
	struct fat_node *dir; /* NULL: nothing known */
	uint32_t pos, left;
	uint64_t off;
};

/* One entry as fat_dir_next reads it, and the state of a walk through a
 * directory (large: kmalloc it). fat_dent_init before the first
 * fat_dir_next, fat_dir_done after the last (it unpins a block). */
struct fat_dent {
	struct fat_lfn_acc acc; /* scratch */
	struct fat_cur cur;
	struct fat_run run;
	uint32_t first;        /* index of its first slot (long name or short) */
	uint32_t idx;          /* index of its short entry */
	uint64_t off;          /* device offset of the short entry */
	uint8_t de[FAT_DIRENT];
	uint16_t name[FAT_LFN_MAX + 1];
	size_t nlen;           /* the long name (or 0: fat_dent_name makes the short) */
	bool has_lfn;
};
void fat_dent_init(struct fat_dent *d, struct fat_node *dir);
void fat_dir_done(struct fat_dent *d);
/* The entry's name as shown (its long name, else its short name): in
 * d->name, its length returned. */
size_t fat_dent_name(struct fat_dent *d);
/* Device offset of slot idx of dir: -ENOENT past its end. */
int fat_dir_slot(struct fat_node *dir, uint32_t idx, uint64_t *off);
/* The next entry from slot *pos on (skipping free slots, volume labels,
 * "." and ".."): 1 with *d filled and *pos past it, 0 at the end, -EIO. */
int fat_dir_next(struct fat_node *dir, uint32_t *pos, struct fat_dent *d);
/* The entry named u (ASCII case ignored; the long or the short name):
 * 1 found, 0 not, -EIO. Ends the walk itself (d's name is made). */
int fat_dir_find(struct fat_node *dir, const uint16_t *u, size_t n, struct fat_dent *d);
/* Add an entry named `name` (checked by the caller) to dir with the fields
 * of proto (attr, times, cluster, size; the name bytes are replaced): the new
 * short entry's offset in *off. With `replace`, the entry whose slots are
 * first..last is replaced by the new one (in place when the new one fits
 * there, so that a rename is one block write where possible). */
struct fat_add {
	const uint16_t *name;
	size_t nlen;
	const uint8_t *proto;
	int cls;               /* class to dirty the new slots with */
	int old_cls;           /* and the replaced ones' removal */
	bool replace;
	uint32_t first, last;
};
int fat_dir_add(struct fat_node *dir, const struct fat_add *a, uint64_t *off);
/* Mark slots first..last free, dirtied in class cls (BC_DIR but for a
 * rename's order, fs/fat_rename.c). */
int fat_dir_remove(struct fat_node *dir, uint32_t first, uint32_t last, int cls);
/* 1 if dir has no entries besides "." and "..", 0 if it has, -EIO. */
int fat_dir_empty(struct fat_node *dir);
/* Counts for getattr: subdirectories, and the chain's clusters. */
int fat_dir_subdirs(struct fat_node *dir, uint32_t *n);
/* Fill a new directory's first cluster (".", ".."; class BC_DATA). */
int fat_dir_init(struct fat_vol *v, uint32_t clu, uint32_t parent, const uint8_t *proto);
/* Point dir's ".." entry at parent (0: the root). */
int fat_dir_set_parent(struct fat_node *dir, uint32_t parent);

/* Entry fields */
static inline uint32_t fat_de_clus(const struct fat_vol *v, const uint8_t *de)
{
	uint32_t hi = v->g.type == 32 ? fat_le16(de + DE_CLUS_HI) : 0;
	return hi << 16 | fat_le16(de + DE_CLUS_LO);
}
static inline void fat_de_set_clus(const struct fat_vol *v, uint8_t *de, uint32_t c)
{
	fat_put16(de + DE_CLUS_HI, v->g.type == 32 ? (uint16_t)(c >> 16) : 0);
	fat_put16(de + DE_CLUS_LO, (uint16_t)c);
}

/* ---- where names are: fs/fat_ncache.c ---- */
/* A hint from (directory, name) to the first slot of its entry, bounded by
 * the block cache's limit; every hit is checked against the directory by
 * fat_dir_find, so no change of a directory needs to tell it. */
struct fat_ncache;
/* The table for v (sized from bcache_limit(), so after bcache_create):
 * 0 or -ENOMEM (the volume then works without it). */
int fat_nc_init(struct fat_vol *v);
void fat_nc_free(struct fat_vol *v);
/* The hash of a name as lookups compare it (ASCII case folded). */
uint32_t fat_nc_hash(const uint16_t *u, size_t n);
/* Remember that the name of this hash starts at slot first of dir. */
void fat_nc_add(struct fat_node *dir, uint32_t hash, uint32_t first);
/* 1 with *first if the table has a slot for (dir, hash), else 0. */
int fat_nc_find(struct fat_node *dir, uint32_t hash, uint32_t *first);
/* Forget (dir, hash) if it says first (it was found wrong). */
void fat_nc_drop(struct fat_node *dir, uint32_t hash, uint32_t first);
/* Lookups answered from the table, and those that walked (tests). */
void fat_nc_count(struct fat_vol *v, bool hit);
void fat_nc_stats(struct fat_vol *v, uint64_t *hits, uint64_t *misses);

/* ---- vnode ops: fs/fat_vnops.c, fs/fat_rename.c ---- */
extern const struct vnode_ops fat_vnops;
int fat_rename(struct vnode *odir, const char *oname, size_t olen,
	       struct vnode *ndir, const char *nname, size_t nlen, unsigned flags);
/* A lookup name as UTF-16 (trailing dots dropped, checked): its length, or
 * -EINVAL, -ENAMETOOLONG. */
int fat_vname(const char *name, size_t len, uint16_t *out);
/* The entry `name` (UTF-8 from the VFS) of dir in *d: 0, -ENOENT, -EIO. */
int fat_lookup_name(struct fat_node *dir, const char *name, size_t len, struct fat_dent *d);

#endif
