/* SPDX-License-Identifier: MIT */
/* What a path or descriptor is: stat, lstat, newfstatat, statx, access,
 * faccessat(2), readlink(at), statfs, fstatfs. No symbolic links exist, so
 * the lstat forms equal the stat ones and readlink always says EINVAL. */
#include <stddef.h>
#include <k/errno.h>
#include <k/string.h>
#include <k/syscall.h>
#include <k/vfs.h>
#include "fs_sys.h"
#include "vfs_impl.h"

#define AT_FDCWD (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_EACCESS 0x200
#define AT_NO_AUTOMOUNT 0x800
#define AT_EMPTY_PATH 0x1000
#define AT_STATX_SYNC_TYPE 0x6000
#define R_OK 4
#define W_OK 2
#define X_OK 1

static long stat_at(long dirfd, long upath, struct kstat *st, long flags)
{
	if (flags & ~(long)(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH |
			    AT_STATX_SYNC_TYPE))
		return -EINVAL;
	struct fsop *o = fsop_new();
	if (!o)
		return -ENOMEM;
	int r = fsop_walk(o, dirfd, upath, (flags & AT_EMPTY_PATH) ? WALK_EMPTY : 0);
	if (r == -ENOTSUP && o->hold) {
		/* AT_EMPTY_PATH on a pipe, socket or device: its own stat. */
		struct file *f = o->hold;
		memset(st, 0, sizeof(*st));
		st->blksize = 4096;
		st->nlink = 1;
		if (f->ops->stat)
			f->ops->stat(f, st);
		r = 0;
	} else if (r == 0) {
		vfs_getattr(o->w.vn, st);
	}
	fsop_end(o);
	return r;
}

static long stat_out(long dirfd, long upath, long ust, long flags)
{
	struct kstat st;
	long r = stat_at(dirfd, upath, &st, flags);
	if (r)
		return r;
	return user_copy_out((uint64_t)ust, &st, sizeof(st));
}

long sys_stat(SYSARGS) { return stat_out(AT_FDCWD, a0, a1, 0); }
long sys_lstat(SYSARGS) { return stat_out(AT_FDCWD, a0, a1, AT_SYMLINK_NOFOLLOW); }
long sys_newfstatat(SYSARGS) { return stat_out(a0, a1, a2, a3); }

struct statx_ts {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t pad;
};

struct kstatx {
	uint32_t stx_mask, stx_blksize;
	uint64_t stx_attributes;
	uint32_t stx_nlink, stx_uid, stx_gid;
	uint16_t stx_mode, pad1;
	uint64_t stx_ino, stx_size, stx_blocks, stx_attributes_mask;
	struct statx_ts stx_atime, stx_btime, stx_ctime, stx_mtime;
	uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
	uint64_t spare[14];
};
_Static_assert(sizeof(struct kstatx) == 256, "statx is 256 bytes");

#define STATX_BASIC_STATS 0x7ff

long sys_statx(SYSARGS)
{
	struct kstat st;
	if ((uint32_t)a3 & 0x80000000u) /* STATX__RESERVED */
		return -EINVAL;
	long r = stat_at(a0, a1, &st, a2);
	if (r)
		return r;
	struct kstatx x;
	memset(&x, 0, sizeof(x));
	x.stx_mask = STATX_BASIC_STATS;
	x.stx_blksize = (uint32_t)st.blksize;
	x.stx_nlink = (uint32_t)st.nlink;
	x.stx_mode = (uint16_t)st.mode;
	x.stx_ino = st.ino;
	x.stx_size = (uint64_t)st.size;
	x.stx_blocks = (uint64_t)st.blocks;
	x.stx_atime = (struct statx_ts){ (int64_t)st.atime, (uint32_t)st.atime_ns, 0 };
	x.stx_mtime = (struct statx_ts){ (int64_t)st.mtime, (uint32_t)st.mtime_ns, 0 };
	x.stx_ctime = (struct statx_ts){ (int64_t)st.ctime, (uint32_t)st.ctime_ns, 0 };
	x.stx_rdev_major = (uint32_t)(st.rdev >> 8);
	x.stx_rdev_minor = (uint32_t)(st.rdev & 0xff);
	x.stx_dev_major = (uint32_t)(st.dev >> 8);
	x.stx_dev_minor = (uint32_t)(st.dev & 0xff);
	return user_copy_out((uint64_t)a4, &x, sizeof(x));
}

