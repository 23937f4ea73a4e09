/* SPDX-License-Identifier: MIT */
/*
 * /dev and the /etc files as file systems of the VFS. /dev lists the
 * kernel's character devices (kernel/devfs.c), the ones drivers added at
 * attach (block devices) and virtio-console's ports under virtio-ports/;
 * opening one makes the device's own file. /etc/hosts, /etc/resolv.conf,
 * /etc/passwd and /etc/group are the kernel's (kernel/etcfs.c) wherever the
 * root file system has no file of that name: a disk's own file wins.
 */
#include <k/component.h>
#include <k/console.h>
#include <k/errno.h>
#include <k/etcfs.h>
#include <k/kheap.h>
#include <k/string.h>
#include <k/vfs.h>
#include "vfs_impl.h"

/* A device vnode remembers its absolute path (/dev/null) in v_priv. */
struct devnode {
	uint32_t mode;
	uint64_t rdev;
	char path[];
};

static const struct vnode_ops dev_ops, devdir_ops;

static const char *const chr_names[] = {
	"console", "tty", "stdin", "stdout", "stderr", "null", "zero", "random", "urandom",
};
static const uint64_t chr_rdev[] = {
	(5 << 8) | 1, (5 << 8) | 0, (5 << 8) | 1, (5 << 8) | 1, (5 << 8) | 1,
	(1 << 8) | 3, (1 << 8) | 5, (1 << 8) | 8, (1 << 8) | 9,
};

static uint64_t path_key(const char *p)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
	while (*p)
		h = (h ^ (uint8_t)*p++) * 0x100000001b3ull;
	return h | 1; /* never the root's key, 0 */
}

static int node_of(struct mount *m, const char *path, uint32_t mode, uint64_t rdev,
		   const struct vnode_ops *ops, struct vnode **out)
{
	bool fresh;
	struct vnode *vn = vfs_vget(m, path_key(path), &fresh);
	if (!vn)
		return -ENOMEM;
	if (fresh) {
		size_t len = strlen(path);
		struct devnode *d = kmalloc(sizeof(*d) + len + 1);
		if (!d) {
			vfs_vput(vn);
			return -ENOMEM;
		}
		memcpy(d->path, path, len + 1);
		d->mode = mode;
		d->rdev = rdev;
		vn->v_ops = ops;
		vn->v_mode = mode;
		vn->v_priv = d;
	}
	*out = vn;
	return 0;
}

/* Is /dev/NAME a device, and which? */
static bool dev_find(const char *path, const char *name, size_t len, uint32_t *mode,
		     uint64_t *rdev)
{
	for (unsigned i = 0; i < sizeof(chr_names) / sizeof(chr_names[0]); i++)
		if (strlen(chr_names[i]) == len && !memcmp(chr_names[i], name, len)) {
			*mode = S_IFCHR | 0666;
			*rdev = chr_rdev[i];
			return true;
		}
	const char *dn;
	for (int i = 0; devfs_dyn_entry(i, &dn, mode, rdev); i++)
		if (strlen(dn) == len && !memcmp(dn, name, len))
			return true;
	if (component_devfs(path)) {
		*mode = S_IFCHR | 0600;
		*rdev = 0;
		return true;
	}
	return false;
}

static int dir_lookup(struct vnode *dir, const char *name, size_t len, struct vnode **out)
{
	struct devnode *d = dir->v_priv;
	char path[96];
	size_t dl = strlen(d->path);
	if (dl + 1 + len + 1 > sizeof(path))
		return -ENOENT;
	memcpy(path, d->path, dl);
	path[dl] = '/';
	memcpy(path + dl + 1, name, len);
	path[dl + 1 + len] = '\0';
	uint32_t mode;
	uint64_t rdev;
	if (dl == 4 && len == 12 && !memcmp(name, "virtio-ports", 12))
		return node_of(dir->v_mount, path, S_IFDIR | 0755, 0, &devdir_ops, out);
	if (!dev_find(path, name, len, &mode, &rdev))
		return -ENOENT;
	return node_of(dir->v_mount, path, mode, rdev, &dev_ops, out);
}

static int dir_readdir(struct vnode *dir, uint64_t *pos, vfs_filldir_fn fill, void *ctx)
{
	struct devnode *d = dir->v_priv;
	if (strcmp(d->path, "/dev"))
		return 0; /* virtio-ports/ is not listed: its ports are named by the host */
	const unsigned nchr = sizeof(chr_names) / sizeof(chr_names[0]);
	for (;;) {
		uint64_t i = *pos;
		const char *name;
		uint32_t mode;
		uint64_t rdev;
		if (i < nchr) {
			name = chr_names[i];
			mode = S_IFCHR;
		} else if (!devfs_dyn_entry((int)(i - nchr), &name, &mode, &rdev)) {
			return 0;
		}
		unsigned type = (mode & S_IFMT) == S_IFBLK ? 6 /* DT_BLK */ : VDT_CHR;
		if (fill(ctx, name, strlen(name), i + 16, type, i + 1))
			return 0;
		*pos = i + 1;
	}
}

