/* SPDX-License-Identifier: MIT */
/*
 * eventfd and eventfd2: a 64-bit counter behind a descriptor. write adds,
 * read takes the whole count (or 1 with EFD_SEMAPHORE) and blocks while it is
 * zero; a write that would pass 2^64-2 blocks. Readable while the count is
 * non-zero, writable while 1 more fits.
 */
#include <stdbool.h>
#include <k/errno.h>
#include <k/fd.h>
#include <k/kheap.h>
#include <k/poll.h>
#include <k/spinlock.h>
#include <k/string.h>
#include <k/syscall.h>
#include <k/wait.h>
#include "sys.h"

#define EFD_SEMAPHORE 1
#define EFD_MAX 0xfffffffffffffffeull

struct eventfd {
	struct spinlock lock;
	uint64_t count;
	bool semaphore;
};

static long efd_read(struct file *f, void *buf, size_t n)
{
	struct eventfd *e = f->priv;
	uint64_t v;
	if (n < sizeof(v))
		return -EINVAL;
	spin_lock(&e->lock);
	while (e->count == 0) {
		if (f->flags & O_NONBLOCK) {
			spin_unlock(&e->lock);
			return -EAGAIN;
		}
		if (kwait_intr(e, &e->lock, 0) == -EINTR) {
			spin_unlock(&e->lock);
			return -EINTR;
		}
	}
	v = e->semaphore ? 1 : e->count;
	e->count -= v;
	kwake(e, KWAKE_ALL);
	spin_unlock(&e->lock);
	file_notify(f);
	memcpy(buf, &v, sizeof(v));
	return sizeof(v);
}

static long efd_write(struct file *f, const void *buf, size_t n)
{
	struct eventfd *e = f->priv;
	uint64_t v;
	if (n < sizeof(v))
		return -EINVAL;
	memcpy(&v, buf, sizeof(v));
	if (v == ~0ull)
		return -EINVAL;
	spin_lock(&e->lock);
	while (EFD_MAX - e->count < v) {
		if (f->flags & O_NONBLOCK) {
			spin_unlock(&e->lock);
			return -EAGAIN;
		}
		if (kwait_intr(e, &e->lock, 0) == -EINTR) {
			spin_unlock(&e->lock);
			return -EINTR;
		}
	}
	e->count += v;
	kwake(e, KWAKE_ALL);
	spin_unlock(&e->lock);
	if (v)
		file_notify(f);
	return sizeof(v);
}

static unsigned efd_poll(struct file *f)
{
	struct eventfd *e = f->priv;
	spin_lock(&e->lock);
	unsigned r = (e->count ? POLLIN : 0) | (e->count < EFD_MAX ? POLLOUT : 0);
	spin_unlock(&e->lock);
	return r;
}

static long efd_ioctl(struct file *f, unsigned long req, uint64_t arg)
{
	struct eventfd *e = f->priv;
	switch (req) {
	case FIONREAD: {
		spin_lock(&e->lock);
		int n = e->count ? (int)sizeof(uint64_t) : 0;
		spin_unlock(&e->lock);
		return user_copy_out(arg, &n, sizeof(n));
	}
	case FIONBIO:
		return poll_ioctl_fionbio(f, arg);
	default:
		return -ENOTTY;
	}
}

static void efd_stat(struct file *f, struct kstat *st)
{
	st->mode = 0600;
}

static int efd_close(struct file *f)
{
	kfree(f->priv);
	return 0;
}

static const struct file_ops efd_ops = {
	.read = efd_read, .write = efd_write, .ioctl = efd_ioctl, .stat = efd_stat,
	.close = efd_close, .poll = efd_poll,
};

long sys_eventfd2(SYSARGS)
{
	unsigned initval = (unsigned)a0;
	int flags = (int)a1;
	if (flags & ~(EFD_SEMAPHORE | O_NONBLOCK | O_CLOEXEC))
		return -EINVAL;
	struct eventfd *e = kzalloc(sizeof(*e));
	struct file *f = e ? kzalloc(sizeof(*f)) : NULL;
	if (!f) {
		kfree(e);
		return -ENOMEM;
	}
	e->count = initval;
	e->semaphore = flags & EFD_SEMAPHORE;
	f->ops = &efd_ops;
	f->refs = 1;
	f->flags = O_RDWR | (flags & O_NONBLOCK);
	f->priv = e;
	return poll_install(f, flags & O_CLOEXEC);
}

long sys_eventfd(SYSARGS)
{
	return sys_eventfd2(a0, 0, 0, 0, 0, 0);
}
