/* SPDX-License-Identifier: MIT */
/*
 * Open files of vnodes: regular files (read and write at the file offset,
 * O_APPEND writes at the end under the VFS lock, so appends from several
 * threads never overwrite each other) and directories (getdents64 works on
 * their offset, fs/sys_dir.c). Data moves between the descriptor layer's
 * bounce buffer (kernel/fd.c) and the file system.
 */
#include <k/errno.h>
#include <k/kheap.h>
#include <k/string.h>
#include <k/vfs.h>
#include "vfs_impl.h"

#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#define OFF_MAX 0x7fffffffffffffffll

static struct vfile *vf(struct file *f) { return f->priv; }

struct vfile *vfile_of(struct file *f)
{
	return f->ops == &vfile_ops || f->ops == &vdir_ops ? f->priv : NULL;
}

static long vf_pread(struct file *f, void *buf, size_t n, int64_t off)
{
	struct vnode *vn = vf(f)->vn;
	if (off < 0)
		return -EINVAL;
	vfs_lock();
	fs_mmap_flush(vn);
	long r = vn->v_ops->read ? vn->v_ops->read(vn, buf, n, (uint64_t)off) : -EINVAL;
	vfs_unlock();
	return r;
}

static long do_write(struct vnode *vn, const void *buf, size_t n, uint64_t off)
{
	if (vn->v_mount->m_ro)
		return -EROFS;
	if (!vn->v_ops->write)
		return -EINVAL;
	if (off > (uint64_t)OFF_MAX - n)
		return -EFBIG;
	long r = vn->v_ops->write(vn, buf, n, off);
	if (r > 0)
		fs_mmap_written(vn, (int64_t)off, buf, (size_t)r);
	return r;
}

static long vf_pwrite(struct file *f, const void *buf, size_t n, int64_t off)
{
	if (off < 0)
		return -EINVAL;
	vfs_lock();
	long r = do_write(vf(f)->vn, buf, n, (uint64_t)off);
	vfs_unlock();
	return r;
}

static long vf_read(struct file *f, void *buf, size_t n)
{
	struct vnode *vn = vf(f)->vn;
	vfs_lock();
	fs_mmap_flush(vn);
	long r = vn->v_ops->read ? vn->v_ops->read(vn, buf, n, (uint64_t)f->off) : -EINVAL;
	if (r > 0)
		f->off += r;
	vfs_unlock();
	return r;
}

static long vf_write(struct file *f, const void *buf, size_t n)
{
	struct vnode *vn = vf(f)->vn;
	vfs_lock();
	if (f->flags & O_APPEND)
		f->off = vn->v_size;
	long r = do_write(vn, buf, n, (uint64_t)f->off);
	if (r > 0)
		f->off += r;
	vfs_unlock();
	return r;
}

static int64_t vf_lseek(struct file *f, int64_t off, int whence)
{
	int64_t base;
	vfs_lock();
	switch (whence) {
	case SEEK_SET: base = 0; break;
	case SEEK_CUR: base = f->off; break;
	case SEEK_END: base = vf(f)->vn->v_size; break;
	default:
		/* SEEK_DATA and SEEK_HOLE are optional: EINVAL, as a file
		 * system without them says. */
		vfs_unlock();
		return -EINVAL;
	}
	int64_t r;
	if ((off > 0 && base > OFF_MAX - off) || base + off < 0)
		r = -EINVAL;
	else
		r = f->off = base + off;
	vfs_unlock();
	return r;
}

static int64_t vdir_lseek(struct file *f, int64_t off, int whence)
{
	/* Directory offsets are the positions getdents64 handed out. */
	if (whence == SEEK_SET && off >= 0) {
		vfs_lock();
		f->off = off;
		vfs_unlock();
		return off;
	}
	if (whence == SEEK_CUR && off == 0)
		return f->off;
	return -EINVAL;
}

static void vf_stat(struct file *f, struct kstat *st)
{
	vfs_lock();
	vfs_getattr(vf(f)->vn, st);
	vfs_unlock();
}

static int vf_fsync(struct file *f, bool datasync)
{
	struct vnode *vn = vf(f)->vn;
	int r = 0;
	vfs_lock();
	if (!vn->v_mount->m_ro) {
		if (vn->v_ops->fsync)
			r = vn->v_ops->fsync(vn, datasync);
		else if (vn->v_mount->m_fs->sync)
			r = vn->v_mount->m_fs->sync(vn->v_mount);
	}
	vfs_unlock();
	return r;
}

static int vf_close(struct file *f)
{
	vfs_lock();
	vfs_vput(vf(f)->vn);
	vfs_unlock();
	kfree(vf(f)->path);
	kfree(vf(f));
	return 0;
}

static long vdir_read(struct file *f, void *buf, size_t n) { return -EISDIR; }
static long vdir_write(struct file *f, const void *buf, size_t n) { return -EISDIR; }
static long vdir_pread(struct file *f, void *buf, size_t n, int64_t off) { return -EISDIR; }

const struct file_ops vfile_ops = {
	.read = vf_read, .write = vf_write, .stat = vf_stat, .close = vf_close,
	.pread = vf_pread, .pwrite = vf_pwrite, .lseek = vf_lseek, .fsync = vf_fsync,
};
const struct file_ops vdir_ops = {
	.read = vdir_read, .write = vdir_write, .stat = vf_stat, .close = vf_close,
	.pread = vdir_pread, .lseek = vdir_lseek, .fsync = vf_fsync,
};

struct file *vfile_open(struct vnode *vn, const char *canon, int flags, int *err)
{
	size_t len = strlen(canon);
	struct file *f = kzalloc(sizeof(*f));
	struct vfile *v = kzalloc(sizeof(*v));
	char *path = kmalloc(len + 1);
	if (!f || !v || !path) {
		kfree(f);
		kfree(v);
		kfree(path);
		*err = -ENOMEM;
		return NULL;
	}
	memcpy(path, canon, len + 1);
	v->vn = vn;
	v->path = path;
	f->ops = (vn->v_mode & S_IFMT) == S_IFDIR ? &vdir_ops : &vfile_ops;
	f->refs = 1;
	f->flags = flags & ~O_CLOEXEC;
	f->priv = v;
	return f;
}

void vfs_getattr(struct vnode *vn, struct kstat *st)
{
	memset(st, 0, sizeof(*st));
	st->dev = vn->v_mount->m_devno;
	st->ino = vn->v_key ? vn->v_key : 1;
	st->nlink = 1;
	st->blksize = 4096;
	st->mode = vn->v_mode;
	st->size = vn->v_size;
	if (vn->v_ops->getattr)
		vn->v_ops->getattr(vn, st);
}
