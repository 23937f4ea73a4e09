/* SPDX-License-Identifier: MIT */
/* Data and attributes: pread64, pwrite64, preadv, pwritev, sendfile,
 * truncate, ftruncate, fallocate, sync, syncfs (fsync is kernel/fd.c's), chmod,
 * fchmod, fchmodat, the chown family, utimensat, flock. */
#include <k/component.h>
#include <k/errno.h>
#include <k/string.h>
#include <k/syscall.h>
#include <k/time.h>
#include <k/vfs.h>
#include "fs_sys.h"
#include "vfs_impl.h"

#define AT_FDCWD (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_EMPTY_PATH 0x1000
#define IOV_MAX 1024
#define UTIME_NOW ((1l << 30) - 1)
#define UTIME_OMIT ((1l << 30) - 2)
#define LOCK_SH 1
#define LOCK_EX 2
#define LOCK_NB 4
#define LOCK_UN 8

static long pio_fd(long fd, long ubuf, long n, long off, bool wr)
{
	struct file *f = fd_get((int)fd);
	if (!f)
		return -EBADF;
	long r = fd_pio(f, (uint64_t)ubuf, (size_t)n, off, wr);
	file_put(f);
	return r;
}

long sys_pread64(SYSARGS) { return pio_fd(a0, a1, a2, a3, false); }
long sys_pwrite64(SYSARGS) { return pio_fd(a0, a1, a2, a3, true); }

struct kiovec {
	uint64_t base, len;
};

static long piov(long fd, long uiov, long cnt, long off, bool wr)
{
	if (cnt < 0 || cnt > IOV_MAX)
		return -EINVAL;
	if (off < 0)
		return -EINVAL;
	struct file *f = fd_get((int)fd);
	if (!f)
		return -EBADF;
	long total = 0;
	for (long i = 0; i < cnt; i++) {
		struct kiovec v;
		if (user_copy_in(&v, (uint64_t)uiov + (uint64_t)i * sizeof(v), sizeof(v))) {
			total = total ? total : -EFAULT;
			break;
		}
		if ((int64_t)v.len < 0) {
			total = total ? total : -EINVAL;
			break;
		}
		if (v.len == 0)
			continue;
		long r = fd_pio(f, v.base, v.len, off + total, wr);
		if (r < 0) {
			total = total ? total : r;
			break;
		}
		total += r;
		if ((uint64_t)r < v.len)
			break;
	}
	file_put(f);
	return total;
}

long sys_preadv(SYSARGS) { return piov(a0, a1, a2, a3, false); }
long sys_pwritev(SYSARGS) { return piov(a0, a1, a2, a3, true); }

/* ---- sendfile: a file's bytes to any writable descriptor ---- */

static long send_chunks(struct file *out, struct file *in, int64_t *pos, size_t count)
{
	size_t cap, done = 0;
	char *buf = fd_bounce(&cap);
	if (!buf)
		return -ENOMEM;
	while (done < count) {
		size_t want = count - done < cap ? count - done : cap;
		long r = in->ops->pread(in, buf, want, *pos);
		if (r <= 0)
			return done ? (long)done : r;
		long w = out->ops->write(out, buf, (size_t)r);
		if (w <= 0)
			return done ? (long)done : w;
		*pos += w;
		done += (size_t)w;
		if (w < r || (size_t)r < want)
			break;
	}
	return (long)done;
}

long sys_sendfile(SYSARGS)
{
	struct file *out = fd_get((int)a0), *in = fd_get((int)a1);
	long r;
	int64_t pos;
	if (!out || !in)
		r = -EBADF;
	else if ((in->flags & O_ACCMODE) == O_WRONLY || (out->flags & O_ACCMODE) == O_RDONLY)
		r = -EBADF;
	else if (!in->ops->pread || !out->ops->write)
		r = -EINVAL;
	else if (a2 && user_copy_in(&pos, (uint64_t)a2, sizeof(pos)))
		r = -EFAULT;
	else {
		if (!a2)
			pos = in->off;
		if (pos < 0)
			r = -EINVAL;
		else {
			if (out->flags & O_APPEND && vfile_of(out))
				r = -EINVAL; /* as Linux: no sendfile to an O_APPEND file */
			else
				r = send_chunks(out, in, &pos, (size_t)a3);
			if (r >= 0) {
				if (a2)
					r = user_copy_out((uint64_t)a2, &pos, sizeof(pos)) ? -EFAULT : r;
				else
					in->off = pos;
			}
		}
	}
	if (out)
		file_put(out);
	if (in)
		file_put(in);
	return r;
}

