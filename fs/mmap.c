/* SPDX-License-Identifier: MIT */
/*
 * mmap of files. A mapping is anonymous memory (kernel/uvm.c maps and
 * promises its pages) filled with the file's bytes at mmap time; bytes past
 * the end of the file read as zeros. MAP_PRIVATE is just that.
 *
 * MAP_SHARED mappings are kept coherent with the file by copying, since each
 * mapping has pages of its own: a write(2) to the file is copied into every
 * shared mapping of it at once, a truncation zeroes what it cut off, and what
 * the program wrote into a writable shared mapping goes to the file before
 * anyone reads the file (read, pread, a new mapping), on msync, on munmap
 * and at exit (never past the file's end, which a mapping does not move).
 * The copies run under the VFS lock and reach the mapping's pages through
 * the identity map of RAM, so they never fault.
 */
#include <k/component.h>
#include <k/errno.h>
#include <k/kheap.h>
#include <k/pmm.h>
#include <k/string.h>
#include <k/syscall.h>
#include <k/uvm.h>
#include <k/vfs.h>
#include <k/vmm.h>
#include "fs_sys.h"
#include "vfs_impl.h"

#define MS_ASYNC 1
#define MS_INVALIDATE 2
#define MS_SYNC 4
#define SHARED_MAX 64

/* Shared mappings: [start, start + len) shows the file from byte off.
 * Under the VFS lock. */
static struct shared_map {
	uint64_t start, len;
	struct file *f;     /* a reference: the file stays open while mapped */
	struct vnode *vn;
	int64_t off;
	bool writable;
} shared[SHARED_MAX];

/* The kernel's view of the mapped page holding va, or NULL if unmapped. */
static uint8_t *page_of(uint64_t va)
{
	uint64_t pa;
	unsigned fl;
	if (!vmm_lookup(va & ~(PAGE_SIZE - 1), &pa, &fl))
		return NULL;
	return (uint8_t *)(uintptr_t)(pa & ~(PAGE_SIZE - 1));
}

/* Copy between a kernel buffer and the mapping at va (n bytes): page by
 * page through the identity map; unmapped pages are skipped. */
static void map_copy(uint64_t va, void *kbuf, size_t n, bool into_map)
{
	for (size_t done = 0; done < n;) {
		uint64_t a = va + done;
		size_t po = (size_t)(a & (PAGE_SIZE - 1)), c = PAGE_SIZE - po;
		if (c > n - done)
			c = n - done;
		uint8_t *p = page_of(a);
		if (p) {
			if (into_map)
				memcpy(p + po, (uint8_t *)kbuf + done, c);
			else
				memcpy((uint8_t *)kbuf + done, p + po, c);
		}
		done += c;
	}
}

static bool overlaps(const struct shared_map *m, uint64_t a, uint64_t len)
{
	return m->f && a < m->start + m->len && m->start < a + len;
}

/* ---- file -> mappings ---- */

/* n bytes were written to vn at off: show them in its shared mappings but
 * `except` (the mapping they came from). VFS lock held. */
static void copy_in(struct vnode *vn, int64_t off, const void *buf, size_t n,
		    const struct shared_map *except)
{
	for (int i = 0; i < SHARED_MAX; i++) {
		struct shared_map *m = &shared[i];
		if (!m->f || m->vn != vn || m == except)
			continue;
		int64_t lo = off > m->off ? off : m->off;
		int64_t hi = off + (int64_t)n;
		if (hi > m->off + (int64_t)m->len)
			hi = m->off + (int64_t)m->len;
		if (lo < hi)
			map_copy(m->start + (uint64_t)(lo - m->off), (uint8_t *)buf + (lo - off),
				 (size_t)(hi - lo), true);
	}
}

void fs_mmap_written(struct vnode *vn, int64_t off, const void *buf, size_t n)
{
	if (vn->v_maps)
		copy_in(vn, off, buf, n, NULL);
}

void fs_mmap_resized(struct vnode *vn, int64_t size)
{
	static const uint8_t zeros[256];
	if (!vn->v_maps)
		return;
	for (int i = 0; i < SHARED_MAX; i++) {
		struct shared_map *m = &shared[i];
		if (!m->f || m->vn != vn || size >= m->off + (int64_t)m->len)
			continue;
		int64_t from = size > m->off ? size : m->off;
		for (int64_t p = from; p < m->off + (int64_t)m->len;) {
			size_t c = (size_t)(m->off + (int64_t)m->len - p);
			if (c > sizeof(zeros))
				c = sizeof(zeros);
			map_copy(m->start + (uint64_t)(p - m->off), (void *)zeros, c, true);
			p += (int64_t)c;
		}
	}
}

