// sources: fs/fat_bpb.c fs/fat_dir.c fs/fat_file.c fs/fat_free.c fs/fat_name.c fs/fat_ncache.c fs/fat_rename.c fs/fat_table.c fs/fat_time.c fs/fat_vnops.c fs/fat_vol.c fs/bcache.c fs/vnode.c tests/unit/fs_host.c tests/unit/fat_check.c tests/fuzz/fat_fuzz_common.c
/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for FAT's directory and file operations on a valid
 * volume: a fresh FAT12 (1 MiB), FAT16 (4 MiB) or FAT32 (33 MiB) is
 * formatted in memory, then the input is a script of operations (create,
 * mkdir, write, truncate, unlink, rmdir, rename with and without
 * NOREPLACE, read, unlink of an open file, sync, remount) on names chosen
 * from a table that mixes case, long names, 8.3 names, non-ASCII and the
 * aliases those get. A model of the tree says what each must return and
 * hold. Checked after every operation: the result against the model (an
 * -ENOSPC aside), file contents, every directory's listing (names with
 * their case); at the end, after unmount, tests/unit/fat_check.c's
 * consistency check of the image (no cross-links, no lost clusters, chains
 * as long as their sizes, honest FSInfo, FAT copies equal, clean state).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <k/bcache.h>
#include <k/errno.h>
#include <k/fat.h>
#include <k/fd.h>

#include "../unit/fat_check.h"
#include "fat_fuzz_common.h"

/* ---- a fresh volume ---- */

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }

/* Format rd as FAT`type` with 512-byte sectors and clusters. */
static void format(struct fs_ramdisk *rd, int type)
{
	uint8_t *bs = rd->mem;
	uint32_t tot = (uint32_t)rd->dev.bd_sectors, rsvd = type == 32 ? 32 : 1;
	uint32_t root_ents = type == 32 ? 0 : type == 16 ? 512 : 64;
	uint32_t root_secs = root_ents * 32 / 512;
	uint32_t clusters = tot - rsvd - root_secs, fatsz;
	for (;;) { /* shrink the cluster count until the FATs fit */
		uint64_t bytes = type == 12 ? ((uint64_t)clusters + 2) * 3 / 2 + 1
					    : ((uint64_t)clusters + 2) * (uint64_t)(type / 8);
		fatsz = (uint32_t)((bytes + 511) / 512);
		if (rsvd + 2 * fatsz + root_secs + clusters <= tot)
			break;
		clusters--;
	}
	memset(bs, 0, 512);
	bs[0] = 0xEB, bs[1] = 0x58, bs[2] = 0x90;
	memcpy(bs + 3, "TOROFUZZ", 8);
	put16(bs + 11, 512);
	bs[13] = 1;
	put16(bs + 14, (uint16_t)rsvd);
	bs[16] = 2;
	put16(bs + 17, (uint16_t)root_ents);
	bs[21] = 0xF8;
	if (tot < 65536)
		put16(bs + 19, (uint16_t)tot);
	else
		put32(bs + 32, tot);
	if (type == 32) {
		put32(bs + 36, fatsz);
		put32(bs + 44, 2);    /* root cluster */
		put16(bs + 48, 1);    /* FSInfo */
		uint8_t *fsi = rd->mem + 512;
		put32(fsi, 0x41615252);
		put32(fsi + 484, 0x61417272);
		put32(fsi + 488, clusters - 1);
		put32(fsi + 492, 3);
		put32(fsi + 508, 0xAA550000);
	} else {
		put16(bs + 22, (uint16_t)fatsz);
	}
	bs[510] = 0x55, bs[511] = 0xAA;
	for (int k = 0; k < 2; k++) {
		uint8_t *fat = rd->mem + (rsvd + (uint32_t)k * fatsz) * 512;
		if (type == 12) {
			fat[0] = 0xF8, fat[1] = 0xFF, fat[2] = 0xFF;
		} else if (type == 16) {
			put16(fat, 0xFFF8);
			put16(fat + 2, 0xFFFF);
		} else {
			put32(fat, 0x0FFFFFF8);
			put32(fat + 4, 0x0FFFFFFF);
			put32(fat + 8, 0x0FFFFFFF); /* the root directory */
		}
	}
}

/* ---- the model ---- */

