/* SPDX-License-Identifier: MIT */
/*
 * A mounted FAT volume (fat_fs_ops): mount checks the boot sector, sets the
 * dirty bit of a read-write mount in the boot sector's state byte (as Linux
 * does; fsck.fat reports it) and reads FAT32's FSInfo; sync writes the free
 * count and next-free hint back; unmount frees what unlinked open files held,
 * writes everything and clears the dirty bit last. Also the vnodes: one
 * fat_node per file in use, keyed by its short entry's device offset.
 */
#include <k/bcache.h>
#include <k/blkdev.h>
#include <k/console.h>
#include <k/errno.h>
#include <k/fat.h>
#include <k/fd.h>
#include <k/kheap.h>
#include <k/string.h>
#include <k/vfs.h>

#include "fat_impl.h"

/* ---- blocks ---- */

int fat_block(struct fat_vol *v, uint64_t off, bool noread, struct buf **b, uint8_t **p)
{
	int err = bcache_get(v->bc, off / v->bsize, noread ? BC_NOREAD : 0, b);
	if (err)
		return err == -EINVAL ? -EIO : err;
	*p = (*b)->b_data + off % v->bsize;
	return 0;
}

void fat_put(struct fat_vol *v, struct buf *b)
{
	bcache_put(v->bc, b);
}

void fat_dirty(struct fat_vol *v, struct buf *b, int cls)
{
	bcache_dirty(v->bc, b, (enum bc_class)cls);
}

/* ---- nodes ---- */

static void node_mode(struct fat_node *n)
{
	if (n->isdir)
		n->vn->v_mode = S_IFDIR | 0755;
	else
		n->vn->v_mode = S_IFREG | (n->attr & ATTR_RO ? 0444 : 0644);
}

static struct fat_node *node_new(struct fat_vol *v, struct vnode *vn)
{
	struct fat_node *n = kzalloc(sizeof(*n));
	if (!n)
		return NULL;
	n->vol = v;
	n->vn = vn;
	vn->v_ops = &fat_vnops;
	vn->v_priv = n;
	v->nodes++;
	return n;
}

int fat_node_get(struct fat_vol *v, uint64_t de_off, const uint8_t *de, struct vnode **out)
{
	bool fresh;
	struct vnode *vn = vfs_vget(v->m, de_off, &fresh);
	if (!vn)
		return -ENOMEM;
	if (fresh) {
		struct fat_node *n = node_new(v, vn);
		if (!n) {
			vfs_vput(vn); /* no ops yet: simply freed */
			return -ENOMEM;
		}
		n->de_off = de_off;
		n->attr = de[DE_ATTR];
		n->isdir = de[DE_ATTR] & ATTR_DIR;
		n->start = fat_de_clus(v, de);
		n->size = n->isdir ? 0 : fat_le32(de + DE_SIZE);
		/* Damage is remembered here and reported as -EIO by whatever
		 * reads the file, so the entry itself can still be removed. */
		n->bad = (n->start != 0 && !fat_clus_ok(v, n->start)) ||
			 (n->isdir && n->start == 0) || (n->start == 0 && n->size != 0);
		node_mode(n);
		vn->v_size = n->size;
	}
	*out = vn;
	return 0;
}

static int root_get(struct fat_vol *v, struct vnode **out)
{
	bool fresh;
	struct vnode *vn = vfs_vget(v->m, FAT_ROOT_KEY, &fresh);
	if (!vn)
		return -ENOMEM;
	if (fresh) {
		struct fat_node *n = node_new(v, vn);
		if (!n) {
			vfs_vput(vn);
			return -ENOMEM;
		}
		n->isroot = true;
		n->isdir = true;
		n->attr = ATTR_DIR;
		n->start = v->g.type == 32 ? v->g.root_clus : 0;
		node_mode(n);
	}
	*out = vn;
	return 0;
}

