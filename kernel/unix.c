/* SPDX-License-Identifier: MIT */
/*
 * socketpair(AF_UNIX) within the VM (component `unix`): two connected ends,
 * each with a 64 KiB ring of what the other end wrote (the pipe's ring,
 * kernel/pipe_ring.c). SOCK_STREAM moves bytes; SOCK_DGRAM and
 * SOCK_SEQPACKET keep message boundaries (each message is stored with its
 * length; a read takes one message and drops what does not fit, as Linux;
 * a message is at most 4 KiB here, EMSGSIZE beyond, where Linux allows
 * about 200 KiB).
 * Both ends read, write, poll (POLLIN/POLLOUT/POLLHUP/POLLRDHUP) and shut down
 * (shutdown(2) through file_ops.shutdown); a read after the other end closed
 * or shut its writing is end of file, a write to a closed or shut end is EPIPE
 * with SIGPIPE, as for a pipe. send/recv with flags are the network
 * component's calls and do not reach these ends: read and write do.
 */
#include <stdbool.h>
#include <k/component.h>
#include <k/errno.h>
#include <k/fd.h>
#include <k/kheap.h>
#include <k/poll.h>
#include <k/proc.h>
#include <k/sched.h>
#include <k/spinlock.h>
#include <k/string.h>
#include <k/syscall.h>
#include <k/wait.h>
#include "pipe_impl.h"
#include "sys.h"

#define AF_UNIX 1
#define AF_INET 2
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_SEQPACKET 5
#define SOCK_NONBLOCK 04000
#define SOCK_CLOEXEC 02000000
#define SHUT_RD 0
#define SHUT_WR 1
#define SHUT_RDWR 2
#define UNIX_RING 65536
#define UNIX_MSG_MAX (UNIX_RING - 4) /* a message and its length fit the ring */

struct upair {
	struct spinlock lock;
	int type;
	struct pipe_ring in[2];  /* in[i]: what end i reads */
	uint32_t queued[2];      /* bytes of messages in in[i], lengths left out */
	bool open[2];
	bool shut_rd[2], shut_wr[2];
	struct file *f[2];
};

/* Which end f is: its index in the pair. */
static int end_of(struct file *f)
{
	struct upair *p = f->priv;
	return p->f[1] == f;
}

/* Data, or end of file: read shut, or the peer gone or done writing (a
 * datagram pair has no end of file when the peer closes, as on Linux). */
static bool can_read(struct upair *p, int me)
{
	return p->in[me].count || p->shut_rd[me] || p->shut_wr[!me] ||
	       (!p->open[!me] && p->type != SOCK_DGRAM);
}

/* Readiness changed: wake both ends' blocked calls, tell pollers (after the
 * lock: file_notify only compares the pointers). */
static void changed_unlock(struct upair *p)
{
	struct file *a = p->f[0], *b = p->f[1];
	kwake(p, KWAKE_ALL);
	spin_unlock(&p->lock);
	if (a)
		file_notify(a);
	if (b)
		file_notify(b);
}

static long take(struct upair *p, int me, void *buf, size_t n)
{
	struct pipe_ring *r = &p->in[me];
	if (p->type == SOCK_STREAM)
		return (long)pipe_ring_read(r, buf, n);
	uint32_t len, skip;
	uint8_t scrap[64];
	pipe_ring_read(r, &len, sizeof(len));
	p->queued[me] -= len;
	size_t got = pipe_ring_read(r, buf, n < len ? n : len);
	for (skip = len - (uint32_t)got; skip;) /* the part that did not fit */
		skip -= (uint32_t)pipe_ring_read(r, scrap, skip < sizeof(scrap) ? skip : sizeof(scrap));
	return (long)got;
}

static long unix_read(struct file *f, void *buf, size_t n)
{
	struct upair *p = f->priv;
	int me = end_of(f);
	long r = 0;
	spin_lock(&p->lock);
	while (p->in[me].count == 0) {
		if (can_read(p, me))
			goto out; /* end of file */
		if (f->flags & O_NONBLOCK) {
			r = -EAGAIN;
			goto out;
		}
		if (kwait_intr(p, &p->lock, 0) == -EINTR) {
			r = -EINTR;
			goto out;
		}
	}
	if (n == 0 && p->type == SOCK_STREAM)
		goto out;
	r = take(p, me, buf, n);
	changed_unlock(p);
	return r;
out:
	spin_unlock(&p->lock);
	return r;
}