static const char *const names[] = {
	"a", "A", "b.txt", "B.TXT", "readme.txt", "ReadMe.Txt", "long file name one.txt",
	"LONG FILE NAME ONE.TXT", "long file name two.txt", "\xc3\xa9t\xc3\xa9.txt",
	"\xc3\x89t\xc3\xa9.txt", "LONGFI~1.TXT", "dir", "Dir Two", "a.b.c", ".hidden",
	"name with a length of more than twenty-six characters, three slots", "x~1",
	"\xf0\x9f\x98\x80 emoji", "trailing.", "MiXeD",
};
#define NNAMES (sizeof(names) / sizeof(names[0]))
#define MAXN 48
#define MAXSIZE (96u << 10)

struct mnode {
	bool used;
	int parent;     /* index; the root is 0 */
	bool isdir;
	char name[96];  /* as created (a trailing dot dropped) */
	uint8_t *data;
	uint32_t size;
};

static struct mnode nodes[MAXN];
static struct mount mnt;
static struct fs_ramdisk *rd;
static const uint8_t *in;
static size_t inlen, inpos;

static unsigned next(void) { return inpos < inlen ? in[inpos++] : 0; }

static void fail(const char *what, long got, long want)
{
	fprintf(stderr, "fuzz_fat_ops: %s: got %ld, want %ld\n", what, got, want);
	abort();
}

/* Name equality as FAT has it: ASCII letters either case, trailing dots
 * dropped. */
static size_t stripped(const char *s)
{
	size_t n = strlen(s);
	while (n && s[n - 1] == '.')
		n--;
	return n;
}

static bool same_name(const char *a, const char *b)
{
	size_t n = stripped(a), m = stripped(b);
	if (n != m)
		return false;
	for (size_t i = 0; i < n; i++) {
		char x = a[i] >= 'a' && a[i] <= 'z' ? a[i] - 32 : a[i];
		char y = b[i] >= 'a' && b[i] <= 'z' ? b[i] - 32 : b[i];
		if (x != y)
			return false;
	}
	return true;
}

/* The short alias a name gets can also be looked up ("LONGFI~1.TXT"): the
 * model cannot know aliases, so a name that could be one is compared only
 * by what the listing shows. */
static bool maybe_alias(const char *s) { return strchr(s, '~') != NULL; }

static int child(int dir, const char *name)
{
	for (int i = 1; i < MAXN; i++)
		if (nodes[i].used && nodes[i].parent == dir && same_name(nodes[i].name, name))
			return i;
	return -1;
}

static int free_slot(void)
{
	for (int i = 1; i < MAXN; i++)
		if (!nodes[i].used)
			return i;
	return -1;
}

static bool has_children(int d)
{
	for (int i = 1; i < MAXN; i++)
		if (nodes[i].used && nodes[i].parent == d)
			return true;
	return false;
}

static int pick_dir(void)
{
	int want = (int)(next() % MAXN);
	for (int i = 0; i < MAXN; i++) {
		int k = (want + i) % MAXN;
		if (k == 0 || (nodes[k].used && nodes[k].isdir))
			return k;
	}
	return 0;
}

static int pick_file(void)
{
	int want = (int)(next() % MAXN);
	for (int i = 0; i < MAXN; i++) {
		int k = (want + i) % MAXN;
		if (k && nodes[k].used && !nodes[k].isdir)
			return k;
	}
	return -1;
}

/* ---- vnodes of model nodes ---- */

static struct vnode *vn_of(int k)
{
	if (k == 0) {
		vfs_vref(mnt.m_root);
		return mnt.m_root;
	}
	struct vnode *dir = vn_of(nodes[k].parent), *vn;
	int err = dir->v_ops->lookup(dir, nodes[k].name, strlen(nodes[k].name), &vn);
	vfs_vput(dir);
	if (err)
		fail("lookup of a model node", err, 0);
	return vn;
}

static void verify_file(int k)
{
	struct vnode *vn = vn_of(k);
	static uint8_t buf[MAXSIZE + 16];
	long n = vn->v_ops->read(vn, buf, sizeof(buf), 0);
	if (n != (long)nodes[k].size)
		fail("file size", n, nodes[k].size);
	if (nodes[k].size && memcmp(buf, nodes[k].data, nodes[k].size) != 0)
		fail("file contents", 0, 1);
	vfs_vput(vn);
}