/* ---- size ---- */

static int resize(struct vnode *vn, uint64_t size)
{
	if ((vn->v_mode & S_IFMT) == S_IFDIR)
		return -EISDIR;
	if ((vn->v_mode & S_IFMT) != S_IFREG || !vn->v_ops->truncate)
		return -EINVAL;
	if (vn->v_mount->m_ro)
		return -EROFS;
	int r = vn->v_ops->truncate(vn, size);
	if (r == 0)
		fs_mmap_resized(vn, (int64_t)size);
	return r;
}

long sys_truncate(SYSARGS)
{
	if (a1 < 0)
		return -EINVAL;
	struct fsop *o = fsop_new();
	if (!o)
		return -ENOMEM;
	int r = fsop_walk(o, AT_FDCWD, a0, 0);
	if (r == 0)
		r = resize(o->w.vn, (uint64_t)a1);
	fsop_end(o);
	return r;
}

/* The vnode of an open regular file, for the f* calls; with the VFS lock. */
static int locked_vnode(struct file *f, bool need_write, struct vnode **vn)
{
	struct vfile *v = vfile_of(f);
	if (!v)
		return -EINVAL;
	if (need_write && (f->flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	*vn = v->vn;
	return 0;
}

long sys_ftruncate(SYSARGS)
{
	if (a1 < 0)
		return -EINVAL;
	struct file *f = fd_get((int)a0);
	struct vnode *vn;
	if (!f)
		return -EBADF;
	int r = locked_vnode(f, true, &vn);
	if (r == -EBADF)
		r = -EINVAL; /* ftruncate on a read-only descriptor: EINVAL */
	if (r == 0) {
		vfs_lock();
		r = resize(vn, (uint64_t)a1);
		vfs_unlock();
	}
	file_put(f);
	return r;
}

long sys_fallocate(SYSARGS)
{
	if (a1 != 0)
		return -EOPNOTSUPP; /* mode 0 only: no punching or collapsing */
	if (a2 < 0 || a3 <= 0)
		return -EINVAL;
	if (a2 > INT64_MAX - a3)
		return -EFBIG;
	struct file *f = fd_get((int)a0);
	struct vnode *vn;
	if (!f)
		return -EBADF;
	int r = locked_vnode(f, true, &vn);
	if (r == -EINVAL)
		r = -ENODEV; /* not a regular file: as Linux for pipes */
	if (r == 0) {
		vfs_lock();
		if (vn->v_size < a2 + a3)
			r = resize(vn, (uint64_t)(a2 + a3));
		vfs_unlock();
	}
	file_put(f);
	return r;
}

/* ---- durability ---- */

long sys_sync(SYSARGS)
{
	component_sync();
	return 0;
}

long sys_syncfs(SYSARGS)
{
	struct file *f = fd_get((int)a0);
	if (!f)
		return -EBADF;
	struct vfile *v = vfile_of(f);
	long r = 0;
	if (v) {
		vfs_lock();
		struct mount *m = v->vn->v_mount;
		if (!m->m_ro && m->m_fs->sync)
			r = m->m_fs->sync(m);
		vfs_unlock();
	}
	file_put(f);
	return r;
}

/* ---- attributes ---- */

static int set_attr(struct vnode *vn, const struct vattr *va)
{
	if (vn->v_mount->m_ro)
		return -EROFS;
	if (!vn->v_ops->setattr)
		return vn->v_ops->open ? 0 : -EPERM; /* devices: accepted, as nothing changes */
	return vn->v_ops->setattr(vn, va);
}

static long path_attr(long dirfd, long upath, unsigned wflags, const struct vattr *va)
{
	struct fsop *o = fsop_new();
	if (!o)
		return -ENOMEM;
	int r = fsop_walk(o, dirfd, upath, wflags);
	if (r == 0)
		r = va ? set_attr(o->w.vn, va) : 0;
	fsop_end(o);
	return r == -ENOTSUP ? -EPERM : r;
}

static long fd_attr(long fd, const struct vattr *va)
{
	struct fsop *o = fsop_new();
	if (!o)
		return -ENOMEM;
	int r = fsop_walk_fd(o, fd);
	if (r == 0)
		r = va ? set_attr(o->w.vn, va) : 0;
	fsop_end(o);
	return r == -ENOTSUP ? 0 : r;
}

long sys_chmod(SYSARGS)
{
	struct vattr va = { .va_mask = VA_MODE, .va_mode = (uint32_t)a1 };
	return path_attr(AT_FDCWD, a0, 0, &va);
}

long sys_fchmodat(SYSARGS)
{
	struct vattr va = { .va_mask = VA_MODE, .va_mode = (uint32_t)a2 };
	return path_attr(a0, a1, 0, &va);
}

long sys_fchmod(SYSARGS)
{
	struct vattr va = { .va_mask = VA_MODE, .va_mode = (uint32_t)a1 };
	return fd_attr(a0, &va);
}

/* Owners: everything belongs to root (0:0); "changing" to that, or -1
 * (unchanged), succeeds, anything else cannot be stored: EPERM. */
static bool owner_ok(long uid, long gid)
{
	return ((int)uid == -1 || uid == 0) && ((int)gid == -1 || gid == 0);
}

long sys_chown(SYSARGS)
{
	long r = path_attr(AT_FDCWD, a0, 0, NULL);
	return r ? r : owner_ok(a1, a2) ? 0 : -EPERM;
}

long sys_fchown(SYSARGS)
{
	struct file *f = fd_get((int)a0);
	if (!f)
		return -EBADF;
	file_put(f);
	return owner_ok(a1, a2) ? 0 : -EPERM;
}

long sys_fchownat(SYSARGS)
{
	if (a4 & ~(long)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	long r = path_attr(a0, a1, (a4 & AT_EMPTY_PATH) ? WALK_EMPTY : 0, NULL);
	return r ? r : owner_ok(a2, a3) ? 0 : -EPERM;
}

struct ktimespec {
	int64_t tv_sec, tv_nsec;
};

/* One utimensat time: mask bit and value, or -EINVAL. */
static int utime_of(const struct ktimespec *t, unsigned bit, uint64_t now, struct vattr *va,
		    uint64_t *out)
{
	if (t->tv_nsec == UTIME_OMIT)
		return 0;
	if (t->tv_nsec == UTIME_NOW) {
		*out = now;
	} else {
		if (t->tv_nsec < 0 || t->tv_nsec >= 1000000000 || t->tv_sec < 0)
			return -EINVAL;
		*out = (uint64_t)t->tv_sec * 1000000000ull + (uint64_t)t->tv_nsec;
	}
	va->va_mask |= bit;
	return 0;
}

long sys_utimensat(SYSARGS)
{
	struct ktimespec ts[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };
	struct vattr va = { 0 };
	uint64_t now = time_realtime_ns();
	if (a3 & ~(long)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (a2 && user_copy_in(ts, (uint64_t)a2, sizeof(ts)))
		return -EFAULT;
	int r = utime_of(&ts[0], VA_ATIME, now, &va, &va.va_atime_ns);
	if (r == 0)
		r = utime_of(&ts[1], VA_MTIME, now, &va, &va.va_mtime_ns);
	if (r)
		return r;
	if (!a1)
		return fd_attr(a0, va.va_mask ? &va : NULL); /* futimens */
	return path_attr(a0, a1, (a3 & AT_EMPTY_PATH) ? WALK_EMPTY : 0, va.va_mask ? &va : NULL);
}

/* Whole-file locks with one process: always granted (k/fd.h's record locks
 * say why). */
long sys_flock(SYSARGS)
{
	long op = a1 & ~(long)LOCK_NB;
	struct file *f = fd_get((int)a0);
	if (!f)
		return -EBADF;
	file_put(f);
	return op == LOCK_SH || op == LOCK_EX || op == LOCK_UN ? 0 : -EINVAL;
}
