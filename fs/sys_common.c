/* SPDX-License-Identifier: MIT */
/* What the file system calls share: the current directory, the base of a
 * *at call's relative path, paths from user memory. */
#include <k/errno.h>
#include <k/kheap.h>
#include <k/string.h>
#include <k/syscall.h>
#include <k/vfs.h>
#include "vfs_impl.h"

#define AT_FDCWD (-100)

static char cwd[VFS_PATH_MAX] = "/";

const char *vfs_cwd(void)
{
	return cwd;
}

void vfs_set_cwd(const char *canon, size_t len)
{
	memcpy(cwd, canon, len);
	cwd[len] = '\0';
}

int vfs_at_base(long dirfd, const char **base, struct file **hold)
{
	*hold = NULL;
	if ((int)dirfd == AT_FDCWD) {
		*base = cwd;
		return 0;
	}
	struct file *f = fd_get((int)dirfd);
	if (!f)
		return -EBADF;
	struct vfile *v = vfile_of(f);
	if (!v || f->ops != &vdir_ops) {
		file_put(f);
		return -ENOTDIR;
	}
	*hold = f;
	*base = v->path;
	return 0;
}

int vfs_path_in(char *dst, long upath)
{
	long r = user_string_in(dst, (uint64_t)upath, VFS_PATH_MAX);
	if (r < 0)
		return (int)r;
	return r == 0 ? -ENOENT : 0;
}

struct fsop *fsop_new(void)
{
	struct fsop *o = kmalloc(sizeof(*o));
	if (o) {
		o->hold = NULL;
		o->locked = false;
		o->w.vn = o->w.parent = NULL;
	}
	return o;
}

int fsop_prepare(struct fsop *o, long dirfd, long upath, unsigned flags)
{
	int r = vfs_path_in(o->path, upath);
	o->base = "/";
	o->flags = flags;
	if (r == -ENOENT && (flags & WALK_EMPTY)) {
		/* AT_EMPTY_PATH: the descriptor itself (the current directory
		 * for AT_FDCWD). */
		o->path[0] = dirfd == AT_FDCWD ? '.' : '\0';
		o->path[1] = '\0';
		r = 0;
	}
	if (r || o->path[0] == '/' || o->path[0] == '\0')
		return r;
	return vfs_at_base(dirfd, &o->base, &o->hold);
}

int fsop_walk_locked(struct fsop *o)
{
	return vfs_walk(o->base, o->path, o->flags & ~WALK_EMPTY, &o->w);
}

int fsop_walk(struct fsop *o, long dirfd, long upath, unsigned flags)
{
	int r = fsop_prepare(o, dirfd, upath, flags);
	if (r)
		return r;
	if (o->path[0] == '\0')
		return fsop_walk_fd(o, dirfd);
	vfs_lock();
	o->locked = true;
	return fsop_walk_locked(o);
}

/* AT_EMPTY_PATH on any descriptor: its vnode when it is one of ours. */
int fsop_walk_fd(struct fsop *o, long fd)
{
	struct file *f = fd_get((int)fd);
	if (!f)
		return -EBADF;
	o->hold = f;
	struct vfile *v = vfile_of(f);
	vfs_lock();
	o->locked = true;
	if (!v)
		return -ENOTSUP; /* a pipe, socket or device: the caller uses fstat */
	vfs_vref(v->vn);
	o->w.vn = v->vn;
	o->w.parent = NULL;
	size_t len = strlen(v->path);
	memcpy(o->w.canon, v->path, len + 1);
	o->w.clen = len;
	return 0;
}

void fsop_end(struct fsop *o)
{
	if (!o)
		return;
	if (o->locked) {
		vfs_walk_done(&o->w);
		vfs_unlock();
	}
	if (o->hold)
		file_put(o->hold);
	kfree(o);
}
