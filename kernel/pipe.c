/* SPDX-License-Identifier: MIT */
/*
 * pipe and pipe2: a 64 KiB ring shared by a read end and a write end. Writes
 * of up to PIPE_BUF bytes are atomic; a write with no reader left fails with
 * EPIPE and raises SIGPIPE on the writing thread (which ends the program
 * unless it is ignored or handled, as on Linux). Both ends poll, and answer
 * FIONREAD and FIONBIO.
 */
#include <stdbool.h>
#include <k/errno.h>
#include <k/fd.h>
#include <k/kheap.h>
#include <k/poll.h>
#include <k/sched.h>
#include <k/spinlock.h>
#include <k/syscall.h>
#include <k/wait.h>
#include "pipe_impl.h"
#include "sys.h"

#define PIPE_SIZE 65536
#define PIPE_BUF 4096
#define SIGPIPE 13
#define O_DIRECT 040000

struct pipe {
	struct spinlock lock;
	struct pipe_ring ring;
	int readers, writers;    /* open ends */
	struct file *rf, *wf;    /* the ends, NULL once closed (for file_notify) */
};

static bool is_reader(struct file *f)
{
	return (f->flags & O_ACCMODE) == O_RDONLY;
}

/* Readiness changed: wake blocked readers and writers, tell pollers. Called
 * with the lock held; the notifications go out after it is dropped. */
static void changed_unlock(struct pipe *p)
{
	struct file *rf = p->rf, *wf = p->wf;
	kwake(p, KWAKE_ALL);
	spin_unlock(&p->lock);
	/* The file pointers may be stale by now: file_notify only compares them. */
	if (rf)
		file_notify(rf);
	if (wf)
		file_notify(wf);
}

static long pipe_read(struct file *f, void *buf, size_t n)
{
	struct pipe *p = f->priv;
	long r = 0;
	if (n == 0)
		return 0;
	spin_lock(&p->lock);
	while (p->ring.count == 0) {
		if (p->writers == 0)
			goto out; /* end of file */
		if (f->flags & O_NONBLOCK) {
			r = -EAGAIN;
			goto out;
		}
		r = kwait_intr(p, &p->lock, 0);
		if (r == -EINTR)
			goto out;
		r = 0;
	}
	r = (long)pipe_ring_read(&p->ring, buf, n);
	changed_unlock(p);
	return r;
out:
	spin_unlock(&p->lock);
	return r;
}

static long pipe_write(struct file *f, const void *buf, size_t n)
{
	struct pipe *p = f->priv;
	size_t done = 0;
	long r = 0;
	spin_lock(&p->lock);
	while (done < n) {
		if (p->readers == 0) {
			spin_unlock(&p->lock);
			thread_signal(thread_current()->tid, SIGPIPE);
			return done ? (long)done : -EPIPE;
		}
		uint32_t space = pipe_ring_space(&p->ring);
		/* Up to PIPE_BUF bytes go in whole or not at all. */
		bool fits = n <= PIPE_BUF ? space >= n : space > 0;
		if (!fits) {
			if (f->flags & O_NONBLOCK) {
				r = done ? (long)done : -EAGAIN;
				break;
			}
			r = kwait_intr(p, &p->lock, 0);
			if (r == -EINTR) {
				r = done ? (long)done : -EINTR;
				break;
			}
			continue;
		}
		done += pipe_ring_write(&p->ring, (const uint8_t *)buf + done, n - done);
		r = (long)done;
		if (done < n) {
			/* Wake the reader before waiting for it to make room. */
			struct file *rf = p->rf;
			kwake(p, KWAKE_ALL);
			spin_unlock(&p->lock);
			if (rf)
				file_notify(rf);
			spin_lock(&p->lock);
		}
	}
	changed_unlock(p);
	return r;
}