/* Room for n bytes of a stream (some), or a whole message and its length. */
static bool room_for(struct upair *p, int to, size_t n)
{
	uint32_t space = pipe_ring_space(&p->in[to]);
	return p->type == SOCK_STREAM ? space > 0 : space >= n + 4;
}

static long unix_write(struct file *f, const void *buf, size_t n)
{
	struct upair *p = f->priv;
	int me = end_of(f), to = !me;
	size_t done = 0;
	long r = 0;
	if (p->type != SOCK_STREAM && n > UNIX_MSG_MAX)
		return -EMSGSIZE;
	spin_lock(&p->lock);
	while (done < n || (done == 0 && p->type != SOCK_STREAM)) {
		if (!p->open[to] && p->type == SOCK_DGRAM) {
			spin_unlock(&p->lock);
			return -ECONNREFUSED; /* no one to send to, as Linux */
		}
		if (!p->open[to] || p->shut_wr[me] || p->shut_rd[to]) {
			spin_unlock(&p->lock);
			thread_signal(thread_current()->tid, SIGPIPE);
			return done ? (long)done : -EPIPE;
		}
		if (!room_for(p, to, n - done)) {
			if (f->flags & O_NONBLOCK) {
				r = done ? (long)done : -EAGAIN;
				goto out;
			}
			if (kwait_intr(p, &p->lock, 0) == -EINTR) {
				r = done ? (long)done : -EINTR;
				goto out;
			}
			continue;
		}
		if (p->type != SOCK_STREAM) {
			uint32_t len = (uint32_t)n;
			pipe_ring_write(&p->in[to], &len, sizeof(len));
			done = pipe_ring_write(&p->in[to], buf, n);
			p->queued[to] += len;
			break;
		}
		done += pipe_ring_write(&p->in[to], (const uint8_t *)buf + done, n - done);
		if (done < n) { /* let the reader make room */
			struct file *rf = p->f[to];
			kwake(p, KWAKE_ALL);
			spin_unlock(&p->lock);
			if (rf)
				file_notify(rf);
			spin_lock(&p->lock);
		}
	}
	r = (long)done;
out:
	changed_unlock(p);
	return r;
}

static unsigned unix_poll(struct file *f)
{
	struct upair *p = f->priv;
	int me = end_of(f), to = !me;
	unsigned r = 0;
	spin_lock(&p->lock);
	if (can_read(p, me))
		r |= POLLIN | POLLRDNORM;
	bool peer_gone = !p->open[to] || p->shut_rd[to] || p->shut_wr[me];
	if (!peer_gone && pipe_ring_space(&p->in[to]) >= (p->type == SOCK_STREAM ? 4096u : 4u + 1))
		r |= POLLOUT | POLLWRNORM;
	if (!p->open[to] || p->shut_wr[to])
		r |= POLLRDHUP;
	if (!p->open[to] || (p->shut_rd[me] && p->shut_wr[me]))
		r |= POLLHUP;
	spin_unlock(&p->lock);
	return r;
}

static long unix_shutdown(struct file *f, int how)
{
	struct upair *p = f->priv;
	int me = end_of(f);
	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	spin_lock(&p->lock);
	p->shut_rd[me] |= how != SHUT_WR;
	p->shut_wr[me] |= how != SHUT_RD;
	changed_unlock(p);
	return 0;
}

static long unix_ioctl(struct file *f, unsigned long req, uint64_t arg)
{
	struct upair *p = f->priv;
	if (req == FIONBIO)
		return poll_ioctl_fionbio(f, arg);
	if (req != FIONREAD)
		return -ENOTTY;
	spin_lock(&p->lock);
	uint32_t len = 0;
	struct pipe_ring *r = &p->in[end_of(f)];
	if (p->type == SOCK_STREAM)
		len = r->count;
	else if (p->type == SOCK_SEQPACKET) /* all queued, as Linux */
		len = p->queued[end_of(f)];
	else if (r->count) /* a datagram pair: the next message's length */
		for (int i = 0; i < 4; i++)
			len |= (uint32_t)r->buf[(r->head + i) & (r->size - 1)] << (8 * i);
	spin_unlock(&p->lock);
	int n = (int)len;
	return user_copy_out(arg, &n, sizeof(n));
}

