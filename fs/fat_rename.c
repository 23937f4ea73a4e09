/* SPDX-License-Identifier: MIT */
/*
 * Rename: the entry is rewritten under its new name with the same fields
 * (first cluster, size, attributes, times), replacing a target of the same
 * kind (an empty directory for a directory), and a moved directory's ".."
 * points at its new parent.
 *
 * FAT cannot change two directory blocks at once. Within one directory the
 * new entry goes where the old one was when it fits (one block write); else
 * the new entry is dirtied in the FAT class, so the cache writes it before
 * the old entry's removal (directory class): a power cut in between leaves
 * the file under both names (fsck.fat calls that a cross-link between the
 * two entries; delete one), never under neither.
 *
 * QEMU's vvfat is the exception: it turns every consistent state it sees
 * into changes of the host directory, and two entries with one first
 * cluster make it abort (QEMU 7.2), while "gone, then back under a new
 * name" is a rename to it. There the old entry goes first.
 */
#include <k/bcache.h>
#include <k/errno.h>
#include <k/kheap.h>
#include <k/string.h>
#include <k/vfs.h>

#include "fat_impl.h"

struct rn {
	struct fat_dent src, dst;
	uint16_t name[FAT_LFN_MAX];
};

/* May the source replace the target? Takes a reference on the target. */
static int check_target(struct fat_vol *v, const struct fat_dent *src, const struct fat_dent *dst,
			struct vnode **tvn)
{
	int err = fat_node_get(v, dst->off, dst->de, tvn);
	if (err)
		return err;
	struct fat_node *t = (*tvn)->v_priv;
	bool srcdir = src->de[DE_ATTR] & ATTR_DIR;
	if (srcdir && !t->isdir)
		return -ENOTDIR;
	if (!srcdir && t->isdir)
		return -EISDIR;
	if (t->isdir) {
		int r = fat_dir_empty(t);
		if (r <= 0)
			return r < 0 ? r : -ENOTEMPTY;
	}
	/* Its times, before its entry is overwritten. */
	return fat_node_times(t, &t->o_mtime, &t->o_atime);
}

/* After the move: the source's vnode (if in use) follows its entry, and a
 * directory moved elsewhere gets its ".." changed. */
static int follow(struct fat_vol *v, const struct fat_dent *src, uint64_t noff,
		  struct fat_node *nd, bool moved)
{
	struct vnode *svn = vfs_vfind(v->m, src->off);
	if (svn) {
		vfs_rekey(svn, noff);
		((struct fat_node *)svn->v_priv)->de_off = noff;
	}
	if (!moved || !(src->de[DE_ATTR] & ATTR_DIR))
		return 0;
	struct vnode *dvn;
	int err = fat_node_get(v, noff, src->de, &dvn);
	if (err)
		return err;
	err = fat_dir_set_parent(dvn->v_priv, nd->isroot ? 0 : nd->start);
	vfs_vput(dvn);
	return err;
}

int fat_rename(struct vnode *odvn, const char *oname, size_t olen,
	       struct vnode *ndvn, const char *nname, size_t nlen, unsigned flags)
{
	struct fat_node *od = odvn->v_priv, *nd = ndvn->v_priv;
	struct fat_vol *v = od->vol;
	struct vnode *tvn = NULL;
	if (v->ro)
		return -EROFS;
	if (nd->unlinked)
		return -ENOENT;
	struct rn *r = kmalloc(sizeof(*r));
	if (!r)
		return -ENOMEM;
	int nn = fat_vname(nname, nlen, r->name);
	int err = nn < 0 ? nn : fat_name_valid(r->name, (size_t)nn);
	if (!err)
		err = fat_lookup_name(od, oname, olen, &r->src);
	int t = err ? 0 : fat_dir_find(nd, r->name, (size_t)nn, &r->dst);
	if (t < 0)
		err = t;
	/* A new spelling of the same entry ("a" to "A") replaces nothing. */
	bool target = t == 1 && !(od == nd && r->dst.off == r->src.off);
	if (!err && target)
		err = flags & VFS_RENAME_NOREPLACE ? -EEXIST : check_target(v, &r->src, &r->dst, &tvn);
	if (err)
		goto out;

	uint8_t proto[FAT_DIRENT];
	memcpy(proto, r->src.de, FAT_DIRENT);
	int new_cls = BC_FAT, old_cls = BC_DIR;
	if (v->g.vvfat)
		new_cls = BC_DIR, old_cls = BC_FAT;
	struct fat_add a = {.name = r->name, .nlen = (size_t)nn, .proto = proto, .cls = new_cls,
			    .old_cls = old_cls};
	bool in_place = !target && od == nd;
	if (target || in_place) {
		a.replace = true;
		a.first = target ? r->dst.first : r->src.first;
		a.last = target ? r->dst.idx : r->src.idx;
	}
	uint64_t noff;
	err = fat_dir_add(nd, &a, &noff);
	if (err)
		goto out;
	if (!in_place) {
		err = fat_dir_remove(od, r->src.first, r->src.idx, old_cls);
		if (!err && od != nd)
			err = fat_node_update(od, FAT_STAMP_MTIME);
	}
	if (tvn) /* its key is the new entry's now */
		fat_node_orphan(tvn->v_priv, false);
	int err2 = follow(v, &r->src, noff, nd, od != nd);
	if (!err)
		err = err2;
out:
	if (tvn)
		vfs_vput(tvn);
	kfree(r);
	return err;
}