int fat_node_chain(struct fat_node *n)
{
	struct fat_vol *v = n->vol;
	if (n->chain_ok)
		return 0;
	if (n->bad)
		return -EIO;
	if (fat_is_root16(n) || n->start == 0) {
		n->nclu = 0;
		n->tail = 0;
	} else {
		/* What the size covers must be whole; a directory needs its
		 * first cluster. */
		uint64_t need = n->isdir ? 1 : ((uint64_t)n->size + v->g.csize - 1) / v->g.csize;
		struct fat_walk w;
		int err = fat_chain_walk(v, n->start, need ? (uint32_t)need : 1, &w);
		if (err == -EIO || (err == 0 && w.n < need)) {
			kprintf("fat: %s: bad cluster chain at cluster %u\n", v->m->m_dev,
				(unsigned)n->start);
			n->bad = true;
			return -EIO;
		}
		if (err)
			return err;
		n->nclu = w.n;
		n->tail = w.tail;
		if (w.cut && !v->ro) {
			/* Left by a power cut: the chain ends here. */
			kprintf("fat: %s: chain from cluster %u ran into a free cluster: ended\n",
				v->m->m_dev, (unsigned)n->start);
			fat_set(v, w.tail, FAT_EOC);
		}
	}
	fat_forget_pos(n);
	n->chain_ok = true;
	return 0;
}

int fat_node_update(struct fat_node *n, unsigned stamp)
{
	struct fat_vol *v = n->vol;
	if (n->isroot || n->unlinked || v->ro)
		return 0;
	struct buf *b;
	uint8_t *de;
	int err = fat_block(v, n->de_off, false, &b, &de);
	if (err)
		return err;
	fat_de_set_clus(v, de, n->start);
	fat_put32(de + DE_SIZE, n->isdir ? 0 : n->size);
	de[DE_ATTR] = n->attr;
	if (stamp) {
		uint16_t date, time;
		fat_time_encode(vfs_now_ns(), &date, &time, NULL);
		if (stamp & FAT_STAMP_MTIME) {
			fat_put16(de + DE_WRT_DATE, date);
			fat_put16(de + DE_WRT_TIME, time);
			if (!n->isdir)
				de[DE_ATTR] = n->attr |= ATTR_ARCHIVE;
		}
		fat_put16(de + DE_ACC_DATE, date);
	}
	fat_dirty(v, b, BC_DIR);
	fat_put(v, b);
	return 0;
}

void fat_node_touch(struct fat_node *n)
{
	struct fat_vol *v = n->vol;
	uint16_t date, time;
	if (n->isroot || n->unlinked || v->ro)
		return;
	fat_time_encode(vfs_now_ns(), &date, &time, NULL);
	if (date == n->acc_date)
		return;
	struct buf *b;
	uint8_t *de;
	if (fat_block(v, n->de_off, false, &b, &de))
		return;
	if (fat_le16(de + DE_ACC_DATE) != date) {
		fat_put16(de + DE_ACC_DATE, date);
		fat_dirty(v, b, BC_DIR);
	}
	fat_put(v, b);
	n->acc_date = date;
}

int fat_node_times(struct fat_node *n, uint64_t *mtime, uint64_t *atime)
{
	struct fat_vol *v = n->vol;
	if (n->unlinked) {
		*mtime = n->o_mtime;
		*atime = n->o_atime;
		return 0;
	}
	if (n->isroot) {
		*mtime = *atime = 0; /* the root has no entry */
		return 0;
	}
	struct buf *b;
	uint8_t *de;
	int err = fat_block(v, n->de_off, false, &b, &de);
	if (err)
		return err;
	*mtime = fat_time_decode(fat_le16(de + DE_WRT_DATE), fat_le16(de + DE_WRT_TIME), 0);
	*atime = fat_time_decode(fat_le16(de + DE_ACC_DATE), 0, 0);
	fat_put(v, b);
	return 0;
}

void fat_node_orphan(struct fat_node *n, bool read_times)
{
	struct fat_vol *v = n->vol;
	if (read_times && fat_node_times(n, &n->o_mtime, &n->o_atime))
		n->o_mtime = n->o_atime = 0;
	n->unlinked = true;
	vfs_rekey(n->vn, FAT_ORPHAN_KEY | ++v->orphan_seq);
	n->orphan_next = v->orphans;
	v->orphans = n;
}

static void orphan_drop(struct fat_vol *v, struct fat_node *n)
{
	struct fat_node **pp = &v->orphans;
	while (*pp && *pp != n)
		pp = &(*pp)->orphan_next;
	if (*pp)
		*pp = n->orphan_next;
}

