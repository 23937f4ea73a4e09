/* SPDX-License-Identifier: MIT */
/*
 * The RAM file system: /tmp, and / when the VM has no disk. Files are arrays
 * of pages (a page never written reads as zeros), directories lists of
 * entries in creation order, each with a sequence number that serves as its
 * readdir position, so removing entries never makes a walk skip another.
 * Memory comes from the page allocator as it is written: ENOSPC when none is
 * left. Names are kept as given and compared exactly (case matters).
 */
#include <k/errno.h>
#include <k/kheap.h>
#include <k/pmm.h>
#include <k/string.h>
#include <k/vfs.h>
#include "vfs_impl.h"

#define RAMFS_MAGIC 0x01021994 /* what statfs says, as Linux's tmpfs */
#define RAMFS_MAX_SIZE (1ull << 40)

struct rdirent {
	struct rdirent *next;
	uint64_t seq;
	struct rnode *node;
	size_t len;
	char name[];
};

struct rnode {
	uint32_t mode;
	int nlink;             /* 0 once unlinked: freed with its last vnode */
	uint64_t size;
	uint64_t atime, mtime, ctime;
	uint8_t **pages;       /* regular files */
	size_t npages;         /* entries in pages[] */
	struct rdirent *ents;  /* directories, in seq order */
	uint64_t next_seq;
};

static const struct vnode_ops rops;

static struct rnode *rn(struct vnode *vn) { return vn->v_priv; }

static struct rnode *node_new(uint32_t mode)
{
	struct rnode *n = kzalloc(sizeof(*n));
	if (!n)
		return NULL;
	n->mode = mode;
	n->nlink = 1;
	n->atime = n->mtime = n->ctime = vfs_now_ns();
	return n;
}

static void node_free(struct rnode *n)
{
	for (size_t i = 0; i < n->npages; i++)
		if (n->pages[i])
			pmm_free(n->pages[i]);
	kfree(n->pages);
	kfree(n);
}

static int vnode_of(struct mount *m, struct rnode *n, struct vnode **out)
{
	bool fresh;
	struct vnode *vn = vfs_vget(m, (uint64_t)(uintptr_t)n, &fresh);
	if (!vn)
		return -ENOMEM;
	if (fresh) {
		vn->v_ops = &rops;
		vn->v_mode = n->mode;
		vn->v_size = (int64_t)n->size;
		vn->v_priv = n;
	}
	*out = vn;
	return 0;
}

static struct rdirent *find(struct rnode *dir, const char *name, size_t len, struct rdirent ***pp)
{
	struct rdirent **p = &dir->ents;
	for (; *p; p = &(*p)->next)
		if ((*p)->len == len && !memcmp((*p)->name, name, len)) {
			if (pp)
				*pp = p;
			return *p;
		}
	return NULL;
}

static int r_lookup(struct vnode *dir, const char *name, size_t len, struct vnode **out)
{
	struct rdirent *e = find(rn(dir), name, len, NULL);
	if (!e)
		return -ENOENT;
	return vnode_of(dir->v_mount, e->node, out);
}

static void append(struct rnode *dir, struct rdirent *e)
{
	struct rdirent **p = &dir->ents;
	while (*p)
		p = &(*p)->next;
	e->seq = dir->next_seq++;
	e->next = NULL;
	*p = e;
	dir->mtime = dir->ctime = vfs_now_ns();
}

static struct rdirent *dirent_new(const char *name, size_t len, struct rnode *node)
{
	struct rdirent *e = kzalloc(sizeof(*e) + len);
	if (!e)
		return NULL;
	memcpy(e->name, name, len);
	e->len = len;
	e->node = node;
	return e;
}

static int r_create(struct vnode *dir, const char *name, size_t len, uint32_t mode,
		    struct vnode **out)
{
	if (find(rn(dir), name, len, NULL))
		return -EEXIST;
	struct rnode *n = node_new(mode);
	struct rdirent *e = n ? dirent_new(name, len, n) : NULL;
	if (!e) {
		kfree(n);
		return -ENOSPC;
	}
	int r = vnode_of(dir->v_mount, n, out);
	if (r) {
		kfree(e);
		kfree(n);
		return r;
	}
	append(rn(dir), e);
	return 0;
}

static bool rdir(const struct rnode *n) { return (n->mode & S_IFMT) == S_IFDIR; }

