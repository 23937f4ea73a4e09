/* SPDX-License-Identifier: MIT */
/*
 * Descriptor table and the file system calls that work on any descriptor:
 * read, write, readv, writev, close, lseek, fstat, ioctl, fcntl (record
 * locks too), dup/dup2/dup3, fsync/fdatasync. open and the calls on paths
 * are the files component's (fs/). Data moves through a bounce buffer in
 * chunks, so no device ever sees a user pointer; a file with read_user/
 * write_user (sockets) takes the user range itself and copies it once.
 */
#include <stdbool.h>
#include <k/console.h>
#include <k/errno.h>
#include <k/fd.h>
#include <k/kheap.h>
#include <k/pmm.h>
#include <k/sched.h>
#include <k/poll.h>
#include <k/spinlock.h>
#include <k/string.h>
#include <k/syscall.h>
#include "sys.h"

#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define F_GETLK 5
#define F_SETLK 6
#define F_SETLKW 7
#define F_OFD_GETLK 36
#define F_OFD_SETLK 37
#define F_OFD_SETLKW 38
#define F_DUPFD_CLOEXEC 1030
#define F_UNLCK 2
#define IOV_MAX 1024
#define CHUNK 4096     /* one page: PIPE_BUF-sized writes stay whole */
#define SMALL_CHUNK 256

/* Data moves through a page of the calling thread's own (taken on first
 * use, freed with the thread); without memory for it, a small stack buffer. */
static char *bounce(char *fallback, size_t *cap)
{
	struct thread *t = thread_current();
	if (!t->bounce)
		t->bounce = pmm_alloc();
	*cap = t->bounce ? CHUNK : SMALL_CHUNK;
	return t->bounce ? t->bounce : fallback;
}

/*
 * The table is shared by all threads. Its lock orders the changes of slots
 * (install, close, dup); a call works on a reference it took (fd_get), so a
 * close on another core cannot free the file under it. fd_get takes no lock:
 * it reads the slot, publishes the file in its core's hazard slot, checks
 * the slot still holds it and counts a reference unless the count already
 * fell to zero (a close in flight). The last file_put waits, before it frees
 * the file, until no core's hazard slot names it. The kernel does not preempt
 * itself, so a hazard lives a few instructions on its core.
 */
static struct file *fds[FD_MAX];
static uint8_t cloexec[FD_MAX];
static struct spinlock lock = SPINLOCK_INIT;
static struct file *hazard[MAX_CPUS];
/* RLIMIT_NOFILE's soft limit: new descriptors are below it (kernel/rlimit.c). */
static int limit = FD_MAX;

void fd_set_limit(int n)
{
	__atomic_store_n(&limit, n < 0 ? 0 : n > FD_MAX ? FD_MAX : n, __ATOMIC_RELAXED);
}

int fd_limit(void)
{
	return __atomic_load_n(&limit, __ATOMIC_RELAXED);
}

int fd_install_cloexec(struct file *f, bool cx)
{
	int r = -EMFILE;
	spin_lock(&lock);
	for (int i = 0; i < limit; i++) {
		if (!fds[i]) {
			cloexec[i] = cx;
			__atomic_store_n(&fds[i], f, __ATOMIC_RELEASE);
			r = i;
			break;
		}
	}
	spin_unlock(&lock);
	return r;
}

int fd_install(struct file *f)
{
	return fd_install_cloexec(f, false);
}

/* A reference to f unless its count is already zero (being released). */
static bool ref_unless_zero(struct file *f)
{
	int n = __atomic_load_n(&f->refs, __ATOMIC_RELAXED);
	while (n > 0) {
		if (__atomic_compare_exchange_n(&f->refs, &n, n + 1, false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return true;
	}
	return false;
}

struct file *fd_get(int fd)
{
	struct file *f;
	if (fd < 0 || fd >= FD_MAX)
		return NULL;
	struct file **h = &hazard[this_cpu()->id];
	for (;;) {
		f = __atomic_load_n(&fds[fd], __ATOMIC_ACQUIRE);
		if (!f)
			break;
		/* Published before the check: a releaser that frees f after the
		 * check succeeded sees it and waits (hazard_wait). */
		__atomic_store_n(h, f, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&fds[fd], __ATOMIC_SEQ_CST) != f)
			continue;
		if (!ref_unless_zero(f))
			f = NULL; /* closed meanwhile: the descriptor is gone */
		break;
	}
	__atomic_store_n(h, NULL, __ATOMIC_RELEASE);
	return f;
}

/* Until no core is between reading f from a slot and taking its reference. */
static void hazard_wait(struct file *f)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (int i = 0; i < MAX_CPUS; i++) {
		while (__atomic_load_n(&hazard[i], __ATOMIC_SEQ_CST) == f) {
			smp_poll();
			arch_pause();
		}
	}
}