/* The storage of an unlinked file, once nobody can reach it. */
static void orphan_free(struct fat_node *n)
{
	struct fat_vol *v = n->vol;
	if (n->start && !v->ro && !n->bad)
		fat_release_chain(v, n->start);
	/* The node no longer has a chain (a pending trim must not cut the
	 * released one). */
	n->start = n->nclu = n->tail = 0;
	fat_forget_pos(n);
	n->ra_next = 0;
}

/* An idle node may stay in the VFS's table unless its storage must go
 * (unlinked) or it can no longer be trusted or reached. */
bool fat_keep(struct vnode *vn)
{
	struct fat_node *n = vn->v_priv;
	return !n->unlinked && !n->bad && !n->isroot && !n->vol->unmounted;
}

void fat_inactive(struct vnode *vn)
{
	struct fat_node *n = vn->v_priv;
	struct fat_vol *v = n->vol;
	if (n->unlinked) {
		orphan_drop(v, n);
		if (!v->unmounted)
			orphan_free(n);
	}
	kfree(n);
	if (--v->nodes == 0 && v->unmounted)
		kfree(v);
}

/* ---- the boot sector's state byte and FSInfo ---- */

static int set_dirty_bit(struct fat_vol *v, bool on)
{
	/* QEMU's vvfat refuses writes to its boot sector but for the FAT16
	 * state byte. */
	if (v->g.vvfat && v->g.type == 32)
		return 0;
	struct buf *b;
	uint8_t *p;
	int err = fat_block(v, v->g.state_off, false, &b, &p);
	if (err)
		return err;
	uint8_t old = *p;
	*p = on ? old | BS_STATE_DIRTY : old & ~BS_STATE_DIRTY;
	if (*p != old)
		fat_dirty(v, b, BC_META);
	fat_put(v, b);
	return bcache_sync(v->bc);
}

static void read_fsinfo(struct fat_vol *v)
{
	struct buf *b;
	uint8_t *p;
	/* vvfat refuses writes before its FAT: its FSInfo stays as it is. */
	if (!v->g.fsinfo_sec || v->g.vvfat ||
	    fat_block(v, (uint64_t)v->g.fsinfo_sec * v->g.bps, false, &b, &p))
		return;
	v->fsinfo_ok = fat_le32(p + FSI_LEAD_SIG) == FSI_LEAD_VAL &&
		       fat_le32(p + FSI_STRUC_SIG) == FSI_STRUC_VAL &&
		       fat_le32(p + FSI_TRAIL_SIG) == FSI_TRAIL_VAL;
	if (v->fsinfo_ok) {
		v->fsi_free = fat_le32(p + FSI_FREE_COUNT);
		v->fsi_next = fat_le32(p + FSI_NXT_FREE);
		if (v->fsi_free <= v->g.nclusters) {
			v->free_known = true;
			v->free_count = v->fsi_free;
		}
		if (fat_clus_ok(v, v->fsi_next))
			v->next_free = v->fsi_next;
	}
	fat_put(v, b);
}

static int write_fsinfo(struct fat_vol *v)
{
	if (!v->fsinfo_ok)
		return 0;
	if (!v->free_known) {
		int err = fat_count_free(v);
		if (err)
			return err;
	}
	if (v->fsi_free == v->free_count && v->fsi_next == v->next_free)
		return 0;
	struct buf *b;
	uint8_t *p;
	int err = fat_block(v, (uint64_t)v->g.fsinfo_sec * v->g.bps, false, &b, &p);
	if (err)
		return err;
	fat_put32(p + FSI_FREE_COUNT, v->free_count);
	fat_put32(p + FSI_NXT_FREE, v->next_free);
	fat_dirty(v, b, BC_META);
	fat_put(v, b);
	v->fsi_free = v->free_count;
	v->fsi_next = v->next_free;
	return 0;
}

/* ---- fs_ops ---- */

static int read_geom(struct blkdev *dev, struct fat_geom *g)
{
	uint64_t bytes = blkdev_sectors(dev) * BLK_SECTOR;
	if (bytes < BLK_SECTOR)
		return -EINVAL;
	uint8_t *bs = kmalloc(BLK_SECTOR);
	if (!bs)
		return -ENOMEM;
	const char *why = NULL;
	int err = blkdev_rw(dev, BLK_READ, 0, bs, BLK_SECTOR);
	if (err == 0)
		err = fat_geom_parse(bs, bytes, g, &why);
	kfree(bs);
	if (why)
		kprintf("fat: %s: not mounted: %s\n", blkdev_name(dev), why);
	return err;
}

