/* SPDX-License-Identifier: MIT */
/* Inside the VFS: path walks, the mount table, the files of vnodes. */
#ifndef FS_VFS_IMPL_H
#define FS_VFS_IMPL_H

#include <k/vfs.h>

#define S_IFMT 0170000

/* vfs_walk flags */
#define WALK_PARENT 1u /* the last component may be missing: see vfs_walk */
#define WALK_EMPTY  2u /* fsop_walk: an empty path names dirfd (AT_EMPTY_PATH) */

struct walk {
	struct vnode *vn;     /* the result (a reference), NULL if missing */
	struct vnode *parent; /* WALK_PARENT: its directory (a reference), or NULL
			       * when the path ends at a mount root, "." or ".." */
	const char *name;     /* WALK_PARENT: the last component (in canon) */
	size_t len;
	bool trailing_slash;  /* the path ended with '/' */
	bool last_dot;        /* its last component was "." or ".." */
	size_t clen;
	char canon[VFS_PATH_MAX]; /* canonical absolute path of the result */
};

/* fs/vfs.c. All under the VFS lock. */
int vfs_walk(const char *base, const char *path, unsigned flags, struct walk *w);
void vfs_walk_done(struct walk *w);
int vfs_mount(const struct fs_ops *fs, struct blkdev *dev, const char *path, const char *devname,
	      bool ro, struct mount **out);
struct mount *vfs_mount_at(const char *path);
struct mount *vfs_mount_get(int i);

/* fs/devmnt.c: the device and /etc mounts. */
extern const struct fs_ops devfs_fs_ops;
extern const struct fs_ops etc_fs_ops;
/* A missing /etc/hosts or /etc/resolv.conf: the kernel's own (a reference),
 * else -ENOENT. */
int vfs_fallback(const char *canon, struct vnode **out);

/* fs/ramfs.c */
extern const struct fs_ops ramfs_fs_ops;

/* At exit another thread may still be inside a file operation (waiting for
 * its disk): the exit's write-back waits for it, but not for ever. */
#define SYNC_LOCK_WAIT_NS (10ull * 1000000000ull)

/* fs/mmap.c: keeping shared mappings coherent with their file (VFS lock
 * held; each does nothing unless vn->v_maps). Bytes written to the file;
 * its new size; before the file is read: the mappings' writes to it. */
void fs_mmap_written(struct vnode *vn, int64_t off, const void *buf, size_t n);
void fs_mmap_resized(struct vnode *vn, int64_t size);
void fs_mmap_flush(struct vnode *vn);

/* The attributes the VFS reports for vn (dev, ino, blksize filled in). */
void vfs_getattr(struct vnode *vn, struct kstat *st);

/* fs/vfile.c: open files of vnodes. */
struct vfile {
	struct vnode *vn;
	char *path;          /* canonical path at open (directories: *at calls) */
	uint64_t dirpos;     /* getdents position */
};
extern const struct file_ops vfile_ops, vdir_ops;
/* A file for vn (takes over the caller's reference on success). */
struct file *vfile_open(struct vnode *vn, const char *canon, int flags, int *err);
/* The vnode behind f if it is one of ours (regular file or directory), else NULL. */
struct vfile *vfile_of(struct file *f);

/* fs/sys_*.c helpers */
/* The current directory's canonical path (a static buffer, VFS lock held). */
const char *vfs_cwd(void);
void vfs_set_cwd(const char *canon, size_t len);
/* The base for a *at call's relative path: the cwd for AT_FDCWD, else the
 * directory's path (0), or -EBADF / -ENOTDIR. */
int vfs_at_base(long dirfd, const char **base, struct file **hold);
/* A path from user memory into a kernel buffer of VFS_PATH_MAX: 0,
 * -EFAULT, -ENAMETOOLONG, -ENOENT (empty). */
int vfs_path_in(char *dst, long upath);

/* One path call's scratch: fsop_new; fsop_walk copies the path in, finds
 * its base, takes the VFS lock and walks (the lock is held on return, even
 * on an error); fsop_end lets go of everything. */
struct fsop {
	struct walk w;
	struct file *hold;   /* the dirfd's file while its path is in use */
	const char *base;    /* what a relative path starts from */
	unsigned flags;
	bool locked;
	char path[VFS_PATH_MAX];
};
struct fsop *fsop_new(void);
int fsop_walk(struct fsop *o, long dirfd, long upath, unsigned flags);
/* The two halves of fsop_walk, for calls that walk two paths under one
 * lock (rename): copy and find the base without the lock, then walk with it
 * held (the caller sets o->locked). */
int fsop_prepare(struct fsop *o, long dirfd, long upath, unsigned flags);
int fsop_walk_locked(struct fsop *o);
int fsop_walk_fd(struct fsop *o, long fd);
void fsop_end(struct fsop *o);

#endif
