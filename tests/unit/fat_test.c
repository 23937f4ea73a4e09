/* SPDX-License-Identifier: MIT */
/*
 * Helpers for the FAT host tests: see fat_test.h.
 */
#define _GNU_SOURCE /* asprintf */
#include "fat_test.h"
#include "fat_check.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <k/errno.h>
#include <k/fat.h>
#include <k/fd.h>

static char scratch[128];

static void cleanup(void)
{
	char cmd[200];
	if (scratch[0] && !getenv("FAT_TEST_KEEP")) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
		if (system(cmd) != 0)
			fprintf(stderr, "fat_test: could not remove %s\n", scratch);
	}
}

const char *ft_path(const char *name)
{
	static char bufs[8][256];
	static int next;
	if (!scratch[0]) {
		const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
		snprintf(scratch, sizeof(scratch), "%s/fat_test.XXXXXX", tmp);
		if (!mkdtemp(scratch)) {
			perror("mkdtemp");
			exit(1);
		}
		atexit(cleanup);
	}
	char *b = bufs[next++ % 8];
	snprintf(b, 256, "%s/%s", scratch, name);
	return b;
}

int ft_sh(char **out, const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	char full[4300];
	snprintf(full, sizeof(full), "export MTOOLS_SKIP_CHECK=1 LC_ALL=C.UTF-8; ( %s ) 2>&1", cmd);
	FILE *p = popen(full, "r");
	if (!p)
		return -1;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	size_t k;
	while ((k = fread(buf + n, 1, cap - n - 1, p)) > 0) {
		n += k;
		if (cap - n < 2)
			buf = realloc(buf, cap *= 2);
	}
	buf[n] = 0;
	int st = pclose(p);
	if (out)
		*out = buf;
	else
		free(buf);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* s in single quotes for the shell. */
static const char *q(const char *s)
{
	static char bufs[4][1024];
	static int next;
	char *b = bufs[next++ % 4], *o = b;
	*o++ = '\'';
	for (; *s && o < b + sizeof(bufs[0]) - 6; s++) {
		if (*s == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
		} else {
			*o++ = *s;
		}
	}
	*o++ = '\'';
	*o = 0;
	return b;
}

void ft_mkimg(const char *img, int fat, unsigned kib, const char *opts)
{
	char *out;
	unlink(img);
	int r = ft_sh(&out, "mkfs.fat -C -F %d %s %s %u", fat, opts ? opts : "", q(img), kib);
	if (r != 0) {
		fprintf(stderr, "mkfs.fat failed: %s\n", out);
		exit(1);
	}
	free(out);
}

void ft_put(const char *img, const char *path, const void *data, size_t len)
{
	const char *tmp = ft_path("put.tmp");
	FILE *f = fopen(tmp, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		perror("ft_put");
		exit(1);
	}
	/* Parent directories, one by one (mmd fails on existing ones). */
	char dir[512];
	snprintf(dir, sizeof(dir), "%s", path);
	for (char *s = strchr(dir + 3, '/'); s; s = strchr(s + 1, '/')) {
		*s = 0;
		ft_sh(NULL, "mmd -i %s %s", q(img), q(dir));
		*s = '/';
	}
	char *out;
	if (ft_sh(&out, "mcopy -o -i %s %s %s", q(img), q(tmp), q(path)) != 0) {
		fprintf(stderr, "mcopy %s failed: %s\n", path, out);
		exit(1);
	}
	free(out);
}

long ft_get(const char *img, const char *path, uint8_t **data)
{
	const char *tmp = ft_path("get.tmp");
	unlink(tmp);
	if (ft_sh(NULL, "mcopy -n -i %s %s %s", q(img), q(path), q(tmp)) != 0)
		return -1;
	FILE *f = fopen(tmp, "rb");
	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	*data = malloc(n ? (size_t)n : 1);
	if (fread(*data, 1, (size_t)n, f) != (size_t)n)
		n = -1;
	fclose(f);
	return n;
}

const char *ft_check(const char *img, unsigned flags)
{
	int fd = open(img, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0)
		return "cannot open the image";
	void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return "cannot map the image";
	const char *why = fat_check(p, (size_t)st.st_size, flags);
	munmap(p, (size_t)st.st_size);
	return why;
}

int ft_fsck(const char *img, char **out)
{
	return ft_sh(out, "fsck.fat -n %s", q(img));
}

char *ft_unclean(const char *img)
{
	char *msg = NULL, *out = NULL;
	const char *why = ft_check(img, 0);
	if (why) {
		if (asprintf(&msg, "fat_check %s: %s", img, why) < 0)
			msg = NULL;
		return msg ? msg : strdup("fat_check failed");
	}
	int r = ft_fsck(img, &out);
	int lines = 0;
	for (char *p = out; p && *p; p++)
		lines += *p == '\n';
	if (r != 0 || lines != 2) {
		if (asprintf(&msg, "fsck.fat -n %s (status %d):\n%s", img, r, out ? out : "") < 0)
			msg = NULL;
		if (!msg)
			msg = strdup("fsck.fat failed");
	}
	free(out);
	return msg;
}

void ft_img_make(struct ft_img *im, const char *prefix)
{
	char name[64];
	snprintf(name, sizeof(name), "%s%d.img", prefix, im->fat);
	snprintf(im->path, sizeof(im->path), "%s", ft_path(name));
	ft_mkimg(im->path, im->fat, im->kib, im->opts ? im->opts : "");
}

int ft_open(struct ft *t, const char *img, bool dev_ro, bool m_ro)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->img, sizeof(t->img), "%s", img);
	int fd = open(img, O_RDWR);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		perror(img);
		exit(1);
	}
	t->bytes = (size_t)st.st_size;
	t->rd = fs_ramdisk_new(1, dev_ro);
	free(t->rd->mem);
	t->rd->mem = mmap(NULL, t->bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (t->rd->mem == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	t->rd->dev.bd_sectors = t->bytes / BLK_SECTOR;
	/* A test that failed half-way may have left vnodes of a mount at
	 * this address: they would be taken for this one's. */
	if (vfs_vfind(&t->m, 1)) {
		fprintf(stderr, "fat_test: vnodes of an earlier mount at this address remain\n");
		abort();
	}
	t->m.m_fs = &fat_fs_ops;
	t->m.m_ro = m_ro;
	snprintf(t->m.m_dev, sizeof(t->m.m_dev), "vda");
	snprintf(t->m.m_path, sizeof(t->m.m_path), "/");
	int err = fat_fs_ops.mount(&t->m, &t->rd->dev);
	t->mounted = err == 0;
	return err;
}

static void release(struct ft *t)
{
	munmap(t->rd->mem, t->bytes);
	t->rd->mem = NULL;
	fs_ramdisk_free(t->rd);
	t->rd = NULL;
}

void ft_close(struct ft *t)
{
	if (t->mounted) {
		fat_fs_ops.unmount(&t->m);
		vfs_vput(t->m.m_root);
		t->mounted = false;
	}
	release(t);
}

void ft_close_holding(struct ft *t, struct vnode *held)
{
	fat_fs_ops.unmount(&t->m);
	vfs_vput(held);
	vfs_vput(t->m.m_root);
	t->mounted = false;
	release(t);
}

void ft_crash(struct ft *t)
{
	/* Drop the vnodes and the cache without writing: fail every write. */
	if (t->mounted) {
		t->rd->cut_after = 0;
		t->rd->writes = 0;
		vfs_vput(t->m.m_root);
		fat_fs_ops.unmount(&t->m);
		t->mounted = false;
	}
	release(t);
}

/* ---- paths ---- */

static int step(struct vnode *dir, const char *name, size_t len, struct vnode **out)
{
	return dir->v_ops->lookup(dir, name, len, out);
}

int ft_walk(struct ft *t, const char *path, struct vnode **out)
{
	struct vnode *cur = t->m.m_root;
	vfs_vref(cur);
	while (*path) {
		const char *e = strchr(path, '/');
		size_t len = e ? (size_t)(e - path) : strlen(path);
		struct vnode *next;
		int err = step(cur, path, len, &next);
		vfs_vput(cur);
		if (err)
			return err;
		cur = next;
		path += len + (e ? 1 : 0);
	}
	*out = cur;
	return 0;
}

/* The directory holding path's last component, and that component. */
static int parent(struct ft *t, const char *path, struct vnode **dir, const char **name)
{
	char buf[1024];
	const char *slash = strrchr(path, '/');
	if (!slash) {
		*name = path;
		return ft_walk(t, "", dir);
	}
	snprintf(buf, sizeof(buf), "%.*s", (int)(slash - path), path);
	*name = slash + 1;
	return ft_walk(t, buf, dir);
}

int ft_create(struct ft *t, const char *path, uint32_t mode, struct vnode **out)
{
	struct vnode *dir;
	const char *name;
	int err = parent(t, path, &dir, &name);
	if (err)
		return err;
	err = dir->v_ops->create(dir, name, strlen(name), mode, out);
	vfs_vput(dir);
	return err;
}

int ft_mkdir(struct ft *t, const char *path)
{
	struct vnode *vn;
	int err = ft_create(t, path, S_IFDIR | 0755, &vn);
	if (!err)
		vfs_vput(vn);
	return err;
}

int ft_unlink(struct ft *t, const char *path, bool isdir)
{
	struct vnode *dir;
	const char *name;
	int err = parent(t, path, &dir, &name);
	if (err)
		return err;
	err = dir->v_ops->unlink(dir, name, strlen(name), isdir);
	vfs_vput(dir);
	return err;
}

int ft_rename(struct ft *t, const char *from, const char *to, unsigned flags)
{
	struct vnode *od, *nd;
	const char *on, *nn;
	int err = parent(t, from, &od, &on);
	if (err)
		return err;
	err = parent(t, to, &nd, &nn);
	if (!err) {
		err = od->v_ops->rename(od, on, strlen(on), nd, nn, strlen(nn), flags);
		vfs_vput(nd);
	}
	vfs_vput(od);
	return err;
}

int ft_write_file(struct ft *t, const char *path, const void *data, size_t len)
{
	struct vnode *vn;
	int err = ft_walk(t, path, &vn);
	if (err == -ENOENT)
		err = ft_create(t, path, S_IFREG | 0644, &vn);
	else if (!err)
		err = vn->v_ops->truncate(vn, 0);
	if (err)
		return err;
	size_t done = 0;
	while (done < len) {
		size_t chunk = len - done > 65536 ? 65536 : len - done;
		long n = vn->v_ops->write(vn, (const uint8_t *)data + done, chunk, done);
		if (n < 0) {
			err = (int)n;
			break;
		}
		if (n == 0) {
			err = -EIO;
			break;
		}
		done += (size_t)n;
	}
	vfs_vput(vn);
	return err;
}

long ft_read_file(struct ft *t, const char *path, uint8_t **data)
{
	struct vnode *vn;
	int err = ft_walk(t, path, &vn);
	if (err)
		return err;
	size_t cap = (size_t)vn->v_size + 1, n = 0;
	uint8_t *buf = malloc(cap);
	for (;;) {
		long k = vn->v_ops->read(vn, buf + n, cap - n, n);
		if (k < 0) {
			free(buf);
			vfs_vput(vn);
			return k;
		}
		if (k == 0)
			break;
		n += (size_t)k;
		if (n == cap)
			buf = realloc(buf, cap *= 2);
	}
	vfs_vput(vn);
	*data = buf;
	return (long)n;
}

struct list_ctx {
	char *buf;
	size_t n, cap;
};

static int add_name(void *ctx, const char *name, size_t len, uint64_t ino, unsigned type,
		    uint64_t next)
{
	struct list_ctx *c = ctx;
	if (c->n + len + 2 > c->cap)
		c->buf = realloc(c->buf, c->cap = (c->cap + len + 2) * 2);
	memcpy(c->buf + c->n, name, len);
	c->n += len;
	c->buf[c->n++] = '\n';
	c->buf[c->n] = 0;
	return 0;
}

int ft_list(struct ft *t, const char *path, char **names)
{
	struct vnode *vn;
	int err = ft_walk(t, path, &vn);
	if (err)
		return err;
	struct list_ctx c = {calloc(1, 64), 0, 64};
	uint64_t pos = 0;
	err = vn->v_ops->readdir(vn, &pos, add_name, &c);
	vfs_vput(vn);
	*names = c.buf;
	return err;
}

void ft_fill(uint8_t *p, size_t n, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 12345;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (uint8_t)x;
	}
}