/* The one user is root: reading and writing are always allowed (but a
 * read-only mount refuses writes), executing needs an x bit somewhere. */
static long access_at(long dirfd, long upath, long mode, long flags)
{
	if (mode & ~(long)(R_OK | W_OK | X_OK))
		return -EINVAL;
	if (flags & ~(long)(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct fsop *o = fsop_new();
	if (!o)
		return -ENOMEM;
	int r = fsop_walk(o, dirfd, upath, (flags & AT_EMPTY_PATH) ? WALK_EMPTY : 0);
	if (r == 0) {
		struct vnode *vn = o->w.vn;
		bool dev = vn->v_ops->open != NULL;
		if ((mode & W_OK) && vn->v_mount->m_ro && !dev)
			r = -EROFS;
		else if ((mode & X_OK) && (vn->v_mode & S_IFMT) != S_IFDIR && !(vn->v_mode & 0111))
			r = -EACCES;
	}
	fsop_end(o);
	return r == -ENOTSUP ? 0 : r;
}

long sys_access(SYSARGS) { return access_at(AT_FDCWD, a0, a1, 0); }
long sys_faccessat(SYSARGS) { return access_at(a0, a1, a2, 0); }
long sys_faccessat2(SYSARGS) { return access_at(a0, a1, a2, a3); }

static long readlink_at(long dirfd, long upath, long ubuf, long size)
{
	if (size <= 0)
		return -EINVAL;
	struct fsop *o = fsop_new();
	if (!o)
		return -ENOMEM;
	int r = fsop_walk(o, dirfd, upath, 0);
	fsop_end(o);
	return r ? r : -EINVAL; /* it exists and is not a symbolic link */
}

long sys_readlink(SYSARGS) { return readlink_at(AT_FDCWD, a0, a1, a2); }
long sys_readlinkat(SYSARGS) { return readlink_at(a0, a1, a2, a3); }

static long statfs_of(struct mount *m, long ubuf)
{
	struct kstatfs st;
	memset(&st, 0, sizeof(st));
	st.f_namelen = VFS_NAME_MAX;
	st.f_fsid[0] = (int32_t)m->m_devno;
	st.f_flags = m->m_ro ? 1 /* ST_RDONLY */ : 0;
	if (m->m_fs->statfs) {
		int r = m->m_fs->statfs(m, &st);
		if (r)
			return r;
	}
	if (m->m_ro)
		st.f_flags |= 1;
	return user_copy_out((uint64_t)ubuf, &st, sizeof(st));
}

/* A pipe, socket or device: an anonymous file system, as on Linux. */
static long statfs_anon(long ubuf)
{
	struct kstatfs st;
	memset(&st, 0, sizeof(st));
	st.f_type = 0x50495045; /* PIPEFS_MAGIC */
	st.f_bsize = st.f_frsize = 4096;
	st.f_namelen = VFS_NAME_MAX;
	return user_copy_out((uint64_t)ubuf, &st, sizeof(st));
}

long sys_statfs(SYSARGS)
{
	struct fsop *o = fsop_new();
	if (!o)
		return -ENOMEM;
	long r = fsop_walk(o, AT_FDCWD, a0, 0);
	if (r == 0)
		r = statfs_of(o->w.vn->v_mount, a1);
	fsop_end(o);
	return r;
}

long sys_fstatfs(SYSARGS)
{
	struct fsop *o = fsop_new();
	if (!o)
		return -ENOMEM;
	long r = fsop_walk_fd(o, a0);
	if (r == 0)
		r = statfs_of(o->w.vn->v_mount, a1);
	else if (r == -ENOTSUP)
		r = statfs_anon(a1);
	fsop_end(o);
	return r;
}