/* The listing of every directory: exactly the model's names. */
static void verify_dirs(void)
{
	for (int d = 0; d < MAXN; d++) {
		if (d && (!nodes[d].used || !nodes[d].isdir))
			continue;
		struct vnode *vn = vn_of(d);
		struct fz_names got = {.stop_after = FZ_NAMES};
		uint64_t pos = 0;
		if (vn->v_ops->readdir(vn, &pos, fz_collect, &got) != 0)
			fail("readdir", -1, 0);
		size_t want = 0;
		for (int i = 1; i < MAXN; i++) {
			if (!nodes[i].used || nodes[i].parent != d)
				continue;
			want++;
			size_t j;
			for (j = 0; j < got.n; j++)
				if (got.len[j] == stripped(nodes[i].name) &&
				    !memcmp(got.name[j], nodes[i].name, got.len[j]))
					break;
			if (j == got.n) {
				fprintf(stderr, "fuzz_fat_ops: '%s' not listed\n", nodes[i].name);
				abort();
			}
		}
		if (got.n != want)
			fail("entries listed", (long)got.n, (long)want);
		fz_names_free(&got);
		vfs_vput(vn);
	}
}

/* ---- operations ---- */

static void op_create(bool dir)
{
	int d = pick_dir(), slot = free_slot();
	const char *name = names[next() % NNAMES];
	if (slot < 0 || maybe_alias(name))
		return;
	struct vnode *dv = vn_of(d), *vn;
	int err = dv->v_ops->create(dv, name, strlen(name), dir ? S_IFDIR | 0755 : S_IFREG | 0644,
				    &vn);
	vfs_vput(dv);
	int want = child(d, name) >= 0 ? -EEXIST : 0;
	if (err == -ENOSPC && want == 0)
		return;
	if (err != want)
		fail(dir ? "mkdir" : "create", err, want);
	if (err)
		return;
	vfs_vput(vn);
	struct mnode *m = &nodes[slot];
	memset(m, 0, sizeof(*m));
	m->used = true;
	m->parent = d;
	m->isdir = dir;
	snprintf(m->name, sizeof(m->name), "%.*s", (int)stripped(name), name);
}

static void op_write(void)
{
	int k = pick_file();
	if (k < 0)
		return;
	uint32_t off = (next() << 8 | next()) % MAXSIZE, len = (next() << 6 | next()) % 20000;
	if (off + len > MAXSIZE)
		len = MAXSIZE - off;
	uint8_t fillb = (uint8_t)next();
	static uint8_t buf[20000];
	memset(buf, fillb, len);
	struct vnode *vn = vn_of(k);
	long n = vn->v_ops->write(vn, buf, len, off);
	vfs_vput(vn);
	if (n == -ENOSPC)
		return;
	if (n < 0 || (uint32_t)n > len)
		fail("write", n, len);
	struct mnode *m = &nodes[k];
	if (n > 0 && off + (uint32_t)n > m->size) {
		m->data = realloc(m->data, off + (uint32_t)n);
		if (off > m->size)
			memset(m->data + m->size, 0, off - m->size);
		m->size = off + (uint32_t)n;
	}
	if (n > 0)
		memcpy(m->data + off, buf, (size_t)n);
}

static void op_truncate(void)
{
	int k = pick_file();
	if (k < 0)
		return;
	uint32_t size = (next() << 8 | next()) % MAXSIZE;
	struct vnode *vn = vn_of(k);
	int err = vn->v_ops->truncate(vn, size);
	vfs_vput(vn);
	if (err == -ENOSPC)
		return;
	if (err)
		fail("truncate", err, 0);
	struct mnode *m = &nodes[k];
	m->data = realloc(m->data, size + 1);
	if (size > m->size)
		memset(m->data + m->size, 0, size - m->size);
	m->size = size;
}

static void forget(int k)
{
	free(nodes[k].data);
	memset(&nodes[k], 0, sizeof(nodes[k]));
}

static void op_unlink(bool dir)
{
	int d = pick_dir();
	const char *name = names[next() % NNAMES];
	if (maybe_alias(name))
		return;
	int k = child(d, name);
	int want = k < 0 ? -ENOENT : nodes[k].isdir != dir ? (dir ? -ENOTDIR : -EISDIR)
		 : dir && has_children(k) ? -ENOTEMPTY : 0;
	struct vnode *dv = vn_of(d);
	int err = dv->v_ops->unlink(dv, name, strlen(name), dir);
	vfs_vput(dv);
	if (err != want)
		fail(dir ? "rmdir" : "unlink", err, want);
	if (!err)
		forget(k);
}

static bool under(int k, int d) /* is d k or below k? */
{
	for (; d; d = nodes[d].parent)
		if (d == k)
			return true;
	return false;
}