/* Take entry e (at *pp) out of dir; its node goes now or with its vnode. */
static void remove_entry(struct vnode *dir, struct rdirent **pp)
{
	struct rdirent *e = *pp;
	*pp = e->next;
	e->node->nlink = 0;
	if (!vfs_vfind(dir->v_mount, (uint64_t)(uintptr_t)e->node))
		node_free(e->node);
	kfree(e);
	rn(dir)->mtime = rn(dir)->ctime = vfs_now_ns();
}

/* May entry e be removed (or replaced) as asked? */
static int removable(const struct rdirent *e, bool isdir)
{
	if (isdir && !rdir(e->node))
		return -ENOTDIR;
	if (!isdir && rdir(e->node))
		return -EISDIR;
	if (isdir && e->node->ents)
		return -ENOTEMPTY;
	return 0;
}

static int r_unlink(struct vnode *dir, const char *name, size_t len, bool isdir)
{
	struct rdirent **pp;
	struct rdirent *e = find(rn(dir), name, len, &pp);
	if (!e)
		return -ENOENT;
	int r = removable(e, isdir);
	if (r)
		return r;
	remove_entry(dir, pp);
	return 0;
}

static int r_rename(struct vnode *odir, const char *oname, size_t olen,
		    struct vnode *ndir, const char *nname, size_t nlen, unsigned flags)
{
	struct rdirent **opp, **npp;
	struct rdirent *e = find(rn(odir), oname, olen, &opp);
	if (!e)
		return -ENOENT;
	struct rdirent *t = find(rn(ndir), nname, nlen, &npp);
	if (t == e)
		return 0;
	if (t) {
		if (flags & VFS_RENAME_NOREPLACE)
			return -EEXIST;
		int r = removable(t, rdir(e->node));
		if (r)
			return r;
	}
	struct rdirent *ne = dirent_new(nname, nlen, e->node);
	if (!ne)
		return -ENOSPC;
	if (t) {
		find(rn(ndir), nname, nlen, &npp);
		remove_entry(ndir, npp);
	}
	find(rn(odir), oname, olen, &opp);
	*opp = e->next;
	kfree(e);
	rn(odir)->mtime = vfs_now_ns();
	append(rn(ndir), ne);
	ne->node->ctime = vfs_now_ns();
	return 0;
}

static int r_readdir(struct vnode *dir, uint64_t *pos, vfs_filldir_fn fill, void *ctx)
{
	for (struct rdirent *e = rn(dir)->ents; e; e = e->next) {
		if (e->seq < *pos)
			continue;
		unsigned type = rdir(e->node) ? VDT_DIR : VDT_REG;
		if (fill(ctx, e->name, e->len, (uint64_t)(uintptr_t)e->node >> 4, type, e->seq + 1)) {
			*pos = e->seq;
			return 0;
		}
		*pos = e->seq + 1;
	}
	return 0;
}

static long r_read(struct vnode *vn, void *buf, size_t n, uint64_t off)
{
	struct rnode *f = rn(vn);
	if (off >= f->size)
		return 0;
	if (n > f->size - off)
		n = (size_t)(f->size - off);
	size_t done = 0;
	while (done < n) {
		uint64_t o = off + done;
		size_t pi = (size_t)(o / PAGE_SIZE), po = (size_t)(o % PAGE_SIZE);
		size_t c = PAGE_SIZE - po < n - done ? PAGE_SIZE - po : n - done;
		if (pi < f->npages && f->pages[pi])
			memcpy((char *)buf + done, f->pages[pi] + po, c);
		else
			memset((char *)buf + done, 0, c);
		done += c;
	}
	f->atime = vfs_now_ns();
	return (long)done;
}

static int grow_index(struct rnode *f, size_t need)
{
	if (need <= f->npages)
		return 0;
	size_t cap = f->npages ? f->npages : 4;
	while (cap < need)
		cap *= 2;
	uint8_t **p = kzalloc(cap * sizeof(*p));
	if (!p)
		return -ENOSPC;
	if (f->npages)
		memcpy(p, f->pages, f->npages * sizeof(*p));
	kfree(f->pages);
	f->pages = p;
	f->npages = cap;
	return 0;
}

