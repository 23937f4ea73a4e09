/* SPDX-License-Identifier: MIT */
/* Directories and names: mkdir(at), rmdir, unlink(at), rename(at)(2),
 * getdents64, chdir, fchdir, getcwd. */
#include <k/errno.h>
#include <k/kheap.h>
#include <k/string.h>
#include <k/syscall.h>
#include <k/vfs.h>
#include "fs_sys.h"
#include "vfs_impl.h"

#define AT_FDCWD (-100)
#define AT_REMOVEDIR 0x200
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#define RENAME_WHITEOUT 4

static bool vdir(const struct vnode *vn)
{
	return (vn->v_mode & S_IFMT) == S_IFDIR;
}

/* The last component of w names an entry of its parent on the same mount
 * (not a mount point, the root, "." or ".."): 0 or the error Linux gives. */
static int plain_entry(const struct walk *w, int dot_err)
{
	if (w->last_dot)
		return dot_err;
	if (!w->parent || (w->vn && w->vn->v_mount != w->parent->v_mount))
		return -EBUSY;
	return 0;
}

static long mkdir_at(long dirfd, long upath, long mode)
{
	struct fsop *o = fsop_new();
	if (!o)
		return -ENOMEM;
	int r = fsop_walk(o, dirfd, upath, WALK_PARENT);
	if (r == 0 && (o->w.vn || !o->w.parent))
		r = -EEXIST;
	if (r == 0 && o->w.parent->v_mount->m_ro)
		r = -EROFS;
	if (r == 0 && !o->w.parent->v_ops->create)
		r = -EPERM;
	if (r == 0) {
		uint32_t m = S_IFDIR | ((uint32_t)mode & 07777 & ~proc_umask());
		struct vnode *vn;
		r = o->w.parent->v_ops->create(o->w.parent, o->w.name, o->w.len, m, &vn);
		if (r == 0)
			vfs_vput(vn);
	}
	fsop_end(o);
	return r;
}

long sys_mkdir(SYSARGS) { return mkdir_at(AT_FDCWD, a0, a1); }
long sys_mkdirat(SYSARGS) { return mkdir_at(a0, a1, a2); }

static long remove_at(long dirfd, long upath, bool isdir)
{
	struct fsop *o = fsop_new();
	if (!o)
		return -ENOMEM;
	int r = fsop_walk(o, dirfd, upath, WALK_PARENT);
	if (r == 0 && !o->w.vn)
		r = -ENOENT;
	if (r == 0)
		r = plain_entry(&o->w, isdir ? -EINVAL : -EISDIR);
	if (r == 0 && !isdir && vdir(o->w.vn))
		r = -EISDIR;
	if (r == 0 && isdir && !vdir(o->w.vn))
		r = -ENOTDIR;
	if (r == 0 && o->w.parent->v_mount->m_ro)
		r = -EROFS;
	if (r == 0 && !o->w.parent->v_ops->unlink)
		r = -EPERM;
	if (r == 0)
		r = o->w.parent->v_ops->unlink(o->w.parent, o->w.name, o->w.len, isdir);
	fsop_end(o);
	return r;
}

long sys_rmdir(SYSARGS) { return remove_at(AT_FDCWD, a0, true); }
long sys_unlink(SYSARGS) { return remove_at(AT_FDCWD, a0, false); }

long sys_unlinkat(SYSARGS)
{
	if (a2 & ~(long)AT_REMOVEDIR)
		return -EINVAL;
	return remove_at(a0, a1, (a2 & AT_REMOVEDIR) != 0);
}

/* Is canonical path `in` inside (or equal to) canonical path `dir`? */
static bool path_within(const char *in, const char *dir)
{
	size_t n = strlen(dir);
	if (n == 1)
		return true;
	return !strncmp(in, dir, n) && (in[n] == '/' || in[n] == '\0');
}

static int rename_check(const struct walk *src, const struct walk *dst, unsigned flags)
{
	int r;
	if (!src->vn)
		return -ENOENT;
	if ((r = plain_entry(src, -EINVAL)) || (r = plain_entry(dst, -EINVAL)))
		return r;
	if (src->parent->v_mount != dst->parent->v_mount)
		return -EXDEV;
	if (src->parent->v_mount->m_ro)
		return -EROFS;
	if (!src->parent->v_ops->rename)
		return -EPERM;
	if (dst->vn && (flags & RENAME_NOREPLACE) && dst->vn != src->vn)
		return -EEXIST;
	if (dst->vn && dst->vn != src->vn) {
		if (vdir(src->vn) && !vdir(dst->vn))
			return -ENOTDIR;
		if (!vdir(src->vn) && vdir(dst->vn))
			return -EISDIR;
	}
	if (!vdir(src->vn) && dst->trailing_slash)
		return -ENOTDIR;
	/* A directory cannot move into itself or below. */
	if (vdir(src->vn) && path_within(dst->canon, src->canon) && dst->vn != src->vn)
		return -EINVAL;
	return 0;
}

