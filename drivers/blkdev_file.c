/* SPDX-License-Identifier: MIT */
/*
 * The raw device file of a block device, /dev/vda: read and write (and
 * pread/pwrite) at any offset and length (whole sectors go to the device through a bounce
 * buffer of the file's own; a partial sector is read, changed and written
 * back), lseek within the capacity, fstat (S_IFBLK, size = capacity), fsync
 * (a device flush) and Linux's block ioctls. Portable: tests/unit/
 * test_blkfile.c runs it over the RAM disk.
 */
#include <k/console.h>
#include <k/errno.h>
#include <k/fd.h>
#include <k/kheap.h>
#include <k/string.h>
#include <k/syscall.h>
#include <k/wait.h>

#include "blkdev_impl.h"

/* Linux's block ioctls (include/uapi/linux/fs.h numbers). */
#define BLKROGET 0x125e
#define BLKGETSIZE 0x1260
#define BLKFLSBUF 0x1261
#define BLKSSZGET 0x1268
#define BLKPBSZGET 0x127b
#define BLKGETSIZE64 0x80081272

#define O_EXCL_ 0200
#define O_DIRECTORY_ 0200000

/* 16 sectors: a 4 KiB chunk of fd.c's at any offset is one request. */
#define BF_BOUNCE 8192u

struct blkfile {
	struct blkdev *bf_dev;
	struct ksem bf_lock; /* the offset and the bounce buffer */
	uint8_t *bf_bounce;  /* BF_BOUNCE bytes of heap: the device may see it */
};

static uint64_t cap_bytes(const struct blkdev *d) { return d->bd_sectors * BLK_SECTOR; }

static size_t round_up(size_t n) { return (n + BLK_SECTOR - 1) & ~(size_t)(BLK_SECTOR - 1); }

/* n bytes at pos (inside the device) into buf: the count or -EXXX. */
static long read_at(struct blkfile *bf, uint64_t pos, uint8_t *buf, size_t n)
{
	size_t done = 0;

	while (done < n) {
		uint64_t p = pos + done;
		size_t in = p % BLK_SECTOR;
		size_t want = n - done < BF_BOUNCE - in ? n - done : BF_BOUNCE - in;
		int e = blkdev_rw(bf->bf_dev, BLK_READ, p / BLK_SECTOR, bf->bf_bounce,
				  round_up(in + want));
		if (e)
			return done ? (long)done : e;
		memcpy(buf + done, bf->bf_bounce + in, want);
		done += want;
	}
	return (long)done;
}

/* One bounce's worth at p: the sectors it only partly covers are read
 * first, so the bytes around the caller's are written back unchanged. */
static int write_piece(struct blkfile *bf, uint64_t p, const uint8_t *src, size_t want)
{
	struct blkdev *d = bf->bf_dev;
	size_t in = p % BLK_SECTOR, bytes = round_up(in + want);
	uint64_t sector = p / BLK_SECTOR;
	uint8_t *b = bf->bf_bounce;
	int e = 0;

	if (in != 0)
		e = blkdev_rw(d, BLK_READ, sector, b, BLK_SECTOR);
	if (e == 0 && (in + want) % BLK_SECTOR != 0 && !(in != 0 && bytes == BLK_SECTOR))
		e = blkdev_rw(d, BLK_READ, sector + bytes / BLK_SECTOR - 1,
			      b + bytes - BLK_SECTOR, BLK_SECTOR);
	if (e)
		return e;
	memcpy(b + in, src, want);
	return blkdev_rw(d, BLK_WRITE, sector, b, bytes);
}

static long write_at(struct blkfile *bf, uint64_t pos, const uint8_t *buf, size_t n)
{
	size_t done = 0;

	while (done < n) {
		uint64_t p = pos + done;
		size_t in = p % BLK_SECTOR;
		size_t want = n - done < BF_BOUNCE - in ? n - done : BF_BOUNCE - in;
		int e = write_piece(bf, p, buf + done, want);
		if (e)
			return done ? (long)done : e;
		done += want;
	}
	return (long)done;
}

/* n bytes at off, either way, within the device (the bounce buffer held):
 * the count, 0 at or past the end for a read, -ENOSPC there for a write. */
static long transfer(struct blkfile *bf, int64_t off, void *buf, size_t n, bool write)
{
	uint64_t cap = cap_bytes(bf->bf_dev);

	if (off < 0)
		return -EINVAL;
	if (n == 0)
		return 0;
	if ((uint64_t)off >= cap)
		return write ? -ENOSPC : 0; /* as Linux: no room past the end */
	if (n > cap - (uint64_t)off)
		n = (size_t)(cap - (uint64_t)off);
	return write ? write_at(bf, (uint64_t)off, buf, n) : read_at(bf, (uint64_t)off, buf, n);
}

/* At the file offset (moved by what was done) or at an explicit one. */
static long file_io(struct file *f, int64_t *at, void *buf, size_t n, bool write)
{
	struct blkfile *bf = f->priv;

	if (write && bf->bf_dev->bd_ro)
		return -EROFS;
	ksem_down(&bf->bf_lock, 0);
	int64_t off = at ? *at : f->off;
	long r = transfer(bf, off, buf, n, write);
	if (r > 0 && !at)
		f->off += r;
	ksem_up(&bf->bf_lock);
	return r;
}