static void op_rename(void)
{
	int od = pick_dir(), nd = pick_dir();
	const char *on = names[next() % NNAMES], *nn = names[next() % NNAMES];
	unsigned flags = next() & 1 ? VFS_RENAME_NOREPLACE : 0;
	int k = child(od, on);
	if (k < 0 || maybe_alias(on) || maybe_alias(nn) || under(k, nd))
		return; /* the VFS checks these */
	if (od == nd && !strcmp(on, nn))
		return;
	int t = child(nd, nn);
	int want = 0;
	if (t >= 0 && t != k) {
		if (flags)
			want = -EEXIST;
		else if (nodes[k].isdir && !nodes[t].isdir)
			want = -ENOTDIR;
		else if (!nodes[k].isdir && nodes[t].isdir)
			want = -EISDIR;
		else if (nodes[t].isdir && has_children(t))
			want = -ENOTEMPTY;
	}
	struct vnode *o = vn_of(od), *n = vn_of(nd);
	int err = o->v_ops->rename(o, on, strlen(on), n, nn, strlen(nn), flags);
	vfs_vput(o);
	vfs_vput(n);
	if (err == -ENOSPC && want == 0)
		return;
	if (err != want)
		fail("rename", err, want);
	if (err)
		return;
	if (t >= 0 && t != k)
		forget(t);
	nodes[k].parent = nd;
	snprintf(nodes[k].name, sizeof(nodes[k].name), "%.*s", (int)stripped(nn), nn);
}

/* Unlink a file while holding it: it stays readable and writable. */
static void op_unlink_open(void)
{
	int k = pick_file();
	if (k < 0)
		return;
	struct vnode *vn = vn_of(k), *dv = vn_of(nodes[k].parent);
	int err = dv->v_ops->unlink(dv, nodes[k].name, strlen(nodes[k].name), false);
	vfs_vput(dv);
	if (err)
		fail("unlink of an open file", err, 0);
	static uint8_t buf[MAXSIZE];
	long n = vn->v_ops->read(vn, buf, sizeof(buf), 0);
	if (n != (long)nodes[k].size || (n && memcmp(buf, nodes[k].data, nodes[k].size)))
		fail("read after unlink", n, nodes[k].size);
	n = vn->v_ops->write(vn, "tail", 4, nodes[k].size);
	if (n != 4 && n != -ENOSPC)
		fail("write after unlink", n, 4);
	vfs_vput(vn);
	forget(k);
}

static void mount_it(void)
{
	memset(&mnt, 0, sizeof(mnt));
	mnt.m_fs = &fat_fs_ops;
	memcpy(mnt.m_dev, "vda", 4);
	if (fat_fs_ops.mount(&mnt, &rd->dev) != 0)
		fail("mount", -1, 0);
}

static void unmount_it(void)
{
	fat_fs_ops.unmount(&mnt);
	vfs_vput(mnt.m_root);
	const char *why = fat_check(rd->mem, rd->dev.bd_sectors * 512, 0);
	if (why) {
		fprintf(stderr, "fuzz_fat_ops: after unmount: %s\n", why);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	in = data;
	inlen = size;
	inpos = 1;
	int type = data[0] % 3 == 0 ? 12 : data[0] % 3 == 1 ? 16 : 32;
	uint64_t kib = type == 12 ? 1024 : type == 16 ? 4096 : 33792;
	rd = fs_ramdisk_new(kib * 2, false);
	format(rd, type);
	bcache_set_limit(data[0] & 0x80 ? 16 : 512);
	memset(nodes, 0, sizeof(nodes));
	mount_it();
	static int trace = -1;
	if (trace < 0)
		trace = getenv("FZ_TRACE") != NULL;
	for (int ops = 0; ops < 200 && inpos < inlen; ops++) {
		unsigned op = next() % 12;
		if (trace)
			fprintf(stderr, "op %u at byte %zu\n", op, inpos - 1);
		switch (op) {
		case 0: op_create(false); break;
		case 1: op_create(true); break;
		case 2: case 3: op_write(); break;
		case 4: op_truncate(); break;
		case 5: op_unlink(false); break;
		case 6: op_unlink(true); break;
		case 7: op_rename(); break;
		case 8: { int k = pick_file(); if (k >= 0) verify_file(k); } break;
		case 9: fat_fs_ops.sync(&mnt); break;
		case 10: unmount_it(); mount_it(); break;
		case 11: op_unlink_open(); break;
		}
		verify_dirs();
	}
	for (int k = 1; k < MAXN; k++)
		if (nodes[k].used && !nodes[k].isdir)
			verify_file(k);
	unmount_it();
	for (int k = 0; k < MAXN; k++)
		forget(k);
	fs_ramdisk_free(rd);
	return 0;
}