static long r_write(struct vnode *vn, const void *buf, size_t n, uint64_t off)
{
	struct rnode *f = rn(vn);
	if (off >= RAMFS_MAX_SIZE)
		return -EFBIG;
	if (n > RAMFS_MAX_SIZE - off)
		n = (size_t)(RAMFS_MAX_SIZE - off);
	size_t done = 0;
	while (done < n) {
		uint64_t o = off + done;
		size_t pi = (size_t)(o / PAGE_SIZE), po = (size_t)(o % PAGE_SIZE);
		size_t c = PAGE_SIZE - po < n - done ? PAGE_SIZE - po : n - done;
		if (grow_index(f, pi + 1))
			break;
		if (!f->pages[pi]) {
			f->pages[pi] = pmm_alloc_zero();
			if (!f->pages[pi])
				break;
		}
		memcpy(f->pages[pi] + po, (const char *)buf + done, c);
		done += c;
	}
	if (done == 0 && n > 0)
		return -ENOSPC;
	if (off + done > f->size)
		f->size = off + done;
	vn->v_size = (int64_t)f->size;
	f->mtime = f->ctime = vfs_now_ns();
	return (long)done;
}

static int r_truncate(struct vnode *vn, uint64_t size)
{
	struct rnode *f = rn(vn);
	if (size > RAMFS_MAX_SIZE)
		return -EFBIG;
	if (size < f->size) {
		size_t keep = (size_t)((size + PAGE_SIZE - 1) / PAGE_SIZE);
		for (size_t i = keep; i < f->npages; i++) {
			if (f->pages[i])
				pmm_free(f->pages[i]);
			f->pages[i] = NULL;
		}
		size_t po = (size_t)(size % PAGE_SIZE);
		if (po && keep - 1 < f->npages && f->pages[keep - 1])
			memset(f->pages[keep - 1] + po, 0, PAGE_SIZE - po);
	}
	f->size = size;
	vn->v_size = (int64_t)size;
	f->mtime = f->ctime = vfs_now_ns();
	return 0;
}

static void r_getattr(struct vnode *vn, struct kstat *st)
{
	struct rnode *f = rn(vn);
	size_t pages = 0;
	for (size_t i = 0; i < f->npages; i++)
		pages += f->pages[i] != NULL;
	st->mode = f->mode;
	st->nlink = rdir(f) ? 2 : (uint64_t)f->nlink;
	st->size = rdir(f) ? 4096 : (int64_t)f->size;
	st->blocks = (int64_t)pages * 8;
	st->atime = f->atime / 1000000000ull;
	st->atime_ns = f->atime % 1000000000ull;
	st->mtime = f->mtime / 1000000000ull;
	st->mtime_ns = f->mtime % 1000000000ull;
	st->ctime = f->ctime / 1000000000ull;
	st->ctime_ns = f->ctime % 1000000000ull;
}

static int r_setattr(struct vnode *vn, const struct vattr *va)
{
	struct rnode *f = rn(vn);
	if (va->va_mask & VA_MODE) {
		f->mode = (f->mode & S_IFMT) | (va->va_mode & 07777);
		vn->v_mode = f->mode;
	}
	if (va->va_mask & VA_ATIME)
		f->atime = va->va_atime_ns;
	if (va->va_mask & VA_MTIME)
		f->mtime = va->va_mtime_ns;
	f->ctime = vfs_now_ns();
	return 0;
}

static void r_inactive(struct vnode *vn)
{
	if (rn(vn)->nlink == 0)
		node_free(rn(vn));
}

static const struct vnode_ops rops = {
	.lookup = r_lookup, .create = r_create, .unlink = r_unlink, .rename = r_rename,
	.readdir = r_readdir, .read = r_read, .write = r_write, .truncate = r_truncate,
	.getattr = r_getattr, .setattr = r_setattr, .inactive = r_inactive,
};

static int r_mount(struct mount *m, struct blkdev *dev)
{
	struct rnode *root = node_new(S_IFDIR | 01777);
	if (!root)
		return -ENOMEM;
	if (m->m_path[1] != '\0')
		root->mode = S_IFDIR | 01777; /* /tmp: sticky, everyone's */
	else
		root->mode = S_IFDIR | 0755;
	int r = vnode_of(m, root, &m->m_root);
	if (r)
		kfree(root);
	return r;
}

static int r_statfs(struct mount *m, struct kstatfs *st)
{
	st->f_type = RAMFS_MAGIC;
	st->f_bsize = st->f_frsize = PAGE_SIZE;
	st->f_blocks = pmm_total_pages();
	st->f_bfree = st->f_bavail = pmm_free_pages();
	st->f_namelen = VFS_NAME_MAX;
	return 0;
}

const struct fs_ops ramfs_fs_ops = {
	.name = "ramfs", .mount = r_mount, .statfs = r_statfs,
};
