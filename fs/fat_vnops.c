/* SPDX-License-Identifier: MIT */
/*
 * The VFS's view of FAT files and directories (k/vfs.h vnode_ops): lookup
 * (ASCII case ignored, long or short name), create and mkdir, unlink and
 * rmdir, readdir with positions that stay valid across calls (slot indexes:
 * FAT never moves an entry), attributes (the read-only bit is the write
 * permission) and times.
 */
#include <k/bcache.h>
#include <k/errno.h>
#include <k/fd.h>
#include <k/kheap.h>
#include <k/string.h>
#include <k/vfs.h>

#include "fat_impl.h"

int fat_vname(const char *name, size_t len, uint16_t *out)
{
	int n = fat_utf8_to_utf16(name, len, out, FAT_LFN_MAX);
	if (n < 0)
		return n;
	n = (int)fat_name_strip(out, (size_t)n);
	return n == 0 ? -EINVAL : n;
}

int fat_lookup_name(struct fat_node *dir, const char *name, size_t len, struct fat_dent *d)
{
	uint16_t u[FAT_LFN_MAX];
	if (dir->unlinked)
		return -ENOENT;
	int n = fat_vname(name, len, u);
	if (n < 0)
		return n == -ENAMETOOLONG ? n : -ENOENT;
	int r = fat_dir_find(dir, u, (size_t)n, d);
	return r < 0 ? r : r ? 0 : -ENOENT;
}

static int fat_lookup(struct vnode *dvn, const char *name, size_t len, struct vnode **out)
{
	struct fat_node *dir = dvn->v_priv;
	struct fat_dent *d = kmalloc(sizeof(*d));
	if (!d)
		return -ENOMEM;
	int err = fat_lookup_name(dir, name, len, d);
	if (!err)
		err = fat_node_get(dir->vol, d->off, d->de, out);
	kfree(d);
	return err;
}

/* A short entry for a new file: attributes and all three times now. */
static void new_proto(uint8_t *de, uint8_t attr)
{
	uint16_t date, time;
	uint8_t tenth;
	memset(de, 0, FAT_DIRENT);
	de[DE_ATTR] = attr;
	fat_time_encode(vfs_now_ns(), &date, &time, &tenth);
	de[DE_CRT_TENTH] = tenth;
	fat_put16(de + DE_CRT_TIME, time);
	fat_put16(de + DE_CRT_DATE, date);
	fat_put16(de + DE_WRT_TIME, time);
	fat_put16(de + DE_WRT_DATE, date);
	fat_put16(de + DE_ACC_DATE, date);
}

static int create_in(struct fat_node *dir, const uint16_t *u, size_t n, uint32_t mode,
		     struct vnode **out)
{
	struct fat_vol *v = dir->vol;
	bool isdir = (mode & 0170000) == S_IFDIR;
	uint8_t de[FAT_DIRENT];
	uint32_t clu = 0;
	new_proto(de, isdir ? ATTR_DIR : ATTR_ARCHIVE | (mode & 0222 ? 0 : ATTR_RO));
	if (isdir) {
		/* The new directory's cluster is written (data class) before the
		 * FAT links it and before the entry points at it. */
		int err = fat_alloc(v, 0, &clu);
		if (err)
			return err;
		err = fat_dir_init(v, clu, dir->isroot ? 0 : dir->start, de);
		if (err) {
			fat_release_chain(v, clu);
			return err;
		}
		fat_de_set_clus(v, de, clu);
	}
	struct fat_add a = {.name = u, .nlen = n, .proto = de, .cls = BC_DIR, .old_cls = BC_DIR};
	uint64_t off;
	int err = fat_dir_add(dir, &a, &off);
	if (err) {
		if (clu)
			fat_release_chain(v, clu);
		return err;
	}
	return fat_node_get(v, off, de, out);
}

static int fat_create(struct vnode *dvn, const char *name, size_t len, uint32_t mode,
		      struct vnode **out)
{
	struct fat_node *dir = dvn->v_priv;
	uint16_t u[FAT_LFN_MAX];
	if (dir->vol->ro)
		return -EROFS;
	if (dir->unlinked)
		return -ENOENT;
	int n = fat_vname(name, len, u);
	if (n < 0)
		return n;
	int err = fat_name_valid(u, (size_t)n);
	if (err)
		return err;
	struct fat_dent *d = kmalloc(sizeof(*d));
	if (!d)
		return -ENOMEM;
	int r = fat_dir_find(dir, u, (size_t)n, d);
	kfree(d);
	if (r != 0)
		return r < 0 ? r : -EEXIST;
	return create_in(dir, u, (size_t)n, mode, out);
}

static int fat_unlink(struct vnode *dvn, const char *name, size_t len, bool isdir)
{
	struct fat_node *dir = dvn->v_priv;
	struct fat_vol *v = dir->vol;
	if (v->ro)
		return -EROFS;
	struct fat_dent *d = kmalloc(sizeof(*d));
	if (!d)
		return -ENOMEM;
	struct vnode *vn = NULL;
	int err = fat_lookup_name(dir, name, len, d);
	if (!err)
		err = fat_node_get(v, d->off, d->de, &vn);
	if (err)
		goto out;
	struct fat_node *n = vn->v_priv;
	if (n->isdir != isdir) {
		err = isdir ? -ENOTDIR : -EISDIR;
		goto out;
	}
	if (isdir) {
		int r = fat_dir_empty(n);
		if (r <= 0) {
			err = r < 0 ? r : -ENOTEMPTY;
			goto out;
		}
	}
	/* The entry goes now; the clusters when the last reference does
	 * (at once unless the file is open). */
	fat_node_orphan(n, true);
	err = fat_dir_remove(dir, d->first, d->idx, BC_DIR);
	if (!err)
		err = fat_node_update(dir, FAT_STAMP_MTIME);
out:
	if (vn)
		vfs_vput(vn);
	kfree(d);
	return err;
}