/* ---- mappings -> file ---- */

/* Write [a, a + len) of writable mapping m back to its file, page by page
 * straight from the mapping's pages, never past the file's end, and show
 * the bytes in the file's other mappings. VFS lock held. 0 or an error. */
static int write_back(struct shared_map *m, uint64_t a, uint64_t len)
{
	struct vnode *vn = m->vn;
	int first = 0;
	if (!m->writable || vn->v_mount->m_ro)
		return 0;
	for (uint64_t p = a; p < a + len;) {
		size_t po = (size_t)(p & (PAGE_SIZE - 1)), c = PAGE_SIZE - po;
		if (c > a + len - p)
			c = (size_t)(a + len - p);
		int64_t pos = m->off + (int64_t)(p - m->start);
		if (pos >= vn->v_size)
			break;
		if ((int64_t)c > vn->v_size - pos)
			c = (size_t)(vn->v_size - pos);
		uint8_t *page = page_of(p);
		if (page) {
			long w = vn->v_ops->write(vn, page + po, c, (uint64_t)pos);
			if (w < 0 && !first)
				first = (int)w;
			if (w > 0)
				copy_in(vn, pos, page + po, (size_t)w, m);
		}
		p += c;
	}
	return first;
}

void fs_mmap_flush(struct vnode *vn)
{
	if (!vn->v_maps)
		return;
	for (int i = 0; i < SHARED_MAX; i++)
		if (shared[i].f && shared[i].vn == vn)
			write_back(&shared[i], shared[i].start, shared[i].len);
}

/* ---- the calls ---- */

static void file_unmap(uint64_t addr, uint64_t len);

/* Fill the new mapping [start, start + len) from the file at off: its pages
 * are touched first (mapped and promised, outside the lock), then copied
 * into under the lock, where the file cannot change. */
static long fill(struct vnode *vn, uint64_t start, uint64_t len, int64_t off)
{
	size_t cap;
	char *buf = fd_bounce(&cap);
	if (!buf)
		return -ENOMEM;
	for (uint64_t p = start; p < start + len; p += PAGE_SIZE) {
		uint8_t zero = 0;
		if (user_copy_out(p, &zero, 1))
			return -ENOMEM;
	}
	fs_mmap_flush(vn); /* what other mappings wrote, first */
	for (uint64_t done = 0; done < len;) {
		size_t want = len - done < cap ? (size_t)(len - done) : cap;
		long r = vn->v_ops->read(vn, buf, want, (uint64_t)(off + (int64_t)done));
		if (r < 0)
			return r;
		if (r == 0)
			break; /* the rest stays zero */
		map_copy(start + done, buf, (size_t)r, true);
		done += (uint64_t)r;
	}
	return 0;
}