static long bf_read(struct file *f, void *buf, size_t n) { return file_io(f, NULL, buf, n, false); }
static long bf_write(struct file *f, const void *buf, size_t n)
{
	return file_io(f, NULL, (void *)buf, n, true);
}
static long bf_pread(struct file *f, void *buf, size_t n, int64_t off)
{
	return file_io(f, &off, buf, n, false);
}
static long bf_pwrite(struct file *f, const void *buf, size_t n, int64_t off)
{
	return file_io(f, &off, (void *)buf, n, true);
}

/* Linux's rules for a file of fixed size: no offset before 0 or past the
 * end; SEEK_DATA/SEEK_HOLE see one extent of data. */
static int64_t bf_lseek(struct file *f, int64_t off, int whence)
{
	struct blkfile *bf = f->priv;
	int64_t cap = (int64_t)cap_bytes(bf->bf_dev), base, r;

	ksem_down(&bf->bf_lock, 0);
	switch (whence) {
	case SEEK_SET: base = 0; break;
	case SEEK_CUR: base = f->off; break;
	case SEEK_END: base = cap; break;
	case SEEK_DATA:
	case SEEK_HOLE: base = 0; break;
	default: base = -1; break;
	}
	if (base < 0 || __builtin_add_overflow(base, off, &r) || r < 0 || r > cap)
		r = -EINVAL;
	else if ((whence == SEEK_DATA || whence == SEEK_HOLE) && r >= cap)
		r = -ENXIO;
	else if (whence == SEEK_HOLE)
		r = cap;
	if (r >= 0)
		f->off = r;
	ksem_up(&bf->bf_lock);
	return r;
}

static void bf_stat(struct file *f, struct kstat *st)
{
	struct blkdev *d = ((struct blkfile *)f->priv)->bf_dev;

	st->mode = S_IFBLK | 0660;
	st->rdev = blkdev_rdev(d);
	st->size = (int64_t)cap_bytes(d);
	st->blocks = (int64_t)d->bd_sectors;
	st->blksize = 4096;
}

static int bf_fsync(struct file *f, bool datasync)
{
	return blkdev_flush(((struct blkfile *)f->priv)->bf_dev);
}

static long bf_ioctl(struct file *f, unsigned long req, uint64_t arg)
{
	struct blkdev *d = ((struct blkfile *)f->priv)->bf_dev;
	uint64_t v64;
	int v;

	switch (req) {
	case BLKGETSIZE64:
		v64 = cap_bytes(d);
		return user_copy_out(arg, &v64, sizeof(v64));
	case BLKGETSIZE:
		v64 = d->bd_sectors; /* an unsigned long of sectors */
		return user_copy_out(arg, &v64, sizeof(v64));
	case BLKSSZGET:
	case BLKPBSZGET:
		v = BLK_SECTOR;
		return user_copy_out(arg, &v, sizeof(v));
	case BLKROGET:
		v = d->bd_ro;
		return user_copy_out(arg, &v, sizeof(v));
	case BLKFLSBUF:
		return blkdev_flush(d); /* no cache of the file's own to drop */
	default:
		return -ENOTTY;
	}
}

static int bf_close(struct file *f)
{
	struct blkfile *bf = f->priv;

	kfree(bf->bf_bounce);
	kfree(bf);
	return 0;
}

static const struct file_ops blkfile_ops = {
	.read = bf_read,
	.write = bf_write,
	.pread = bf_pread,
	.pwrite = bf_pwrite,
	.ioctl = bf_ioctl,
	.stat = bf_stat,
	.close = bf_close,
	.lseek = bf_lseek,
	.fsync = bf_fsync,
};

static int open_check(const struct blkdev *d, int flags)
{
	if (d->bd_gone)
		return -ENODEV;
	if ((flags & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	if ((flags & O_DIRECTORY_))
		return -ENOTDIR;
	if ((flags & (O_CREAT | O_EXCL_)) == (O_CREAT | O_EXCL_))
		return -EEXIST;
	if ((flags & O_ACCMODE) != O_RDONLY && d->bd_ro)
		return -EROFS;
	return 0;
}

static struct file *blkfile_open(void *arg, int flags, int *err)
{
	struct blkdev *d = arg;
	struct file *f = NULL;
	struct blkfile *bf = NULL;

	*err = open_check(d, flags);
	if (*err)
		return NULL;
	*err = -ENOMEM;
	f = kzalloc(sizeof(*f));
	bf = kzalloc(sizeof(*bf));
	if (f == NULL || bf == NULL || (bf->bf_bounce = kmalloc(BF_BOUNCE)) == NULL) {
		if (bf)
			kfree(bf->bf_bounce);
		kfree(bf);
		kfree(f);
		return NULL;
	}
	*err = 0;
	bf->bf_dev = d;
	ksem_init(&bf->bf_lock, 1);
	f->ops = &blkfile_ops;
	f->refs = 1;
	f->flags = flags & ~O_CLOEXEC; /* O_CLOEXEC lives in the table */
	f->priv = bf;
	return f;
}

int blkdev_file_add(struct blkdev *d)
{
	uint64_t rdev = blkdev_rdev(d);
	int r = devfs_add(d->bd_name, blkfile_open, d, S_IFBLK | 0660, rdev);

	if (r)
		kprintf("toro: /dev/%s: no room in /dev (error %d)\n", d->bd_name, r);
	return r;
}
