/* SPDX-License-Identifier: MIT */
/*
 * mmap of files. A mapping is anonymous memory filled with the file's bytes
 * at mmap time (kernel/uvm.c maps its pages; bytes past the end of the file
 * read as zeros). MAP_PRIVATE is exactly that. MAP_SHARED with PROT_WRITE
 * also remembers the file: msync, munmap and the program's exit write the
 * mapped bytes back (never past the file's end, which a mapping does not
 * move). What a shared mapping does not do: see the file's later writes, or
 * share pages with another mapping of the same file (each has its own copy).
 */
#include <k/component.h>
#include <k/errno.h>
#include <k/kheap.h>
#include <k/pmm.h>
#include <k/string.h>
#include <k/syscall.h>
#include <k/uvm.h>
#include <k/vfs.h>
#include <k/wait.h>
#include "fs_sys.h"
#include "vfs_impl.h"

#define MS_ASYNC 1
#define MS_INVALIDATE 2
#define MS_SYNC 4
#define SHARED_MAX 64

/* Writable shared mappings, for write-back. */
static struct shared_map {
	uint64_t start, len;
	struct file *f;
	int64_t off;
} shared[SHARED_MAX];
static struct ksem shared_sem = { SPINLOCK_INIT, 1 };

/* Copy the file's bytes into the new mapping [start, start+len). */
static long fill(struct file *f, uint64_t start, uint64_t len, int64_t off)
{
	size_t cap;
	char *buf = fd_bounce(&cap);
	if (!buf)
		return -ENOMEM;
	for (uint64_t done = 0; done < len;) {
		size_t want = len - done < cap ? (size_t)(len - done) : cap;
		long r = f->ops->pread(f, buf, want, off + (int64_t)done);
		if (r < 0)
			return r;
		if (r == 0)
			break; /* the rest stays zero */
		if (user_copy_out(start + done, buf, (size_t)r))
			return -ENOMEM; /* no memory for the pages */
		done += (uint64_t)r;
	}
	return 0;
}

/* Write [start, start+len) of a shared mapping back at `off`, page by page,
 * never past the file's end. 0 or the first error. */
static int write_back(struct shared_map *m, uint64_t start, uint64_t len)
{
	size_t cap;
	char *buf = fd_bounce(&cap);
	struct vfile *v = vfile_of(m->f);
	if (!buf || !v)
		return -ENOMEM;
	int first = 0;
	for (uint64_t a = start; a < start + len; a += PAGE_SIZE) {
		int64_t pos = m->off + (int64_t)(a - m->start);
		int64_t size = __atomic_load_n(&v->vn->v_size, __ATOMIC_RELAXED);
		if (pos >= size)
			break;
		size_t n = size - pos < (int64_t)PAGE_SIZE ? (size_t)(size - pos) : PAGE_SIZE;
		if (user_copy_in(buf, a, n))
			continue; /* unmapped meanwhile */
		long w = m->f->ops->pwrite(m->f, buf, n, pos);
		if (w < 0 && !first)
			first = (int)w;
	}
	return first;
}

static long file_mmap(uint64_t addr, uint64_t len, int prot, int flags, int fd, uint64_t off)
{
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	long r;
	bool shared_w = (flags & MAP_SHARED) && (prot & PROT_WRITE);
	if (!f->ops->pread || !vfile_of(f) || f->ops == &vdir_ops)
		r = -ENODEV;
	else if ((f->flags & O_ACCMODE) == O_WRONLY)
		r = -EACCES;
	else if (shared_w && (f->flags & O_ACCMODE) != O_RDWR)
		r = -EACCES;
	else if ((int64_t)off < 0)
		r = -EINVAL;
	else
		r = uvm_mmap(addr, len, PROT_READ | PROT_WRITE,
			     (flags & ~(MAP_SHARED | 0x03)) | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r >= 0) {
		uint64_t start = (uint64_t)r;
		long e = fill(f, start, len, (int64_t)off);
		if (e == 0 && prot != (PROT_READ | PROT_WRITE))
			e = uvm_mprotect(start, len, prot);
		if (e == 0 && shared_w) {
			e = -ENOMEM;
			ksem_down(&shared_sem, 0);
			for (int i = 0; i < SHARED_MAX; i++)
				if (!shared[i].f) {
					shared[i] = (struct shared_map){ start, len, f, (int64_t)off };
					f = NULL; /* the table keeps the reference */
					e = 0;
					break;
				}
			ksem_up(&shared_sem);
		}
		if (e) {
			uvm_munmap(start, len);
			r = e;
		}
	}
	if (f)
		file_put(f);
	return r;
}

/* Before [addr, addr+len) is unmapped: write back what overlaps a shared
 * mapping, and forget mappings wholly inside. */
static void file_unmap(uint64_t addr, uint64_t len)
{
	ksem_down(&shared_sem, 0);
	for (int i = 0; i < SHARED_MAX; i++) {
		struct shared_map *m = &shared[i];
		if (!m->f || addr >= m->start + m->len || addr + len <= m->start)
			continue;
		uint64_t a = addr > m->start ? addr : m->start;
		uint64_t e = addr + len < m->start + m->len ? addr + len : m->start + m->len;
		write_back(m, a, e - a);
		if (a == m->start && e == m->start + m->len) {
			file_put(m->f);
			m->f = NULL;
		}
	}
	ksem_up(&shared_sem);
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
	ksem_down(&shared_sem, 0);
	for (int i = 0; i < SHARED_MAX; i++) {
		struct shared_map *m = &shared[i];
		if (!m->f || addr >= m->start + m->len || addr + len <= m->start)
			continue;
		uint64_t s = addr > m->start ? addr : m->start;
		uint64_t e = addr + len < m->start + m->len ? addr + len : m->start + m->len;
		int r = write_back(m, s, e - s);
		if (r == 0 && (a2 & MS_SYNC) && m->f->ops->fsync)
			r = m->f->ops->fsync(m->f, false);
		if (r && !first)
			first = r;
	}
	ksem_up(&shared_sem);
	return first;
}

/* At exit (the SYNC hook, before the caches are written): every shared
 * mapping back to its file. */
int fs_mmap_sync(void)
{
	int first = 0;
	ksem_down(&shared_sem, 0);
	for (int i = 0; i < SHARED_MAX; i++)
		if (shared[i].f) {
			int r = write_back(&shared[i], shared[i].start, shared[i].len);
			if (r && !first)
				first = r;
		}
	ksem_up(&shared_sem);
	return first;
}

const struct filemap_ops fs_filemap = { .mmap = file_mmap, .unmap = file_unmap };
