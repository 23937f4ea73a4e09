/* SPDX-License-Identifier: MIT */
/*
 * The vnode table (k/vfs.h): every vnode in use, found by (mount, key), so
 * that two opens of one file share its size, its data and its unlinked state.
 * Everything here runs under the VFS lock.
 */
#include <k/errno.h>
#include <k/kheap.h>
#include <k/time.h>
#include <k/vfs.h>

#define VN_BUCKETS 256

static struct vnode *table[VN_BUCKETS];

static unsigned bucket(const struct mount *m, uint64_t key)
{
	uint64_t h = ((uint64_t)(uintptr_t)m ^ key) * 0x9e3779b97f4a7c15ull;
	return (unsigned)(h >> 56) % VN_BUCKETS;
}

struct vnode *vfs_vfind(struct mount *m, uint64_t key)
{
	for (struct vnode *v = table[bucket(m, key)]; v; v = v->v_hash_next)
		if (v->v_mount == m && v->v_key == key)
			return v;
	return NULL;
}

struct vnode *vfs_vget(struct mount *m, uint64_t key, bool *fresh)
{
	struct vnode *v = vfs_vfind(m, key);
	if (v) {
		v->v_refs++;
		*fresh = false;
		return v;
	}
	v = kzalloc(sizeof(*v));
	if (!v)
		return NULL;
	v->v_mount = m;
	v->v_key = key;
	v->v_refs = 1;
	unsigned b = bucket(m, key);
	v->v_hash_next = table[b];
	table[b] = v;
	*fresh = true;
	return v;
}

static void unhash(struct vnode *vn)
{
	struct vnode **pp = &table[bucket(vn->v_mount, vn->v_key)];
	while (*pp && *pp != vn)
		pp = &(*pp)->v_hash_next;
	if (*pp)
		*pp = vn->v_hash_next;
	vn->v_hash_next = NULL;
}

void vfs_rekey(struct vnode *vn, uint64_t key)
{
	unhash(vn);
	vn->v_key = key;
	unsigned b = bucket(vn->v_mount, key);
	vn->v_hash_next = table[b];
	table[b] = vn;
}

void vfs_vref(struct vnode *vn)
{
	vn->v_refs++;
}

void vfs_vput(struct vnode *vn)
{
	if (!vn || --vn->v_refs > 0)
		return;
	/* Off the table first: inactive may look up (and so re-create) other
	 * vnodes of the same mount, never this one again. */
	unhash(vn);
	if (vn->v_ops && vn->v_ops->inactive)
		vn->v_ops->inactive(vn);
	kfree(vn);
}

uint64_t vfs_now_ns(void)
{
	return time_realtime_ns();
}