static int fat_mount(struct mount *m, struct blkdev *dev)
{
	struct fat_geom g;
	int err = read_geom(dev, &g);
	if (err)
		return err;
	struct fat_vol *v = kzalloc(sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->g = g;
	v->m = m;
	v->dev = dev;
	v->bsize = fat_geom_bsize(&g);
	v->next_free = 2;
	if (blkdev_read_only(dev))
		m->m_ro = true;
	v->ro = m->m_ro;
	v->bc = bcache_create(dev, v->bsize);
	if (!v->bc) {
		kfree(v);
		return -ENOMEM;
	}
	fat_nc_init(v); /* without it (no memory) lookups walk */
	if (g.type == 32)
		read_fsinfo(v);
	struct buf *b;
	uint8_t *p;
	err = fat_block(v, g.state_off, false, &b, &p);
	if (err)
		goto fail;
	/* After a crash the free count cannot be trusted: count again. */
	if (*p & BS_STATE_DIRTY)
		v->free_known = false;
	fat_put(v, b);
	m->m_priv = v;
	err = root_get(v, &m->m_root);
	if (err)
		goto fail;
	if (!v->ro && (err = set_dirty_bit(v, true)) != 0) {
		vfs_vput(m->m_root);
		m->m_root = NULL;
		goto fail;
	}
	return 0;
fail:
	bcache_destroy(v->bc);
	fat_nc_free(v);
	kfree(v);
	m->m_priv = NULL;
	return err;
}

/* Write back until nothing waits: released clusters freed, truncated
 * chains cut, FSInfo current (at most three rounds: fs/fat_free.c). */
static int fat_sync(struct mount *m)
{
	struct fat_vol *v = m->m_priv;
	int err = 0;
	for (int round = 0; round < 3 && !err && !v->ro; round++) {
		err = write_fsinfo(v);
		if (!err)
			err = fat_flush(v);
		if (!v->npend && !v->trims && !bcache_dirty_any(v->bc))
			break;
	}
	return err;
}

static int fat_statfs(struct mount *m, struct kstatfs *st)
{
	struct fat_vol *v = m->m_priv;
	if (!v->free_known) {
		int err = fat_count_free(v);
		if (err)
			return err;
	}
	memset(st, 0, sizeof(*st));
	st->f_type = 0x4d44; /* MSDOS_SUPER_MAGIC */
	st->f_bsize = v->g.csize;
	st->f_frsize = v->g.csize;
	st->f_blocks = v->g.nclusters;
	/* Released clusters count as free: they are, after the next sync. */
	st->f_bfree = v->free_count + v->pend_clusters;
	st->f_bavail = st->f_bfree;
	st->f_namelen = FAT_LFN_MAX;
	st->f_fsid[0] = (int32_t)v->g.serial;
	st->f_flags = v->ro ? 1 /* ST_RDONLY */ : 0;
	return 0;
}

static void fat_unmount(struct mount *m)
{
	struct fat_vol *v = m->m_priv;
	if (!v->ro) {
		/* Unlinked files still open: nobody can reach them again. */
		for (struct fat_node *n = v->orphans; n; n = n->orphan_next)
			orphan_free(n);
		if (fat_sync(m) == 0)
			set_dirty_bit(v, false);
		else
			kprintf("fat: %s: write-back failed: the volume stays marked dirty\n",
				m->m_dev);
	}
	/* Truncations whose cut never came (the write-back failed). */
	while (v->trims) {
		struct fat_node *n = v->trims;
		v->trims = n->trim_next;
		n->trim_pending = false;
		vfs_vput(n->vn);
	}
	vfs_vdrop_idle(m); /* nodes nobody holds: they go with the volume */
	bcache_destroy(v->bc);
	v->bc = NULL;
	fat_nc_free(v);
	kfree(v->pend);
	v->pend = NULL;
	v->unmounted = true;
	m->m_priv = NULL;
	if (v->nodes == 0)
		kfree(v);
}

const struct fs_ops fat_fs_ops = {
	.name = "vfat",
	.mount = fat_mount,
	.sync = fat_sync,
	.statfs = fat_statfs,
	.unmount = fat_unmount,
};
