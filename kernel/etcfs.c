/* SPDX-License-Identifier: MIT */
/*
 * /etc/hosts and /etc/resolv.conf from memory (k/etcfs.h). musl's resolver
 * opens and reads them; each open takes a snapshot of the text, so a DHCP
 * lease that names new DNS servers shows in the next lookup.
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

static size_t default_hosts(char *buf, size_t n)
{
	static const char hosts[] = "127.0.0.1\tlocalhost\n::1\tlocalhost\n";
	size_t len = sizeof(hosts) - 1 < n ? sizeof(hosts) - 1 : n;
	memcpy(buf, hosts, len);
	return len;
}

static struct {
	const char *path;
	etcfs_gen_fn gen;
	etcfs_gen_fn fallback;
} files[] = {
	{ "/etc/hosts", NULL, default_hosts },
	{ "/etc/resolv.conf", NULL, NULL },
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
