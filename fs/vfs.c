/* SPDX-License-Identifier: MIT */
/*
 * The VFS core (k/vfs.h, fs/vfs_impl.h): the lock, the mount table and path
 * lookup.
 *
 * Lookup works on absolute paths: a relative one is the current directory's
 * path (or a directory descriptor's) joined with it, and the walk always
 * starts at the root. There are no symbolic links (FAT and the RAM file
 * system have none), so "." and ".." are resolved by the walk itself: ".."
 * drops the last component of the canonical path built so far and walks it
 * again from the root. A mount is found by that canonical path, so a mount
 * point need not exist as a directory in the file system below (/dev on a
 * FAT disk without a dev directory).
 */
#include <k/console.h>
#include <k/errno.h>
#include <k/kheap.h>
#include <k/string.h>
#include <k/time.h>
#include <k/vfs.h>
#include <k/wait.h>
#include "vfs_impl.h"

static struct ksem vfs_sem = { SPINLOCK_INIT, 1 };
static struct mount *mounts[VFS_MOUNT_MAX];
static int nmounts;

void vfs_lock(void)
{
	ksem_down(&vfs_sem, 0);
}

int vfs_lock_timed(uint64_t ns)
{
	return ksem_down(&vfs_sem, time_monotonic_ns() + ns);
}

void vfs_unlock(void)
{
	ksem_up(&vfs_sem);
}

/* ---- mount table ---- */

struct mount *vfs_mount_at(const char *path)
{
	for (int i = 0; i < nmounts; i++)
		if (!strcmp(mounts[i]->m_path, path))
			return mounts[i];
	return NULL;
}

struct mount *vfs_mount_get(int i)
{
	return i >= 0 && i < nmounts ? mounts[i] : NULL;
}

int vfs_mount(const struct fs_ops *fs, struct blkdev *dev, const char *path, const char *devname,
	      bool ro, struct mount **out)
{
	size_t plen = strlen(path);
	if (nmounts == VFS_MOUNT_MAX)
		return -ENOSPC;
	if (plen == 0 || plen >= sizeof(mounts[0]->m_path) || path[0] != '/')
		return -EINVAL;
	if (vfs_mount_at(path))
		return -EBUSY;
	struct mount *m = kzalloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->m_fs = fs;
	m->m_ro = ro;
	memcpy(m->m_path, path, plen + 1);
	size_t dlen = strlen(devname);
	memcpy(m->m_dev, devname, dlen < sizeof(m->m_dev) ? dlen : sizeof(m->m_dev) - 1);
	m->m_devno = (uint32_t)(nmounts + 1) | (0u << 8); /* st_dev: 0:N, as Linux's anonymous ones */
	int r = fs->mount(m, dev);
	if (r) {
		kfree(m);
		return r;
	}
	mounts[nmounts++] = m;
	if (out)
		*out = m;
	return 0;
}


int vfs_sync_all(void)
{
	int first = 0;
	if (vfs_lock_timed(SYNC_LOCK_WAIT_NS)) {
		kprintf("toro: files: a thread held the file system for 10 s; not written back\n");
		return -EBUSY;
	}
	for (int i = 0; i < nmounts; i++) {
		struct mount *m = mounts[i];
		if (m->m_fs->sync && !m->m_ro) {
			int r = m->m_fs->sync(m);
			if (r && !first)
				first = r;
		}
	}
	vfs_unlock();
	return first;
}

void vfs_shutdown(void)
{
	if (vfs_lock_timed(SYNC_LOCK_WAIT_NS))
		return; /* vfs_sync_all said so */
	for (int i = nmounts - 1; i >= 0; i--) {
		struct mount *m = mounts[i];
		if (m->m_ro)
			continue;
		if (m->m_fs->sync)
			m->m_fs->sync(m);
		if (m->m_fs->unmount)
			m->m_fs->unmount(m);
	}
	vfs_unlock();
}

/* ---- path walk ---- */

static bool is_dir(const struct vnode *vn)
{
	return (vn->v_mode & S_IFMT) == S_IFDIR;
}

/* The root of the mount at canonical path p (its length n), or NULL. */
static struct mount *mount_of(const char *p, size_t n)
{
	for (int i = 0; i < nmounts; i++)
		if (strlen(mounts[i]->m_path) == n && !memcmp(mounts[i]->m_path, p, n))
			return mounts[i];
	return NULL;
}

/* One step from dir (a reference the caller gives up) into `name`, whose
 * canonical path is w->canon[0..clen): the vnode (a reference) or an error. */