static long rename_at(long odirfd, long oupath, long ndirfd, long nupath, long flags)
{
	/* RENAME_EXCHANGE and RENAME_WHITEOUT: not on these file systems. */
	if (flags & ~(long)RENAME_NOREPLACE)
		return -EINVAL;
	struct fsop *src = fsop_new(), *dst = fsop_new();
	int r = src && dst ? 0 : -ENOMEM;
	if (r == 0)
		r = fsop_prepare(src, odirfd, oupath, WALK_PARENT);
	if (r == 0)
		r = fsop_prepare(dst, ndirfd, nupath, WALK_PARENT);
	if (r == 0 && (!src->path[0] || !dst->path[0]))
		r = -ENOENT;
	if (r == 0) {
		vfs_lock();
		src->locked = true; /* fsop_end(src) lets go of the lock */
		r = fsop_walk_locked(src);
		if (r == 0)
			r = fsop_walk_locked(dst);
		if (r == 0)
			r = rename_check(&src->w, &dst->w, (unsigned)flags);
		if (r == 0)
			r = src->w.parent->v_ops->rename(src->w.parent, src->w.name, src->w.len,
							 dst->w.parent, dst->w.name, dst->w.len,
							 (unsigned)flags);
		vfs_walk_done(&dst->w);
	}
	fsop_end(src);
	fsop_end(dst);
	return r;
}

long sys_rename(SYSARGS) { return rename_at(AT_FDCWD, a0, AT_FDCWD, a1, 0); }
long sys_renameat(SYSARGS) { return rename_at(a0, a1, a2, a3, 0); }
long sys_renameat2(SYSARGS) { return rename_at(a0, a1, a2, a3, a4); }

/* ---- getdents64 ---- */

struct dents {
	uint64_t ubuf;
	size_t cap, used;
	int err;
};

static int put_dent(void *ctx, const char *name, size_t len, uint64_t ino, unsigned type,
		    uint64_t next)
{
	struct dents *d = ctx;
	uint8_t rec[19 + VFS_NAME_MAX + 1 + 8];
	size_t reclen = (19 + len + 1 + 7) & ~(size_t)7;
	if (d->used + reclen > d->cap)
		return 1;
	memset(rec, 0, reclen);
	int64_t off = (int64_t)next;
	uint16_t rl = (uint16_t)reclen;
	memcpy(rec, &ino, 8);
	memcpy(rec + 8, &off, 8);
	memcpy(rec + 16, &rl, 2);
	rec[18] = (uint8_t)type;
	memcpy(rec + 19, name, len);
	if (user_copy_out(d->ubuf + d->used, rec, reclen)) {
		d->err = -EFAULT;
		return 1;
	}
	d->used += reclen;
	return 0;
}

/* Positions: 0 ".", 1 "..", then the file system's own plus 2. */
static int fs_fill(void *ctx, const char *name, size_t len, uint64_t ino, unsigned type,
		   uint64_t next)
{
	return put_dent(ctx, name, len, ino, type, next + 2);
}

long sys_getdents64(SYSARGS)
{
	struct file *f = fd_get((int)a0);
	if (!f)
		return -EBADF;
	struct vfile *v = vfile_of(f);
	long r = 0;
	struct dents d = { (uint64_t)a1, (size_t)a2, 0, 0 };
	if (!v || f->ops != &vdir_ops) {
		file_put(f);
		return -ENOTDIR;
	}
	vfs_lock();
	uint64_t pos = (uint64_t)f->off;
	uint64_t ino = v->vn->v_key ? v->vn->v_key : 1;
	if (pos == 0 && !put_dent(&d, ".", 1, ino, VDT_DIR, 1))
		pos = 1;
	if (pos == 1 && !d.err && !put_dent(&d, "..", 2, 1, VDT_DIR, 2))
		pos = 2;
	if (pos >= 2 && !d.err && d.used < d.cap) {
		uint64_t fpos = pos - 2;
		r = v->vn->v_ops->readdir ? v->vn->v_ops->readdir(v->vn, &fpos, fs_fill, &d) : 0;
		pos = fpos + 2;
	}
	f->off = (int64_t)pos;
	vfs_unlock();
	file_put(f);
	if (d.err && d.used == 0)
		return d.err;
	if (r && d.used == 0)
		return r;
	if (d.used == 0 && d.cap > 0 && pos < 2)
		return -EINVAL; /* not even "." fits */
	return (long)d.used;
}

/* ---- the current directory ---- */

long sys_chdir(SYSARGS)
{
	struct fsop *o = fsop_new();
	if (!o)
		return -ENOMEM;
	int r = fsop_walk(o, AT_FDCWD, a0, 0);
	if (r == 0 && !vdir(o->w.vn))
		r = -ENOTDIR;
	if (r == 0)
		vfs_set_cwd(o->w.canon, strlen(o->w.canon));
	fsop_end(o);
	return r;
}

long sys_fchdir(SYSARGS)
{
	struct file *f = fd_get((int)a0);
	if (!f)
		return -EBADF;
	struct vfile *v = vfile_of(f);
	long r = 0;
	if (!v || f->ops != &vdir_ops)
		r = -ENOTDIR;
	else {
		vfs_lock();
		vfs_set_cwd(v->path, strlen(v->path));
		vfs_unlock();
	}
	file_put(f);
	return r;
}

long sys_getcwd(SYSARGS)
{
	char *buf = kmalloc(VFS_PATH_MAX);
	if (!buf)
		return -ENOMEM;
	vfs_lock();
	size_t len = strlen(vfs_cwd()) + 1;
	memcpy(buf, vfs_cwd(), len);
	vfs_unlock();
	long r = (size_t)a1 < len ? -ERANGE : user_copy_out((uint64_t)a0, buf, len) ? -EFAULT
										     : (long)len;
	kfree(buf);
	return r;
}
