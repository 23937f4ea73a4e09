/* SPDX-License-Identifier: MIT */
/*
 * The vnode table (k/vfs.h): every vnode in use, found by (mount, key), so
 * that two opens of one file share its size, its data and its unlinked state;
 * and the idle ones its fs let the VFS keep, on a list in the order they went
 * idle, so that a file opened again or a directory walked again costs no
 * read of its entry and no walk of its cluster chain. Everything here runs
 * under the VFS lock.
 */
#include <k/errno.h>
#include <k/kheap.h>
#include <k/pmm.h>
#include <k/time.h>
#include <k/vfs.h>

#define VN_BUCKETS 256

static struct vnode *table[VN_BUCKETS];

/* Idle vnodes: the most recently idle at the head. */
static struct vnode *idle_head, *idle_tail;
static size_t idle_count;

/* One idle vnode per 32 pages not promised (a few hundred bytes each with
 * the fs's node: under 4% of that memory), 16 to 1,024. */
static size_t idle_max(void)
{
	size_t n = pmm_avail_pages() / 32;
	return n < 16 ? 16 : n > 1024 ? 1024 : n;
}

static void idle_unlink(struct vnode *v)
{
	if (v->v_idle_prev)
		v->v_idle_prev->v_idle_next = v->v_idle_next;
	else
		idle_head = v->v_idle_next;
	if (v->v_idle_next)
		v->v_idle_next->v_idle_prev = v->v_idle_prev;
	else
		idle_tail = v->v_idle_prev;
	v->v_idle_prev = v->v_idle_next = NULL;
	idle_count--;
}

static void idle_push(struct vnode *v)
{
	v->v_idle_prev = NULL;
	v->v_idle_next = idle_head;
	if (idle_head)
		idle_head->v_idle_prev = v;
	else
		idle_tail = v;
	idle_head = v;
	idle_count++;
}

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
		if (v->v_refs++ == 0)
			idle_unlink(v);
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

static void vn_free(struct vnode *vn)
{
	/* Off the table first: inactive may look up (and so re-create) other
	 * vnodes of the same mount, never this one again. */
	unhash(vn);
	if (vn->v_ops && vn->v_ops->inactive)
		vn->v_ops->inactive(vn);
	kfree(vn);
}

void vfs_vput(struct vnode *vn)
{
	if (!vn || --vn->v_refs > 0)
		return;
	if (!vn->v_ops || !vn->v_ops->keep || !vn->v_ops->keep(vn)) {
		vn_free(vn);
		return;
	}
	idle_push(vn);
	while (idle_count > idle_max()) {
		struct vnode *old = idle_tail;
		idle_unlink(old);
		vn_free(old);
	}
}

void vfs_vdrop_idle(struct mount *m)
{
	/* From the head again after each: inactive may change the list. */
	for (;;) {
		struct vnode *v = idle_head;
		while (v && v->v_mount != m)
			v = v->v_idle_next;
		if (!v)
			return;
		idle_unlink(v);
		vn_free(v);
	}
}

uint64_t vfs_now_ns(void)
{
	return time_realtime_ns();
}
