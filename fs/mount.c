/* SPDX-License-Identifier: MIT */
/*
 * Mounting at boot, from the command line:
 *   toro.root=vdX[N]       the root file system (default: the first block
 *                          device that holds one); toro.root=ram: none
 *   toro.ro                the root read-only
 *   toro.mount=vdX:/path[:ro]   more file systems (repeatable)
 * then /dev, and a RAM file system at /tmp (and at / when there is no disk).
 * Whatever goes wrong (a bad option, a missing device, no file system on it)
 * is one console line, and the VM goes on: with a RAM root if need be.
 */
#include <k/bcache.h>
#include <k/blkdev.h>
#include <k/cmdline.h>
#include <k/console.h>
#include <k/errno.h>
#include <k/fat.h>
#include <k/fmt.h>
#include <k/kstats.h>
#include <k/string.h>
#include <k/vfs.h>
#include "fs_sys.h"
#include "vfs_impl.h"

static int mount_disk(struct blkdev *d, const char *path, bool ro, bool quiet)
{
	const struct fs_ops *fs = &fat_fs_ops; /* the one a disk may hold, for now */
	if (blkdev_read_only(d) && !ro) {
		if (!quiet)
			kprintf("toro: %s is a read-only device: mounting it read-only\n",
				blkdev_name(d));
		ro = true;
	}
	struct mount *m;
	int r = vfs_mount(fs, d, path, blkdev_name(d), ro, &m);
	if (r == 0) {
		uint64_t mib = blkdev_sectors(d) / 2048;
		kprintf("toro: %s is %s (%s, %lu MiB, %s)\n", path, blkdev_name(d), fs->name, mib,
			ro ? "read-only" : "read-write");
	} else if (!quiet) {
		kprintf("toro: %s: no file system Toro can mount (error %d)\n", blkdev_name(d), r);
	}
	return r;
}

/* Disks (by index) that hold a partition table: only their partitions are
 * tried as the root. */
static unsigned partitioned;

/* The root: the named device, or the first that mounts. */
static bool mount_root(const struct cmdline *cl)
{
	const char *name = cmdline_opt(cl, "toro.root");
	bool ro = cmdline_opt(cl, "toro.ro") != NULL;
	if (name && !strcmp(name, "ram"))
		return false;
	if (name) {
		struct blkdev *d = blkdev_find(name);
		if (!d) {
			kprintf("toro: toro.root=%s: no such block device; / is in RAM\n", name);
			return false;
		}
		if (mount_disk(d, "/", ro, false)) {
			kprintf("toro: / is in RAM\n");
			return false;
		}
		return true;
	}
	for (int i = 0; i < blkdev_count(); i++)
		if (!(partitioned & (1u << i)) && mount_disk(blkdev_get(i), "/", ro, true) == 0)
			return true;
	return false;
}

/* toro.mount=vdb:/data[:ro] */
static void mount_extra(const char *v)
{
	char dev[8], path[64];
	const char *c = strchr(v, ':');
	size_t dl = c ? (size_t)(c - v) : 0;
	const char *p = c ? c + 1 : NULL;
	const char *e = p ? strchr(p, ':') : NULL;
	size_t pl = p ? (e ? (size_t)(e - p) : strlen(p)) : 0;
	bool ro = e && !strcmp(e, ":ro");
	if (!c || dl == 0 || dl >= sizeof(dev) || pl < 2 || pl >= sizeof(path) || p[0] != '/' ||
	    (e && !ro)) {
		kprintf("toro: toro.mount=%s: expected DEVICE:/PATH or DEVICE:/PATH:ro; ignored\n", v);
		return;
	}
	memcpy(dev, v, dl);
	dev[dl] = '\0';
	memcpy(path, p, pl);
	path[pl] = '\0';
	while (pl > 1 && path[pl - 1] == '/')
		path[--pl] = '\0';
	struct blkdev *d = blkdev_find(dev);
	if (!d) {
		kprintf("toro: toro.mount=%s: no such block device; ignored\n", v);
		return;
	}
	int r = mount_disk(d, path, ro, false);
	if (r == -EBUSY)
		kprintf("toro: toro.mount=%s: %s is mounted already; ignored\n", v, path);
}

static void mount_ram(const char *path)
{
	int r = vfs_mount(&ramfs_fs_ops, NULL, path, "ram", false, NULL);
	if (r)
		kprintf("toro: cannot mount a RAM file system at %s (error %d)\n", path, r);
}

/* A RAM root gets an /etc of its own, so a program may add files there
 * (hosts and resolv.conf are still the kernel's until it writes its own). */
static void ram_root_dirs(void)
{
	struct mount *m = vfs_mount_at("/");
	struct vnode *vn;
	if (m && m->m_root->v_ops->create &&
	    m->m_root->v_ops->create(m->m_root, "etc", 3, S_IFDIR | 0755, &vn) == 0)
		vfs_vput(vn);
}

/* A words source for the stats line (k/kstats.h). */
static size_t files_stats(char *buf, size_t n)
{
	int k = fmt_snprintf(buf, n, " bcache_kib=%zu bcache_dirty=%zu", bcache_cached() * 4,
			     bcache_dirty_blocks());
	return k < 0 ? 0 : (size_t)k < n ? (size_t)k : n - 1;
}

void files_mount(const struct cmdline *cl)
{
	kstats_register(files_stats);
	vfs_lock();
	/* Partitions first, so that toro.root=vda1 and the search find them
	 * (they are registered after the disks). */
	for (int i = 0, n = blkdev_count(); i < n && i < 32; i++)
		if (blkdev_scan_partitions(blkdev_get(i)) > 0)
			partitioned |= 1u << i;
	if (!mount_root(cl)) {
		if (blkdev_count() > 0 && !cmdline_opt(cl, "toro.root"))
			kprintf("toro: no disk holds a file system Toro can mount: / is in RAM\n");
		mount_ram("/");
		ram_root_dirs();
	}
	if (vfs_mount(&devfs_fs_ops, NULL, "/dev", "dev", false, NULL))
		kprintf("toro: cannot mount /dev\n");
	mount_ram("/tmp");
	int pos = 0;
	const char *v;
	while ((v = cmdline_next_opt(cl, "toro.mount", &pos)) != NULL)
		mount_extra(v);
	vfs_unlock();
}