static void dev_getattr(struct vnode *vn, struct kstat *st)
{
	struct devnode *d = vn->v_priv;
	st->mode = d->mode;
	st->rdev = d->rdev;
	st->nlink = (d->mode & S_IFMT) == S_IFDIR ? 2 : 1;
	if ((d->mode & S_IFMT) == S_IFBLK) {
		/* A disk's size is its device file's (what fstat would say). */
		int err;
		struct file *f = devfs_open(d->path, O_RDONLY, &err);
		if (f) {
			if (f->ops->stat)
				f->ops->stat(f, st);
			file_put(f);
		}
	}
}

static struct file *dev_open(struct vnode *vn, int flags, int *err)
{
	struct devnode *d = vn->v_priv;
	return devfs_open(d->path, flags, err);
}

static void dev_inactive(struct vnode *vn)
{
	kfree(vn->v_priv);
}

static const struct vnode_ops dev_ops = {
	.getattr = dev_getattr, .inactive = dev_inactive, .open = dev_open,
};
static const struct vnode_ops devdir_ops = {
	.lookup = dir_lookup, .readdir = dir_readdir, .getattr = dev_getattr,
	.inactive = dev_inactive,
};

static int devfs_mount_op(struct mount *m, struct blkdev *dev)
{
	bool fresh;
	struct vnode *vn = vfs_vget(m, 0, &fresh);
	struct devnode *d = kmalloc(sizeof(*d) + 5);
	if (!vn || !d) {
		kfree(d);
		vfs_vput(vn);
		return -ENOMEM;
	}
	memcpy(d->path, "/dev", 5);
	d->mode = S_IFDIR | 0755;
	d->rdev = 0;
	vn->v_ops = &devdir_ops;
	vn->v_mode = d->mode;
	vn->v_priv = d;
	m->m_root = vn;
	return 0;
}

static int devfs_statfs(struct mount *m, struct kstatfs *st)
{
	st->f_type = 0x1373; /* Linux's devfs magic */
	st->f_bsize = st->f_frsize = 4096;
	st->f_namelen = VFS_NAME_MAX;
	return 0;
}

const struct fs_ops devfs_fs_ops = {
	.name = "devfs", .mount = devfs_mount_op, .statfs = devfs_statfs,
};

/* ---- /etc ---- */

/* The kernel's /etc files are a small read-only file system of their own:
 * statfs of them answers like a RAM file system's (every mount has fs ops). */
static int etc_statfs(struct mount *m, struct kstatfs *st)
{
	st->f_type = 0x858458f6; /* RAMFS_MAGIC */
	st->f_bsize = st->f_frsize = 4096;
	st->f_namelen = VFS_NAME_MAX;
	return 0;
}

const struct fs_ops etc_fs_ops = { .name = "etc", .statfs = etc_statfs };
static struct mount etc_mount = {
	.m_path = "/etc", .m_dev = "etc", .m_ro = true, .m_fs = &etc_fs_ops,
};

static struct file *etc_open(struct vnode *vn, int flags, int *err)
{
	struct devnode *d = vn->v_priv;
	return etcfs_open(d->path, flags, err);
}

static void etc_getattr(struct vnode *vn, struct kstat *st)
{
	int err;
	struct devnode *d = vn->v_priv;
	struct file *f = etcfs_open(d->path, 0, &err);
	st->mode = S_IFREG | 0444;
	st->nlink = 1;
	if (f) {
		if (f->ops->stat)
			f->ops->stat(f, st);
		if (f->ops->close)
			f->ops->close(f);
		kfree(f);
	}
}

static const struct vnode_ops etc_ops = {
	.getattr = etc_getattr, .inactive = dev_inactive, .open = etc_open,
};

static const char *const etc_names[] = { "hosts", "resolv.conf", "passwd", "group" };
static const char *const etc_paths[] = {
	"/etc/hosts", "/etc/resolv.conf", "/etc/passwd", "/etc/group",
};
#define ETC_NFILES (sizeof(etc_names) / sizeof(etc_names[0]))

static int etcdir_lookup(struct vnode *dir, const char *name, size_t len, struct vnode **out)
{
	for (unsigned i = 0; i < ETC_NFILES; i++)
		if (strlen(etc_names[i]) == len && !memcmp(etc_names[i], name, len))
			return node_of(&etc_mount, etc_paths[i], S_IFREG | 0444, 0, &etc_ops, out);
	return -ENOENT;
}

static int etcdir_readdir(struct vnode *dir, uint64_t *pos, vfs_filldir_fn fill, void *ctx)
{
	for (; *pos < ETC_NFILES; (*pos)++)
		if (fill(ctx, etc_names[*pos], strlen(etc_names[*pos]), 8 + *pos, VDT_REG, *pos + 1))
			return 0;
	return 0;
}

static const struct vnode_ops etcdir_ops = {
	.lookup = etcdir_lookup, .readdir = etcdir_readdir, .getattr = dev_getattr,
	.inactive = dev_inactive,
};

int vfs_fallback(const char *canon, struct vnode **out)
{
	if (!strcmp(canon, "/etc"))
		return node_of(&etc_mount, canon, S_IFDIR | 0555, 0, &etcdir_ops, out);
	for (unsigned i = 0; i < ETC_NFILES; i++)
		if (!strcmp(canon, etc_paths[i]))
			return node_of(&etc_mount, canon, S_IFREG | 0444, 0, &etc_ops, out);
	return -ENOENT;
}
