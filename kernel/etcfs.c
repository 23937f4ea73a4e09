/* SPDX-License-Identifier: MIT */
/*
 * /etc/hosts, /etc/resolv.conf, /etc/passwd and /etc/group from memory
 * (k/etcfs.h). musl's resolver opens and reads the first two; each open takes
 * a snapshot of the text, so a DHCP lease that names new DNS servers shows in
 * the next lookup. The last two hold root and the unprivileged user and group
 * that servers look up by name at start (nginx's default `user nobody
 * nogroup`), with Debian's numbers: a program's getpwnam answers as on a
 * fresh Debian system instead of failing with ENOENT.
 */
#include <k/errno.h>
#include <k/etcfs.h>
#include <k/fd.h>
#include <k/kheap.h>
#include <k/string.h>

#define ETC_MAX 2048

struct etc_file {
	size_t len;
	char text[];
};

static size_t copy_text(char *buf, size_t n, const char *text)
{
	size_t len = strlen(text) < n ? strlen(text) : n;
	memcpy(buf, text, len);
	return len;
}

static size_t default_hosts(char *buf, size_t n)
{
	return copy_text(buf, n, "127.0.0.1\tlocalhost\n::1\tlocalhost\n");
}

static size_t default_passwd(char *buf, size_t n)
{
	return copy_text(buf, n, "root:x:0:0:root:/root:/bin/sh\n"
			 "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
}

static size_t default_group(char *buf, size_t n)
{
	return copy_text(buf, n, "root:x:0:\nnogroup:x:65534:\n");
}

static struct {
	const char *path;
	etcfs_gen_fn gen;
	etcfs_gen_fn fallback;
} files[] = {
	{ "/etc/hosts", NULL, default_hosts },
	{ "/etc/resolv.conf", NULL, NULL },
	{ "/etc/passwd", NULL, default_passwd },
	{ "/etc/group", NULL, default_group },
};

void etcfs_set(const char *path, etcfs_gen_fn gen)
{
	for (unsigned i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (!strcmp(path, files[i].path))
			files[i].gen = gen;
}

static long etc_read(struct file *f, void *buf, size_t n)
{
	struct etc_file *e = f->priv;
	if (f->off >= (int64_t)e->len)
		return 0;
	size_t left = e->len - (size_t)f->off, c = n < left ? n : left;
	memcpy(buf, e->text + f->off, c);
	f->off += (int64_t)c;
	return (long)c;
}

static void etc_stat(struct file *f, struct kstat *st)
{
	struct etc_file *e = f->priv;
	st->mode = S_IFREG | 0444;
	st->size = (int64_t)e->len;
	st->blocks = (int64_t)(e->len + 511) / 512;
}

static int etc_close(struct file *f)
{
	kfree(f->priv);
	return 0;
}

static const struct file_ops etc_ops = {
	.read = etc_read, .stat = etc_stat, .close = etc_close,
};

struct file *etcfs_open(const char *path, int flags, int *err)
{
	for (unsigned i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		etcfs_gen_fn gen = files[i].gen ? files[i].gen : files[i].fallback;
		if (strcmp(path, files[i].path) || !gen)
			continue;
		if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_CREAT)) {
			*err = -EROFS;
			return NULL;
		}
		struct etc_file *e = kmalloc(sizeof(*e) + ETC_MAX);
		struct file *f = e ? kzalloc(sizeof(*f)) : NULL;
		if (!f) {
			kfree(e);
			*err = -ENOMEM;
			return NULL;
		}
		e->len = gen(e->text, ETC_MAX);
		f->ops = &etc_ops;
		f->refs = 1;
		f->flags = flags & ~O_CLOEXEC;
		f->priv = e;
		return f;
	}
	*err = (flags & O_CREAT) ? -EROFS : -ENOENT;
	return NULL;
}
