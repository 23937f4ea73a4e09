/* SPDX-License-Identifier: MIT */
/* open, openat, creat: a path to a descriptor (fs/vfile.c for regular files
 * and directories, the device's own file for /dev and /etc). */
#include <k/errno.h>
#include <k/kheap.h>
#include <k/syscall.h>
#include <k/vfs.h>
#include "fs_sys.h"
#include "vfs_impl.h"

#define O_EXCL 0200
#define O_TRUNC 01000
#define O_DIRECTORY 0200000
#define O_TMPFILE_BIT 020000000 /* with O_DIRECTORY: O_TMPFILE */
#define O_PATH 010000000
#define AT_FDCWD (-100)

static bool writes(int flags)
{
	return (flags & O_ACCMODE) != O_RDONLY;
}

/* Create the missing last component of w as a regular file. */
static int create_file(struct walk *w, uint32_t mode, struct vnode **out)
{
	struct vnode *dir = w->parent;
	if (w->trailing_slash)
		return -EISDIR;
	if (dir->v_mount->m_ro)
		return -EROFS;
	if (!dir->v_ops->create)
		return -EACCES;
	mode = S_IFREG | (mode & 07777 & ~proc_umask());
	return dir->v_ops->create(dir, w->name, w->len, mode, out);
}

/* Check an existing vnode against the open flags. */
static int check_existing(struct vnode *vn, int flags)
{
	bool dir = (vn->v_mode & S_IFMT) == S_IFDIR;
	if ((flags & O_CREAT) && (flags & O_EXCL))
		return -EEXIST;
	if (dir && (writes(flags) || (flags & O_CREAT)))
		return -EISDIR;
	if (!dir && (flags & O_DIRECTORY))
		return -ENOTDIR;
	if (writes(flags) && vn->v_mount->m_ro && !vn->v_ops->open)
		return -EROFS;
	return 0;
}

/* The file for an opened path (VFS lock held); takes w->vn. */
static struct file *open_vnode(struct walk *w, int flags, int *err)
{
	struct vnode *vn = w->vn;
	if (vn->v_ops->open) {
		struct file *f = vn->v_ops->open(vn, flags, err);
		return f; /* w->vn still holds its reference: fsop_end drops it */
	}
	bool reg = (vn->v_mode & S_IFMT) == S_IFREG;
	if (reg && (flags & O_TRUNC) && writes(flags) && vn->v_size != 0) {
		*err = vn->v_ops->truncate ? vn->v_ops->truncate(vn, 0) : -EINVAL;
		if (*err)
			return NULL;
		fs_mmap_resized(vn, 0);
	}
	struct file *f = vfile_open(vn, w->canon, flags, err);
	if (f)
		w->vn = NULL; /* the file has the reference now */
	return f;
}

long fs_openat(long dirfd, long upath, long flags, long mode)
{
	int fl = (int)flags, err;
	struct file *f = NULL;
	if ((fl & O_TMPFILE_BIT) && (fl & O_DIRECTORY))
		return -EOPNOTSUPP; /* no anonymous files here (FAT cannot have them) */
	struct fsop *o = fsop_new();
	if (!o)
		return -ENOMEM;
	err = fsop_walk(o, dirfd, upath, (fl & O_CREAT) ? WALK_PARENT : 0);
	if (err == 0 && !o->w.vn) {
		err = create_file(&o->w, (uint32_t)mode, &o->w.vn);
		if (err == 0)
			fl &= ~O_TRUNC; /* new and empty */
	} else if (err == 0) {
		err = check_existing(o->w.vn, fl);
	}
	if (err == 0)
		f = open_vnode(&o->w, fl & ~O_PATH, &err);
	fsop_end(o);
	if (!f)
		return err;
	int fd = fd_install_cloexec(f, (fl & O_CLOEXEC) != 0);
	if (fd < 0)
		file_put(f);
	return fd;
}

long sys_openat(SYSARGS) { return fs_openat(a0, a1, a2, a3); }
long sys_open(SYSARGS) { return fs_openat(AT_FDCWD, a0, a1, a2); }
long sys_creat(SYSARGS) { return fs_openat(AT_FDCWD, a0, O_CREAT | O_WRONLY | O_TRUNC, a1); }
