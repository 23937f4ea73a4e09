// sources: fs/fat_bpb.c fs/fat_dir.c fs/fat_file.c fs/fat_free.c fs/fat_name.c fs/fat_ncache.c fs/fat_rename.c fs/fat_table.c fs/fat_time.c fs/fat_vnops.c fs/fat_vol.c fs/bcache.c fs/vnode.c tests/unit/fs_host.c tests/fuzz/fat_fuzz_common.c
/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for FAT (fs/fat*.c) over whole fuzzed disk images: the
 * image is mounted (read-only or read-write, through a normal or a tiny
 * block cache), its whole tree is walked (readdir, lookup, getattr, read of
 * every file), then on a read-write mount files and directories are created,
 * written, renamed, truncated and removed, the volume synced, unmounted and
 * mounted again and walked again. Damage must give errors, never a crash, a
 * leak, a hang or an access outside a buffer.
 *
 * Input: a sparse image. Bytes 0-3: the device size in KiB (64 KiB..64 MiB);
 * byte 4: flags (1 read-only mount, 2 read-only device, 4 an 8-block cache);
 * then chunks: a 4-byte byte offset, a 2-byte length, that many bytes, laid
 * on a zeroed device. tests/fuzz/fat_seeds.sh makes the seeds from images
 * made by mkfs.fat and mcopy.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <k/bcache.h>
#include <k/errno.h>
#include <k/fat.h>
#include <k/fd.h>

#include "fat_fuzz_common.h"

static int budget;

static void walk(struct vnode *dir, int depth);

static void visit(struct vnode *dir, const char *name, size_t len, int depth)
{
	struct vnode *vn;
	struct kstat st;
	if (--budget < 0 || dir->v_ops->lookup(dir, name, len, &vn) != 0)
		return;
	dir->v_ops->getattr(vn, &st);
	if ((vn->v_mode & 0170000) == S_IFDIR) {
		if (depth < 6)
			walk(vn, depth + 1);
	} else {
		static uint8_t buf[8192];
		uint64_t off = 0;
		long n;
		while (off < (1u << 20) && --budget > 0 &&
		       (n = vn->v_ops->read(vn, buf, sizeof(buf), off)) > 0)
			off += (uint64_t)n;
	}
	vfs_vput(vn);
}

static void walk(struct vnode *dir, int depth)
{
	struct fz_names names = {0};
	uint64_t pos = 0;
	/* A few entries per call, as getdents with a small buffer does. */
	for (int round = 0; round < 64 && budget > 0; round++) {
		size_t before = names.n;
		names.stop_after = names.n + 3;
		if (dir->v_ops->readdir(dir, &pos, fz_collect, &names) != 0 || names.n == before)
			break;
	}
	for (size_t i = 0; i < names.n; i++)
		visit(dir, names.name[i], names.len[i], depth);
	fz_names_free(&names);
}

static void mutate(struct mount *m)
{
	struct vnode *root = m->m_root, *f, *d;
	static uint8_t buf[5000];
	memset(buf, 0x5A, sizeof(buf));
	if (root->v_ops->create(root, "fuzz file.txt", 13, S_IFREG | 0644, &f) == 0) {
		f->v_ops->write(f, buf, sizeof(buf), 0);
		f->v_ops->write(f, buf, 100, 20000);
		f->v_ops->read(f, buf, sizeof(buf), 0);
		f->v_ops->truncate(f, 300);
		vfs_vput(f);
	}
	if (root->v_ops->create(root, "Fuzz Dir", 8, S_IFDIR | 0755, &d) == 0) {
		root->v_ops->rename(root, "fuzz file.txt", 13, d, "moved.TXT", 9, 0);
		if (d->v_ops->create(d, "x", 1, S_IFREG | 0644, &f) == 0)
			vfs_vput(f);
		d->v_ops->unlink(d, "moved.txt", 9, false);
		d->v_ops->unlink(d, "x", 1, false);
		vfs_vput(d);
		root->v_ops->unlink(root, "fuzz dir", 8, true);
	}
	/* Whatever the image held: rename, truncate and remove its first few. */
	struct fz_names names = {.stop_after = 4};
	uint64_t pos = 0;
	root->v_ops->readdir(root, &pos, fz_collect, &names);
	for (size_t i = 0; i < names.n; i++) {
		struct vnode *vn;
		if (root->v_ops->lookup(root, names.name[i], names.len[i], &vn) != 0)
			continue;
		bool isdir = (vn->v_mode & 0170000) == S_IFDIR;
		if (!isdir)
			vn->v_ops->write(vn, buf, 700, 1000);
		vfs_vput(vn);
		if (i == 0)
			root->v_ops->rename(root, names.name[i], names.len[i], root,
					    "renamed by the fuzzer", 21, 0);
		else
			root->v_ops->unlink(root, names.name[i], names.len[i], isdir);
	}
	fz_names_free(&names);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fs_ramdisk *rd;
	if (size < 5 || !(rd = fz_image(data, size)))
		return 0;
	uint8_t flags = data[4];
	bcache_set_limit(flags & 4 ? 8 : 256);
	for (int pass = 0; pass < 2; pass++) {
		struct mount m = {.m_fs = &fat_fs_ops, .m_ro = (flags & 1) || pass == 1};
		memcpy(m.m_dev, "vda", 4);
		if (fat_fs_ops.mount(&m, &rd->dev) != 0)
			break;
		budget = 3000;
		walk(m.m_root, 0);
		struct kstatfs sf;
		fat_fs_ops.statfs(&m, &sf);
		if (!m.m_ro)
			mutate(&m);
		fat_fs_ops.sync(&m);
		fat_fs_ops.unmount(&m);
		vfs_vput(m.m_root);
	}
	fs_ramdisk_free(rd);
	return 0;
}