static unsigned pipe_poll(struct file *f)
{
	struct pipe *p = f->priv;
	unsigned r = 0;
	spin_lock(&p->lock);
	if (is_reader(f)) {
		if (p->ring.count)
			r |= POLLIN;
		if (p->writers == 0)
			r |= POLLHUP;
	} else {
		if (pipe_ring_space(&p->ring) >= PIPE_BUF)
			r |= POLLOUT;
		if (p->readers == 0)
			r |= POLLERR;
	}
	spin_unlock(&p->lock);
	return r;
}

static long pipe_ioctl(struct file *f, unsigned long req, uint64_t arg)
{
	struct pipe *p = f->priv;
	switch (req) {
	case FIONREAD: {
		spin_lock(&p->lock);
		int n = (int)p->ring.count;
		spin_unlock(&p->lock);
		return user_copy_out(arg, &n, sizeof(n));
	}
	case FIONBIO:
		return poll_ioctl_fionbio(f, arg);
	default:
		return -ENOTTY;
	}
}

static void pipe_stat(struct file *f, struct kstat *st)
{
	st->mode = S_IFIFO | 0600;
	st->blksize = PIPE_BUF;
	st->ino = (uint64_t)(uintptr_t)f->priv;
}

static int pipe_close(struct file *f)
{
	struct pipe *p = f->priv;
	spin_lock(&p->lock);
	if (is_reader(f)) {
		p->readers--;
		p->rf = NULL;
	} else {
		p->writers--;
		p->wf = NULL;
	}
	bool last = p->readers == 0 && p->writers == 0;
	changed_unlock(p);
	if (last) {
		kfree(p->ring.buf);
		kfree(p);
	}
	return 0;
}

static const struct file_ops pipe_ops = {
	.read = pipe_read, .write = pipe_write, .ioctl = pipe_ioctl, .stat = pipe_stat,
	.close = pipe_close, .poll = pipe_poll,
};

static struct file *end_new(struct pipe *p, int mode, int flags)
{
	struct file *f = kzalloc(sizeof(*f));
	if (!f)
		return NULL;
	f->ops = &pipe_ops;
	f->refs = 1;
	f->flags = mode | (flags & O_NONBLOCK);
	f->priv = p;
	return f;
}

long sys_pipe2(SYSARGS)
{
	uint64_t ufds = (uint64_t)a0;
	int flags = (int)a1, fds[2];
	if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT) || (flags & O_DIRECT))
		return -EINVAL;
	if (!user_access_ok(ufds, sizeof(fds)))
		return -EFAULT;
	struct pipe *p = kzalloc(sizeof(*p));
	void *buf = p ? kmalloc(PIPE_SIZE) : NULL;
	if (!buf) {
		kfree(p);
		return -ENOMEM;
	}
	pipe_ring_init(&p->ring, buf, PIPE_SIZE);
	p->readers = p->writers = 1;
	p->rf = end_new(p, O_RDONLY, flags);
	p->wf = end_new(p, O_WRONLY, flags);
	if (!p->rf || !p->wf) {
		kfree(p->rf);
		kfree(p->wf);
		kfree(buf);
		kfree(p);
		return -ENOMEM;
	}
	struct file *wf = p->wf;
	fds[0] = poll_install(p->rf, flags & O_CLOEXEC);
	if (fds[0] < 0) {
		file_put(wf); /* the read end is gone: this frees the pipe */
		return fds[0];
	}
	fds[1] = poll_install(wf, flags & O_CLOEXEC);
	if (fds[1] < 0) {
		sys_close(fds[0], 0, 0, 0, 0, 0);
		return fds[1];
	}
	if (user_copy_out(ufds, fds, sizeof(fds))) {
		sys_close(fds[0], 0, 0, 0, 0, 0);
		sys_close(fds[1], 0, 0, 0, 0, 0);
		return -EFAULT;
	}
	return 0;
}

long sys_pipe(SYSARGS)
{
	return sys_pipe2(a0, 0, 0, 0, 0, 0);
}