void file_ref(struct file *f)
{
	__atomic_add_fetch(&f->refs, 1, __ATOMIC_RELAXED);
}

void file_put(struct file *f)
{
	if (__atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	hazard_wait(f);
	poll_file_release(f);
	if (f->ops->close)
		f->ops->close(f);
	kfree(f);
}

long fd_shutdown(int fd, int how)
{
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	long r = f->ops->shutdown ? f->ops->shutdown(f, how) : -ENOTSOCK;
	file_put(f);
	return r;
}

int fd_count(void)
{
	int n = 0;
	spin_lock(&lock);
	for (int i = 0; i < FD_MAX; i++)
		n += fds[i] != NULL;
	spin_unlock(&lock);
	return n;
}

void fd_init(void)
{
	int err;
	for (int i = 0; i < 3; i++) {
		struct file *f = devfs_open("/dev/console", i == 0 ? 0 : 1, &err);
		if (f)
			fd_install(f);
	}
}

/*
 * Move n bytes between user memory and f in bounce-buffer chunks: through
 * read/write at the file offset (pos < 0) or pread/pwrite at pos. The bytes
 * moved, or the first error when nothing was.
 */
static long chunked(struct file *f, uint64_t ubuf, size_t n, int64_t pos, bool wr)
{
	char small[SMALL_CHUNK];
	size_t cap, done = 0;
	char *buf = bounce(small, &cap);
	/* Whole messages: one op call, even for 0 bytes, never split. */
	bool whole = f->ops->whole && pos < 0, once = whole;
	if (whole && n > cap) {
		if (wr)
			return -EMSGSIZE;
		n = cap; /* a longer message is cut, as a short read cuts it */
	}
	while (done < n || once) {
		once = false;
		size_t want = n - done < cap ? n - done : cap;
		long r;
		if (wr && user_copy_in(buf, ubuf + done, want))
			return done ? (long)done : -EFAULT;
		if (pos < 0)
			r = wr ? f->ops->write(f, buf, want) : f->ops->read(f, buf, want);
		else if (wr)
			r = f->ops->pwrite(f, buf, want, pos + (int64_t)done);
		else
			r = f->ops->pread(f, buf, want, pos + (int64_t)done);
		if (r < 0)
			return done ? (long)done : r;
		if (!wr && r > 0 && user_copy_out(ubuf + done, buf, (size_t)r))
			return done ? (long)done : -EFAULT;
		done += (size_t)r;
		if ((size_t)r < want || whole)
			break;
		/* A pipe or socket with nothing more to read would block the
		 * next chunk: return what the call has. */
		if (!wr && pos < 0 && f->ops->poll &&
		    !(f->ops->poll(f) & (POLLIN | POLLHUP | POLLERR)))
			break;
	}
	return (long)done;
}

static long do_read(struct file *f, uint64_t ubuf, size_t n)
{
	if (!user_access_ok(ubuf, n))
		return -EFAULT;
	if ((f->flags & O_ACCMODE) == O_WRONLY)
		return -EBADF;
	if (f->ops->read_user)
		return f->ops->read_user(f, ubuf, n);
	if (!f->ops->read)
		return -EINVAL;
	return chunked(f, ubuf, n, -1, false);
}

static long do_write(struct file *f, uint64_t ubuf, size_t n)
{
	if (!user_access_ok(ubuf, n))
		return -EFAULT;
	if ((f->flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	if (f->ops->write_user)
		return f->ops->write_user(f, ubuf, n);
	if (!f->ops->write)
		return -EINVAL;
	return chunked(f, ubuf, n, -1, true);
}

char *fd_bounce(size_t *cap)
{
	struct thread *t = thread_current();
	if (!t->bounce)
		t->bounce = pmm_alloc();
	*cap = CHUNK;
	return t->bounce;
}

long fd_pio(struct file *f, uint64_t ubuf, size_t n, int64_t off, bool wr)
{
	if (!user_access_ok(ubuf, n))
		return -EFAULT;
	if ((f->flags & O_ACCMODE) == (wr ? O_RDONLY : O_WRONLY))
		return -EBADF;
	if (!(wr ? (void *)f->ops->pwrite : (void *)f->ops->pread))
		return -ESPIPE;
	if (off < 0)
		return -EINVAL;
	return chunked(f, ubuf, n, off, wr);
}

long sys_read(long fd, long buf, long n, long a3, long a4, long a5)
{
	struct file *f = fd_get((int)fd);
	if (!f)
		return -EBADF;
	long r = do_read(f, (uint64_t)buf, (size_t)n);
	file_put(f);
	return r;
}

long sys_write(long fd, long buf, long n, long a3, long a4, long a5)
{
	struct file *f = fd_get((int)fd);
	if (!f)
		return -EBADF;
	long r = do_write(f, (uint64_t)buf, (size_t)n);
	file_put(f);
	return r;
}

struct iovec_k {
	uint64_t base, len;
};

static long iov_file(struct file *f, long uiov, long cnt, bool wr)
{
	struct iovec_k iov;
	long total = 0;
	if (cnt < 0 || cnt > IOV_MAX)
		return -EINVAL;
	if (f->ops->iov_user) {
		if ((f->flags & O_ACCMODE) == (wr ? O_RDONLY : O_WRONLY))
			return -EBADF;
		return f->ops->iov_user(f, (uint64_t)uiov, (int)cnt, wr);
	}
	/* Check every buffer before moving a byte, so a bad one fails the call
	 * whole (as Linux does) instead of after a partial transfer. */
	uint64_t sum = 0;
	for (long i = 0; i < cnt; i++) {
		if (user_copy_in(&iov, (uint64_t)uiov + (uint64_t)i * sizeof(iov), sizeof(iov)))
			return -EFAULT;
		if ((int64_t)iov.len < 0 || (sum += iov.len) > 0x7ffff000)
			return -EINVAL;
		if (iov.len && !user_access_ok(iov.base, iov.len))
			return -EFAULT;
	}
	for (long i = 0; i < cnt; i++) {
		if (user_copy_in(&iov, (uint64_t)uiov + (uint64_t)i * sizeof(iov), sizeof(iov)))
			return total ? total : -EFAULT;
		if ((int64_t)iov.len < 0)
			return -EINVAL;
		if (iov.len == 0)
			continue;
		long r = wr ? do_write(f, iov.base, iov.len) : do_read(f, iov.base, iov.len);
		if (r < 0)
			return total ? total : r;
		total += r;
		if ((uint64_t)r < iov.len)
			break;
	}
	return total;
}

static long do_iov(long fd, long uiov, long cnt, bool wr)
{
	struct file *f = fd_get((int)fd);
	if (!f)
		return -EBADF;
	long r = iov_file(f, uiov, cnt, wr);
	file_put(f);
	return r;
}

long sys_readv(long fd, long iov, long cnt, long a3, long a4, long a5)
{
	return do_iov(fd, iov, cnt, false);
}

long sys_writev(long fd, long iov, long cnt, long a3, long a4, long a5)
{
	return do_iov(fd, iov, cnt, true);
}

long sys_close(long fd, long a1, long a2, long a3, long a4, long a5)
{
	struct file *f = NULL;
	if (fd < 0 || fd >= FD_MAX)
		return -EBADF;
	spin_lock(&lock);
	f = fds[fd];
	__atomic_store_n(&fds[fd], NULL, __ATOMIC_RELEASE);
	spin_unlock(&lock);
	if (!f)
		return -EBADF;
	file_put(f);
	return 0;
}

static long lseek_file(struct file *f, long fd, long off, long whence)
{
	if (!f)
		return -EBADF;
	if (f->ops->lseek)
		return f->ops->lseek(f, off, (int)whence);
	/* Character devices: seeking is accepted and meaningless, as on Linux
	 * for /dev/null; the console is a tty and cannot seek. */
	if (f->ops->ioctl)
		return -ESPIPE;
	if (whence < 0 || whence > 2)
		return -EINVAL;
	return 0;
}

static long fstat_file(struct file *f, long fd, long ust, long unused)
{
	struct kstat st;
	if (!f)
		return -EBADF;
	memset(&st, 0, sizeof(st));
	st.blksize = 4096;
	st.nlink = 1;
	if (f->ops->stat)
		f->ops->stat(f, &st);
	return user_copy_out((uint64_t)ust, &st, sizeof(st));
}

static long ioctl_file(struct file *f, long fd, long req, long arg)
{
	if (!f)
		return -EBADF;
	if (!f->ops->ioctl)
		return -ENOTTY;
	/* The request is an unsigned int, as Linux takes it: musl passes an
	 * int, so _IOR numbers such as BLKGETSIZE64 arrive sign-extended. */
	return f->ops->ioctl(f, (unsigned int)req, (uint64_t)arg);
}

static long dup_to(struct file *f, int min, bool cx)
{
	long r = -EMFILE;
	spin_lock(&lock);
	for (int i = min; i < limit; i++) {
		if (!fds[i]) {
			file_ref(f);
			cloexec[i] = cx;
			__atomic_store_n(&fds[i], f, __ATOMIC_RELEASE);
			r = i;
			break;
		}
	}
	spin_unlock(&lock);
	return r;
}

/* struct flock (x86-64). */
struct kflock {
	int16_t l_type, l_whence;
	int64_t l_start, l_len;
	int32_t l_pid;
};

/*
 * Record locks with one process: its own locks never conflict with each
 * other, so every lock is granted at once and F_GETLK truthfully answers
 * that nothing would stand in the way (F_UNLCK). Arguments are checked as
 * Linux checks them.
 */
static long record_lock(struct file *f, long cmd, uint64_t uarg)
{
	struct kflock l;
	if (user_copy_in(&l, uarg, sizeof(l)))
		return -EFAULT;
	if (l.l_type < 0 || l.l_type > F_UNLCK || l.l_whence < 0 || l.l_whence > 2)
		return -EINVAL;
	if (l.l_type == 0 /* F_RDLCK */ && (f->flags & O_ACCMODE) == O_WRONLY)
		return -EBADF;
	if (l.l_type == 1 /* F_WRLCK */ && (f->flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	if (cmd == F_GETLK || cmd == F_OFD_GETLK) {
		l.l_type = F_UNLCK;
		return user_copy_out(uarg, &l, sizeof(l));
	}
	return 0;
}

static long fcntl_file(struct file *f, long fd, long cmd, long arg)
{
	if (!f)
		return -EBADF;
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		if (arg < 0 || arg >= fd_limit())
			return -EINVAL;
		return dup_to(f, (int)arg, cmd == F_DUPFD_CLOEXEC);
	case F_GETFD: return cloexec[fd];
	case F_SETFD: cloexec[fd] = arg & 1; return 0;
	case F_GETFL: return f->flags;
	case F_SETFL:
		f->flags = (f->flags & ~(O_NONBLOCK | O_APPEND)) |
			   ((int)arg & (O_NONBLOCK | O_APPEND));
		return 0;
	case F_GETLK: case F_SETLK: case F_SETLKW:
	case F_OFD_GETLK: case F_OFD_SETLK: case F_OFD_SETLKW:
		return record_lock(f, cmd, (uint64_t)arg);
	default:
		return -EINVAL;
	}
}

long sys_dup(long fd, long a1, long a2, long a3, long a4, long a5)
{
	struct file *f = fd_get((int)fd);
	if (!f)
		return -EBADF;
	long r = dup_to(f, 0, false);
	file_put(f);
	return r;
}

long sys_dup3(long oldfd, long newfd, long flags, long a3, long a4, long a5)
{
	struct file *f = fd_get((int)oldfd), *old;
	if (!f)
		return -EBADF;
	if (newfd < 0 || newfd >= FD_MAX || (flags & ~O_CLOEXEC) || oldfd == newfd) {
		file_put(f);
		return -EINVAL;
	}
	if (newfd >= fd_limit()) { /* past RLIMIT_NOFILE, as Linux */
		file_put(f);
		return -EBADF;
	}
	spin_lock(&lock);
	old = fds[newfd];
	cloexec[newfd] = (flags & O_CLOEXEC) != 0;
	__atomic_store_n(&fds[newfd], f, __ATOMIC_RELEASE); /* keeps fd_get's reference */
	spin_unlock(&lock);
	if (old)
		file_put(old);
	return newfd;
}

long sys_dup2(long oldfd, long newfd, long a2, long a3, long a4, long a5)
{
	if (oldfd == newfd) {
		struct file *f = fd_get((int)oldfd);
		if (!f)
			return -EBADF;
		file_put(f);
		return newfd;
	}
	return sys_dup3(oldfd, newfd, 0, 0, 0, 0);
}

/* Run fn on the file at fd, holding a reference for the duration. */
typedef long (*file_call_fn)(struct file *f, long fd, long a, long b);

static long with_file(long fd, file_call_fn fn, long a, long b)
{
	struct file *f = fd_get((int)fd);
	if (!f)
		return -EBADF;
	long r = fn(f, (int)fd, a, b); /* the number fd_get took: an unsigned int, as on Linux */
	file_put(f);
	return r;
}

long sys_lseek(long fd, long off, long whence, long a3, long a4, long a5)
{
	return with_file(fd, lseek_file, off, whence);
}

long sys_fstat(long fd, long ust, long a2, long a3, long a4, long a5)
{
	return with_file(fd, fstat_file, ust, 0);
}

long sys_ioctl(long fd, long req, long arg, long a3, long a4, long a5)
{
	return with_file(fd, ioctl_file, req, arg);
}

long sys_fcntl(long fd, long cmd, long arg, long a3, long a4, long a5)
{
	return with_file(fd, fcntl_file, cmd, arg);
}

static long fsync_file(struct file *f, long fd, long datasync, long unused)
{
	return f->ops->fsync ? f->ops->fsync(f, datasync != 0) : -EINVAL;
}

long sys_fsync(long fd, long a1, long a2, long a3, long a4, long a5)
{
	return with_file(fd, fsync_file, 0, 0);
}

long sys_fdatasync(long fd, long a1, long a2, long a3, long a4, long a5)
{
	return with_file(fd, fsync_file, 1, 0);
}
