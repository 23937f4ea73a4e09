/* SPDX-License-Identifier: MIT */
/*
 * timerfd (component `timer`): a kernel timer (k/ktimer.h) behind a
 * descriptor, for event loops. Each expiry adds to a count; read takes the
 * whole count as a uint64_t (blocking while it is 0, EAGAIN with
 * TFD_NONBLOCK); the descriptor is readable (poll, epoll) while the count is
 * not 0. CLOCK_REALTIME, CLOCK_MONOTONIC and CLOCK_BOOTTIME (the same as
 * monotonic: a VM that never suspends), absolute or relative times.
 * TFD_TIMER_CANCEL_ON_SET is accepted: the wall clock is never set in Toro,
 * so it never cancels.
 */
#include <k/errno.h>
#include <k/fd.h>
#include <k/kheap.h>
#include <k/ktimer.h>
#include <k/poll.h>
#include <k/spinlock.h>
#include <k/string.h>
#include <k/syscall.h>
#include <k/time.h>
#include <k/utime.h>
#include <k/wait.h>
#include "sys.h"

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_BOOTTIME 7
#define TFD_TIMER_ABSTIME 1
#define TFD_TIMER_CANCEL_ON_SET 2

struct timerfd {
	struct ktimer kt;  /* first: the fire callback finds the timerfd */
	struct spinlock lock;
	struct file *file;
	bool realtime;
	uint64_t ticks;    /* expirations not yet read */
	uint64_t interval; /* ns, 0: one-shot */
	uint64_t expiry;   /* monotonic ns, 0: disarmed */
};

struct k_itimerspec {
	struct utimespec interval, value;
};

static uint64_t tfd_fire(struct ktimer *kt, uint64_t when)
{
	struct timerfd *t = (struct timerfd *)kt;
	uint64_t now = time_monotonic_ns(), next = 0, n = 1;
	spin_lock(&t->lock);
	if (t->interval) {
		uint64_t late = now > when ? (now - when) / t->interval : 0;
		n += late;
		next = when + (late + 1) * t->interval;
	}
	t->expiry = next;
	t->ticks = t->ticks + n < t->ticks ? ~0ull : t->ticks + n;
	kwake(t, KWAKE_ALL);
	spin_unlock(&t->lock);
	file_notify(t->file);
	return next;
}

static long tfd_read(struct file *f, void *buf, size_t n)
{
	struct timerfd *t = f->priv;
	if (n < sizeof(uint64_t))
		return -EINVAL;
	spin_lock(&t->lock);
	while (t->ticks == 0) {
		int e = f->flags & O_NONBLOCK ? -EAGAIN : kwait_intr(t, &t->lock, 0);
		if (e == -EAGAIN || e == -EINTR) {
			spin_unlock(&t->lock);
			return e;
		}
	}
	uint64_t v = t->ticks;
	t->ticks = 0;
	spin_unlock(&t->lock);
	file_notify(f);
	memcpy(buf, &v, sizeof(v));
	return sizeof(v);
}

static unsigned tfd_poll(struct file *f)
{
	struct timerfd *t = f->priv;
	spin_lock(&t->lock);
	unsigned r = t->ticks ? POLLIN : 0;
	spin_unlock(&t->lock);
	return r;
}

static long tfd_ioctl(struct file *f, unsigned long req, uint64_t arg)
{
	if (req == FIONBIO)
		return poll_ioctl_fionbio(f, arg);
	return -ENOTTY;
}

static void tfd_stat(struct file *f, struct kstat *st)
{
	st->mode = 0600;
}

static int tfd_close(struct file *f)
{
	struct timerfd *t = f->priv;
	ktimer_cancel(&t->kt); /* its fire names f: not after this */
	kfree(t);
	return 0;
}

static const struct file_ops tfd_ops = {
	.read = tfd_read, .ioctl = tfd_ioctl, .stat = tfd_stat, .close = tfd_close,
	.poll = tfd_poll,
};

long sys_timerfd_create(SYSARGS)
{
	long clock = a0;
	int flags = (int)a1;
	if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC && clock != CLOCK_BOOTTIME)
		return -EINVAL;
	if (flags & ~(O_NONBLOCK | O_CLOEXEC))
		return -EINVAL;
	struct timerfd *t = kzalloc(sizeof(*t));
	struct file *f = t ? kzalloc(sizeof(*f)) : NULL;
	if (!f) {
		kfree(t);
		return -ENOMEM;
	}
	t->kt.fire = tfd_fire;
	t->realtime = clock == CLOCK_REALTIME;
	t->file = f;
	f->ops = &tfd_ops;
	f->refs = 1;
	f->flags = O_RDONLY | (flags & O_NONBLOCK);
	f->priv = t;
	return poll_install(f, flags & O_CLOEXEC);
}

/* The timerfd at fd with a reference (file_put it), or NULL and *err. */
static struct timerfd *tfd_get(long fd, struct file **fp, long *err)
{
	struct file *f = fd_get((int)fd);
	*err = f ? -EINVAL : -EBADF;
	if (f && f->ops != &tfd_ops) {
		file_put(f);
		f = NULL;
	}
	*fp = f;
	return f ? f->priv : NULL;
}

static void tfd_left(struct timerfd *t, uint64_t now, struct k_itimerspec *v)
{
	uint64_t left = t->expiry ? (t->expiry > now ? t->expiry - now : 1) : 0;
	v->value = utime_ns_ts(left);
	v->interval = utime_ns_ts(t->interval);
}

static long tfd_set(struct timerfd *t, const struct k_itimerspec *nv, bool abs,
		    struct k_itimerspec *ov)
{
	uint64_t value, interval, now = time_monotonic_ns(), at = 0;
	if (utime_ts_ns(&nv->value, &value) || utime_ts_ns(&nv->interval, &interval))
		return -EINVAL;
	if (value)
		at = abs ? utime_abs_deadline(now, t->realtime ? time_realtime_ns() : now, value)
			 : utime_deadline(now, value);
	ktimer_cancel(&t->kt);
	spin_lock(&t->lock);
	tfd_left(t, now, ov);
	t->ticks = 0; /* setting a timerfd forgets unread expirations */
	t->expiry = at;
	t->interval = at ? interval : 0;
	spin_unlock(&t->lock);
	file_notify(t->file);
	return at ? ktimer_arm(&t->kt, at) : 0;
}

long sys_timerfd_settime(SYSARGS)
{
	struct file *f;
	long r;
	struct k_itimerspec nv, ov;
	struct timerfd *t = tfd_get(a0, &f, &r);
	if (!t)
		return r;
	if (a1 & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET))
		r = -EINVAL;
	else if (user_copy_in(&nv, (uint64_t)a2, sizeof(nv)))
		r = -EFAULT;
	else
		r = tfd_set(t, &nv, a1 & TFD_TIMER_ABSTIME, &ov);
	if (r == 0 && a3 && user_copy_out((uint64_t)a3, &ov, sizeof(ov)))
		r = -EFAULT;
	file_put(f);
	return r;
}

long sys_timerfd_gettime(SYSARGS)
{
	struct file *f;
	long r;
	struct k_itimerspec v;
	struct timerfd *t = tfd_get(a0, &f, &r);
	if (!t)
		return r;
	spin_lock(&t->lock);
	tfd_left(t, time_monotonic_ns(), &v);
	spin_unlock(&t->lock);
	r = user_copy_out((uint64_t)a1, &v, sizeof(v));
	file_put(f);
	return r;
}