/* A readdir entry's name in UTF-8 next to the directory entry. */
struct rd {
	struct fat_dent d;
	char name[FAT_LFN_MAX * 3];
};

static int fat_readdir(struct vnode *dvn, uint64_t *pos, vfs_filldir_fn fill, void *ctx)
{
	struct fat_node *dir = dvn->v_priv;
	if (dir->unlinked || *pos >= FAT_DIR_MAX_SLOTS)
		return 0;
	struct rd *r = kmalloc(sizeof(*r));
	if (!r)
		return -ENOMEM;
	int ret;
	fat_dent_init(&r->d, dir);
	for (;;) {
		uint32_t p = (uint32_t)*pos;
		ret = fat_dir_next(dir, &p, &r->d);
		if (ret <= 0)
			break;
		size_t nlen = fat_dent_name(&r->d);
		size_t len = fat_utf16_to_utf8(r->d.name, nlen, r->name, sizeof(r->name));
		unsigned type = r->d.de[DE_ATTR] & ATTR_DIR ? VDT_DIR : VDT_REG;
		if (fill(ctx, r->name, len, r->d.off, type, p))
			break; /* *pos stays at this entry */
		*pos = p;
	}
	fat_dir_done(&r->d);
	kfree(r);
	return ret < 0 ? ret : 0;
}

static void fat_getattr(struct vnode *vn, struct kstat *st)
{
	struct fat_node *n = vn->v_priv;
	struct fat_vol *v = n->vol;
	uint64_t mtime = 0, atime = 0;
	st->mode = vn->v_mode;
	st->nlink = 1;
	if (n->isdir) {
		uint32_t sub = 0;
		if (!n->unlinked && fat_dir_subdirs(n, &sub) == 0)
			st->nlink = 2 + sub;
		uint64_t bytes = fat_is_root16(n) ? (uint64_t)v->g.root_slots * FAT_DIRENT
			       : fat_node_chain(n) == 0 ? (uint64_t)n->nclu * v->g.csize : 0;
		st->size = (int64_t)bytes;
	} else {
		st->size = n->size;
	}
	uint64_t alloc = ((uint64_t)st->size + v->g.csize - 1) / v->g.csize * v->g.csize;
	st->blocks = (int64_t)(alloc / 512);
	fat_node_times(n, &mtime, &atime);
	st->mtime = mtime / 1000000000ull;
	st->mtime_ns = mtime % 1000000000ull;
	st->atime = atime / 1000000000ull;
	st->atime_ns = atime % 1000000000ull;
	/* FAT has no change time: show the modification time, as Linux does. */
	st->ctime = st->mtime;
	st->ctime_ns = st->mtime_ns;
}

static int fat_setattr(struct vnode *vn, const struct vattr *va)
{
	struct fat_node *n = vn->v_priv;
	struct fat_vol *v = n->vol;
	if (v->ro)
		return -EROFS;
	if ((va->va_mask & VA_MODE) && !n->isdir) {
		n->attr = va->va_mode & 0222 ? n->attr & ~ATTR_RO : n->attr | ATTR_RO;
		vn->v_mode = S_IFREG | (n->attr & ATTR_RO ? 0444 : 0644);
	}
	if (n->isroot)
		return 0;
	if (n->unlinked) {
		if (va->va_mask & VA_MTIME)
			n->o_mtime = va->va_mtime_ns;
		if (va->va_mask & VA_ATIME)
			n->o_atime = va->va_atime_ns;
		return 0;
	}
	struct buf *b;
	uint8_t *de;
	int err = fat_block(v, n->de_off, false, &b, &de);
	if (err)
		return err;
	uint16_t date, time;
	de[DE_ATTR] = n->attr;
	if (va->va_mask & VA_MTIME) {
		fat_time_encode(va->va_mtime_ns, &date, &time, NULL);
		fat_put16(de + DE_WRT_DATE, date);
		fat_put16(de + DE_WRT_TIME, time);
	}
	if (va->va_mask & VA_ATIME) {
		fat_time_encode(va->va_atime_ns, &date, &time, NULL);
		fat_put16(de + DE_ACC_DATE, date);
		n->acc_date = date;
	}
	fat_dirty(v, b, BC_DIR);
	fat_put(v, b);
	return 0;
}

static int fat_fsync(struct vnode *vn, bool datasync)
{
	struct fat_node *n = vn->v_priv;
	(void)datasync;
	return n->vol->ro ? 0 : fat_flush(n->vol);
}

const struct vnode_ops fat_vnops = {
	.lookup = fat_lookup,
	.create = fat_create,
	.unlink = fat_unlink,
	.rename = fat_rename,
	.readdir = fat_readdir,
	.read = fat_read,
	.write = fat_write,
	.truncate = fat_truncate,
	.fsync = fat_fsync,
	.getattr = fat_getattr,
	.setattr = fat_setattr,
	.keep = fat_keep,
	.inactive = fat_inactive,
};
