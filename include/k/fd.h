/* SPDX-License-Identifier: MIT */
/*
 * The descriptor table, shared by files, devices and (later) sockets. A file is
 * an ops table plus state; descriptors 0-2 are the console at start.
 */
#ifndef K_FD_H
#define K_FD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FD_MAX 1024

struct kstat {
	uint64_t dev, ino, nlink;
	uint32_t mode, uid, gid, pad0;
	uint64_t rdev;
	int64_t size, blksize, blocks;
	uint64_t atime, atime_ns, mtime, mtime_ns, ctime, ctime_ns;
	int64_t reserved[3];
};

/* open/fcntl flags (Linux values) */
#define O_ACCMODE 3
#define O_RDONLY 0
#define O_WRONLY 1
#define O_RDWR 2
#define O_CREAT 0100
#define O_NONBLOCK 04000
#define O_APPEND 02000
#define O_CLOEXEC 02000000

#define S_IFCHR 0020000
#define S_IFBLK 0060000
#define S_IFIFO 0010000
#define S_IFSOCK 0140000
#define S_IFDIR 0040000
#define S_IFREG 0100000

/* Readiness bits (Linux poll values). */
#define POLLIN 0x001
#define POLLPRI 0x002
#define POLLOUT 0x004
#define POLLERR 0x008
#define POLLHUP 0x010
#define POLLNVAL 0x020
#define POLLRDNORM 0x040
#define POLLWRNORM 0x100
#define POLLRDHUP 0x2000

struct file;
struct file_ops {
	/* read/write: kernel buffers (fd.c bounces user data). A blocking file
	 * blocks the calling thread (kwait) unless f->flags has O_NONBLOCK, then
	 * -EAGAIN. */
	long (*read)(struct file *f, void *buf, size_t n);
	long (*write)(struct file *f, const void *buf, size_t n);
	long (*ioctl)(struct file *f, unsigned long req, uint64_t arg);
	void (*stat)(struct file *f, struct kstat *st);
	int (*close)(struct file *f);
	/* Current readiness (POLL* bits), never blocking. NULL: always
	 * readable and writable (regular devices). Whoever makes a file
	 * ready or not calls file_notify(). */
	unsigned (*poll)(struct file *f);
	/* Seekable files (may be NULL: -ESPIPE): data at an explicit offset,
	 * without moving f->off (pread64, pwrite64, sendfile, mmap). */
	long (*pread)(struct file *f, void *buf, size_t n, int64_t off);
	long (*pwrite)(struct file *f, const void *buf, size_t n, int64_t off);
	/* lseek: set f->off from off and whence (SEEK_*) and return it, or
	 * -EXXX. NULL: a tty (has ioctl) gives -ESPIPE, other devices stay at 0. */
	int64_t (*lseek)(struct file *f, int64_t off, int whence);
	/* fsync/fdatasync (datasync): make what was written durable: 0 or
	 * -EXXX. May block. NULL: -EINVAL (pipes, sockets, ttys, as Linux). */
	int (*fsync)(struct file *f, bool datasync);
	/* shutdown(2) (SHUT_RD/WR/RDWR) of a socket that is not the network's
	 * (AF_UNIX pairs, kernel/unix.c): 0 or -EXXX. NULL: -ENOTSOCK. */
	long (*shutdown)(struct file *f, int how);
	/* read_user/write_user (may be NULL): read(2)/write(2) straight
	 * between the file and user memory [ubuf, ubuf+n), which fd.c has
	 * checked with user_access_ok; one call per read(2)/write(2), no bounce
	 * page (sockets). The bytes moved, or -EXXX: -EFAULT when a fault came
	 * before any byte moved, otherwise the count up to it. */
	long (*read_user)(struct file *f, uint64_t ubuf, size_t n);
	long (*write_user)(struct file *f, uint64_t ubuf, size_t n);
	/* readv/writev (wr) of the whole vector of cnt iovecs at user address
	 * uiov in one call (0 <= cnt <= 1024; may be NULL: fd.c moves one
	 * buffer at a time): a socket sends a header and a body together. */
	long (*iov_user)(struct file *f, uint64_t uiov, int cnt, bool wr);
	/* read/write move whole messages (datagram sockets): one call per
	 * read(2)/write(2), even of 0 bytes, with at most one page (4 KiB):
	 * a longer write is EMSGSIZE. */
	bool whole;
};

/* lseek whence values (Linux) */
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#define SEEK_DATA 3
#define SEEK_HOLE 4

struct file {
	const struct file_ops *ops;
	int refs;
	int flags;     /* O_* status flags */
	int64_t off;
	void *priv;
};

void fd_init(void);
/* RLIMIT_NOFILE: descriptors made from now on (install, dup, F_DUPFD,
 * dup2/dup3's target) are below n, clamped to 0..FD_MAX; those open stay. */
void fd_set_limit(int n);
int fd_limit(void);
/* Install f at the lowest free descriptor: the descriptor or -EMFILE. */
int fd_install(struct file *f);
/* The same, with its close-on-exec flag. */
int fd_install_cloexec(struct file *f, bool cloexec);
/* pread/pwrite of user memory at `off` through f's pread/pwrite ops, in
 * bounce-buffer chunks: bytes moved, or -EBADF (access mode), -ESPIPE (not
 * seekable), -EINVAL, -EFAULT, or the op's error. */
long fd_pio(struct file *f, uint64_t ubuf, size_t n, int64_t off, bool write);
/* The calling thread's bounce page (NULL when memory is out) and its size. */
char *fd_bounce(size_t *cap);
/* The file creation mask (umask(2)). */
uint32_t proc_umask(void);
/* The file at fd with a reference taken (NULL if none); drop it with file_put. */
struct file *fd_get(int fd);
void file_put(struct file *f);
/* One more reference to f (drop it with file_put). */
void file_ref(struct file *f);
/* shutdown(2) through f's shutdown op: -EBADF, -ENOTSOCK or the op's answer. */
long fd_shutdown(int fd, int how);
/* Descriptors open now (the stats channel). */
int fd_count(void);

/* Readiness of f changed (any context): wakes every thread in poll, select
 * or epoll_wait to re-check (kernel/poll.c). */
void file_notify(struct file *f);
unsigned file_poll(struct file *f);

/* Character devices under /dev: a new file, or NULL if no such device. */
struct file *devfs_open(const char *path, int flags, int *err);

/* Devices that drivers add at attach (block devices: /dev/vda): open makes a
 * new file for `arg`; mode is S_IFBLK or S_IFCHR with permissions, rdev
 * Linux's (major << 8) | minor. 0, or -ENOSPC when DEVFS_DYN_MAX are there. */
#define DEVFS_DYN_MAX 16
typedef struct file *(*devfs_open_fn)(void *arg, int flags, int *err);
int devfs_add(const char *name, devfs_open_fn open, void *arg, uint32_t mode, uint64_t rdev);
/* The index-th added device (0..), for listing /dev: its name (without
 * "/dev/"), mode and rdev; false past the end. */
bool devfs_dyn_entry(int index, const char **name, uint32_t *mode, uint64_t *rdev);

#endif