static int step(struct vnode *dir, const char *name, size_t len, const char *canon, size_t clen,
		struct vnode **out)
{
	struct mount *m = mount_of(canon, clen);
	if (m) {
		vfs_vref(m->m_root);
		*out = m->m_root;
		return 0;
	}
	if (!dir->v_ops->lookup)
		return -ENOTDIR;
	int r = dir->v_ops->lookup(dir, name, len, out);
	if (r == -ENOENT)
		r = vfs_fallback(canon, out);
	return r;
}

/* Walk the canonical path canon[0..clen) ("/" or "/a/b") from the root. */
static int walk_canon(const char *canon, size_t clen, struct vnode **out)
{
	struct mount *root = mount_of("/", 1);
	if (!root)
		return -ENOENT;
	struct vnode *cur = root->m_root;
	vfs_vref(cur);
	size_t i = 1;
	while (i < clen) {
		size_t j = i;
		while (j < clen && canon[j] != '/')
			j++;
		struct vnode *next;
		if (!is_dir(cur)) {
			vfs_vput(cur);
			return -ENOTDIR;
		}
		int r = step(cur, canon + i, j - i, canon, j, &next);
		vfs_vput(cur);
		if (r)
			return r;
		cur = next;
		i = j + 1;
	}
	*out = cur;
	return 0;
}

/*
 * Resolve `path` (relative ones against base, an absolute canonical path).
 * With WALK_PARENT the last component is not looked up when missing: w->vn is
 * NULL then, w->parent the directory it would be in, w->name/len its name.
 * Either way w->canon is the canonical path of the result.
 */
int vfs_walk(const char *base, const char *path, unsigned flags, struct walk *w)
{
	char *canon = w->canon;
	size_t clen;
	const char *p = path;
	int r;

	memset(w, 0, offsetof(struct walk, canon));
	if (*p == '\0')
		return -ENOENT;
	if (*p == '/') {
		canon[0] = '/';
		clen = 1;
	} else {
		clen = strlen(base);
		memcpy(canon, base, clen);
	}
	canon[clen] = '\0';
	r = walk_canon(canon, clen, &w->vn);
	if (r)
		return r;
	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		const char *name = p;
		while (*p && *p != '/')
			p++;
		size_t len = (size_t)(p - name);
		const char *rest = p;
		while (*rest == '/')
			rest++;
		bool last = *rest == '\0';
		if (len > VFS_NAME_MAX) {
			r = -ENAMETOOLONG;
			goto fail;
		}
		if (!is_dir(w->vn)) {
			r = -ENOTDIR;
			goto fail;
		}
		w->last_dot = len <= 2 && name[0] == '.' && name[len - 1] == '.';
		if (len == 1 && name[0] == '.')
			continue;
		if (len == 2 && name[0] == '.' && name[1] == '.') {
			while (clen > 1 && canon[clen - 1] != '/')
				clen--;
			if (clen > 1)
				clen--;
			canon[clen] = '\0';
			vfs_vput(w->vn);
			w->vn = NULL;
			r = walk_canon(canon, clen, &w->vn);
			if (r)
				return r;
			continue;
		}
		size_t nclen = clen + (clen > 1) + len;
		if (nclen >= VFS_PATH_MAX) {
			r = -ENAMETOOLONG;
			goto fail;
		}
		struct vnode *next = NULL;
		size_t oldclen = clen;
		if (clen > 1)
			canon[clen++] = '/';
		memcpy(canon + clen, name, len);
		clen += len;
		canon[clen] = '\0';
		r = step(w->vn, name, len, canon, clen, &next);
		if (r == -ENOENT && last && (flags & WALK_PARENT)) {
			w->parent = w->vn;
			w->vn = NULL;
			w->name = canon + oldclen + (oldclen > 1);
			w->len = len;
			w->trailing_slash = *p == '/';
			w->clen = clen;
			return 0;
		}
		if (r)
			goto fail;
		if (last && (flags & WALK_PARENT)) {
			w->parent = w->vn;
			w->name = canon + oldclen + (oldclen > 1);
			w->len = len;
		} else {
			vfs_vput(w->vn);
		}
		w->vn = next;
		w->trailing_slash = *p == '/';
	}
	w->clen = clen;
	if (w->trailing_slash && w->vn && !is_dir(w->vn)) {
		r = -ENOTDIR;
		goto fail;
	}
	return 0;
fail:
	vfs_vput(w->vn);
	vfs_vput(w->parent);
	w->vn = w->parent = NULL;
	return r;
}

void vfs_walk_done(struct walk *w)
{
	vfs_vput(w->vn);
	vfs_vput(w->parent);
	w->vn = w->parent = NULL;
}