static long file_mmap(uint64_t addr, uint64_t len, int prot, int flags, int fd, uint64_t off)
{
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	struct vfile *v = vfile_of(f);
	bool is_shared = (flags & 0x03) == MAP_SHARED || (flags & 0x03) == 0x03;
	bool shared_w = is_shared && (prot & PROT_WRITE);
	long r;
	if (!v || f->ops == &vdir_ops || !v->vn->v_ops->read)
		r = -ENODEV;
	else if ((f->flags & O_ACCMODE) == O_WRONLY)
		r = -EACCES;
	else if (shared_w && (f->flags & O_ACCMODE) != O_RDWR)
		r = -EACCES;
	else if ((int64_t)off < 0)
		r = -EINVAL;
	else
		r = uvm_mmap(addr, len, PROT_READ | PROT_WRITE,
			     (flags & ~0x03) | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r < 0) {
		file_put(f);
		return r;
	}
	uint64_t start = (uint64_t)r;
	len = (len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	vfs_lock();
	long e = fill(v->vn, start, len, (int64_t)off);
	if (e == 0 && is_shared) {
		e = -ENOMEM;
		for (int i = 0; i < SHARED_MAX; i++)
			if (!shared[i].f) {
				shared[i] = (struct shared_map){ start, len, f, v->vn, (int64_t)off,
								 shared_w };
				v->vn->v_maps++;
				f = NULL; /* the table keeps the reference */
				e = 0;
				break;
			}
	}
	vfs_unlock();
	if (e == 0 && prot != (PROT_READ | PROT_WRITE))
		e = uvm_mprotect(start, len, prot);
	if (e) {
		file_unmap(start, len);
		uvm_munmap(start, len);
		r = e;
	}
	if (f)
		file_put(f);
	return r;
}

/* Before [addr, addr + len) is unmapped (munmap, or mmap with MAP_FIXED over
 * it): write back what overlaps a writable shared mapping, and cut the
 * range out of the table (a mapping may lose its start, its end or its
 * middle). */
static void file_unmap(uint64_t addr, uint64_t len)
{
	struct file *drop[SHARED_MAX];
	int ndrop = 0;
	len = (len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	vfs_lock();
	for (int i = 0; i < SHARED_MAX; i++) {
		struct shared_map *m = &shared[i];
		if (!overlaps(m, addr, len))
			continue;
		uint64_t a = addr > m->start ? addr : m->start;
		uint64_t e = addr + len < m->start + m->len ? addr + len : m->start + m->len;
		write_back(m, a, e - a);
		uint64_t end = m->start + m->len;
		if (e < end && a > m->start) {
			/* The middle goes: the end becomes a mapping of its own. */
			int j = 0;
			while (j < SHARED_MAX && shared[j].f)
				j++;
			if (j < SHARED_MAX) {
				shared[j] = *m;
				shared[j].start = e;
				shared[j].len = end - e;
				shared[j].off = m->off + (int64_t)(e - m->start);
				m->vn->v_maps++;
				file_ref(m->f);
			} else {
				write_back(m, e, end - e); /* no room to keep it coherent */
			}
			m->len = a - m->start;
		} else if (a > m->start) {
			m->len = a - m->start;
		} else if (e < end) {
			m->off += (int64_t)(e - m->start);
			m->start = e;
			m->len = end - e;
		} else {
			m->vn->v_maps--;
			drop[ndrop++] = m->f;
			m->f = NULL;
		}
	}
	vfs_unlock();
	for (int i = 0; i < ndrop; i++)
		file_put(drop[i]); /* may close the file: outside the lock */
}

long sys_msync(SYSARGS)
{
	uint64_t addr = (uint64_t)a0, len = (uint64_t)a1;
	if ((addr & (PAGE_SIZE - 1)) || (a2 & ~(long)(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) ||
	    ((a2 & MS_ASYNC) && (a2 & MS_SYNC)))
		return -EINVAL;
	if (len > UINT64_MAX - addr)
		return -ENOMEM;
	int first = 0;
	vfs_lock();
	for (int i = 0; i < SHARED_MAX; i++) {
		struct shared_map *m = &shared[i];
		if (!overlaps(m, addr, len))
			continue;
		uint64_t s = addr > m->start ? addr : m->start;
		uint64_t e = addr + len < m->start + m->len ? addr + len : m->start + m->len;
		int r = write_back(m, s, e - s);
		if (r == 0 && (a2 & MS_SYNC) && !m->vn->v_mount->m_ro) {
			struct vnode *vn = m->vn;
			if (vn->v_ops->fsync)
				r = vn->v_ops->fsync(vn, false);
			else if (vn->v_mount->m_fs->sync)
				r = vn->v_mount->m_fs->sync(vn->v_mount);
		}
		if (r && !first)
			first = r;
	}
	vfs_unlock();
	return first;
}

/* At exit (the SYNC hook, before the caches are written): every writable
 * shared mapping back to its file. */
int fs_mmap_sync(void)
{
	int first = 0;
	if (vfs_lock_timed(SYNC_LOCK_WAIT_NS))
		return -EBUSY;
	for (int i = 0; i < SHARED_MAX; i++)
		if (shared[i].f) {
			int r = write_back(&shared[i], shared[i].start, shared[i].len);
			if (r && !first)
				first = r;
		}
	vfs_unlock();
	return first;
}

static bool file_shared(uint64_t addr, uint64_t len)
{
	bool any = false;
	vfs_lock();
	for (int i = 0; i < SHARED_MAX && !any; i++)
		any = shared[i].f && overlaps(&shared[i], addr, len);
	vfs_unlock();
	return any;
}

const struct filemap_ops fs_filemap = { .mmap = file_mmap, .unmap = file_unmap,
					.shared = file_shared };