static void unix_stat(struct file *f, struct kstat *st)
{
	st->mode = S_IFSOCK | 0777;
	st->blksize = 4096;
	st->ino = (uint64_t)(uintptr_t)f;
}

static int unix_close(struct file *f)
{
	struct upair *p = f->priv;
	int me = end_of(f);
	spin_lock(&p->lock);
	p->open[me] = false;
	p->f[me] = NULL;
	bool last = !p->open[!me];
	changed_unlock(p);
	if (last) {
		kfree(p->in[0].buf);
		kfree(p->in[1].buf);
		kfree(p);
	}
	return 0;
}

static const struct file_ops unix_ops = {
	.read = unix_read, .write = unix_write, .ioctl = unix_ioctl, .stat = unix_stat,
	.close = unix_close, .poll = unix_poll, .shutdown = unix_shutdown,
};
/* Datagram and seqpacket pairs: messages of up to 4 KiB (fd.c's bounce page). */
static const struct file_ops unix_msg_ops = {
	.read = unix_read, .write = unix_write, .ioctl = unix_ioctl, .stat = unix_stat,
	.close = unix_close, .poll = unix_poll, .shutdown = unix_shutdown, .whole = true,
};

static struct upair *pair_new(int type, int flags)
{
	struct upair *p = kzalloc(sizeof(*p));
	if (!p)
		return NULL;
	p->type = type;
	for (int i = 0; i < 2; i++) {
		void *buf = kmalloc(UNIX_RING);
		struct file *f = kzalloc(sizeof(*f));
		if (f) {
			f->ops = type == SOCK_STREAM ? &unix_ops : &unix_msg_ops;
			f->refs = 1;
			f->flags = O_RDWR | (flags & SOCK_NONBLOCK ? O_NONBLOCK : 0);
			f->priv = p;
		}
		p->f[i] = f;
		p->open[i] = true;
		pipe_ring_init(&p->in[i], buf, UNIX_RING);
	}
	if (!p->f[0] || !p->f[1] || !p->in[0].buf || !p->in[1].buf) {
		for (int i = 0; i < 2; i++) {
			kfree(p->f[i]);
			kfree(p->in[i].buf);
		}
		kfree(p);
		return NULL;
	}
	return p;
}

long sys_socketpair(SYSARGS)
{
	int domain = (int)a0, type = (int)a1 & 0xf, flags = (int)a1 & ~0xf, fds[2];
	uint64_t usv = (uint64_t)a3;
	if (domain == AF_INET)
		return -EOPNOTSUPP; /* the network's sockets do not pair */
	if (domain != AF_UNIX)
		return -EAFNOSUPPORT;
	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET)
		return -EINVAL; /* Linux: ESOCKTNOSUPPORT for the rest, EINVAL past them */
	if (a2 != 0)
		return -EPROTONOSUPPORT;
	if (!user_access_ok(usv, sizeof(fds)))
		return -EFAULT;
	struct upair *p = pair_new(type, flags);
	if (!p)
		return -ENOMEM;
	struct file *second = p->f[1];
	fds[0] = poll_install(p->f[0], flags & SOCK_CLOEXEC);
	if (fds[0] < 0) {
		file_put(second); /* the first end is gone: this frees the pair */
		return fds[0];
	}
	fds[1] = poll_install(second, flags & SOCK_CLOEXEC);
	if (fds[1] < 0) {
		sys_close(fds[0], 0, 0, 0, 0, 0);
		return fds[1];
	}
	if (user_copy_out(usv, fds, sizeof(fds))) {
		sys_close(fds[0], 0, 0, 0, 0, 0);
		sys_close(fds[1], 0, 0, 0, 0, 0);
		return -EFAULT;
	}
	return 0;
}

/* shutdown(2) in a kernel without the network (the network's own
 * shutdown hands descriptors that are not its sockets to fd_shutdown too). */
long sys_unix_shutdown(SYSARGS)
{
	return fd_shutdown((int)a0, (int)a1);
}

SYSGROUP(unix) = {
	SYSOPT_CALL(53, sys_socketpair), SYSOPT_CALL(48, sys_unix_shutdown),
};
