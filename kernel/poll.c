/* SPDX-License-Identifier: MIT */
/*
 * Readiness waiting: poll, ppoll, select, pselect6, and epoll (create,
 * create1, ctl, wait, pwait). A file_notify wakes the epoll instances that
 * watch that file and no others: each instance has its own generation, which
 * its waiters sleep on (the scheduler runs a woken thread on its own core).
 * poll, select and an epoll_wait on an instance that holds other instances
 * sleep on one global generation instead, which every file_notify bumps:
 * simple and free of lost wake-ups, at the cost of waking all of those
 * waiters on every change. epoll keeps its interest lists
 * (kernel/epoll_set.c) under one lock, which also orders nested instances
 * (one level deep).
 */
#include <stdbool.h>
#include <k/console.h>
#include <k/errno.h>
#include <k/fd.h>
#include <k/kheap.h>
#include <k/poll.h>
#include <k/proc.h>
#include <k/sched.h>
#include <k/spinlock.h>
#include <k/string.h>
#include <k/syscall.h>
#include <k/time.h>
#include <k/utime.h>
#include <k/wait.h>
#include "poll_impl.h"
#include "sys.h"

#ifndef ELOOP
#define ELOOP 40
#endif
#define NOFILE_LIMIT FD_MAX  /* RLIMIT_NOFILE, as getrlimit reports it */
#define SELECT_MAX 1024      /* FD_SETSIZE */
#define EPOLL_CTL_ADD 1
#define EPOLL_CTL_DEL 2
#define EPOLL_CTL_MOD 3
#define EPOLL_MAX_ITEMS 1024 /* per instance */
#define EPOLL_BATCH 256      /* events one epoll_wait returns at most */
#define F_SETFD 2
#define UNBLOCKABLE ((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)))

/* ---- the generation every waiter sleeps on ---- */

static struct spinlock poll_lock = SPINLOCK_INIT;
static uint64_t poll_gen;
static int poll_waiters;

/* ---- epoll state: every set and the index, under one lock ---- */

struct epoll {
	struct ep_set set;  /* first: an item's set is its instance */
	int nested_in;      /* items naming this instance in other instances */
	int epoll_items;    /* items of this instance that name an instance */
	uint64_t gen;       /* bumped when an item's file notifies, under ep_lock */
	int waiters;        /* threads asleep on gen */
};

static struct spinlock ep_lock = SPINLOCK_INIT;
static struct ep_index ep_index;
static int ep_items; /* ep_index.n, read without the lock */
static const struct file_ops epoll_ops;

unsigned file_poll(struct file *f)
{
	unsigned r = f->ops->poll ? f->ops->poll(f) : POLLIN | POLLOUT;
	if (r & POLLIN)
		r |= POLLRDNORM;
	if (r & POLLOUT)
		r |= POLLWRNORM;
	return r;
}

/* Under ep_lock: the instance changed; wake its own waiters. */
static void ep_changed(struct epoll *ep)
{
	ep->gen++;
	if (ep->waiters)
		kwake(&ep->gen, KWAKE_ALL);
}

void file_notify(struct file *f)
{
	if (__atomic_load_n(&ep_items, __ATOMIC_SEQ_CST)) {
		spin_lock(&ep_lock);
		for (struct ep_item *it = ep_index_first(&ep_index, f); it; it = it->hnext) {
			if (it->file != f)
				continue;
			it->dirty = true; /* edge-triggered items may report again */
			ep_changed((struct epoll *)it->set);
		}
		spin_unlock(&ep_lock);
	}
	/* A waiter counts itself before it reads the generation, and reads it
	 * before it checks its files: if it is not counted yet, its check sees
	 * this change. */
	__atomic_add_fetch(&poll_gen, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&poll_waiters, __ATOMIC_SEQ_CST)) {
		spin_lock(&poll_lock);
		kwake(&poll_gen, KWAKE_ALL);
		spin_unlock(&poll_lock);
	}
}

struct waiter {
	uint64_t seen;
	bool counted; /* in poll_waiters (wait_begin) */
};

static void wait_begin(struct waiter *w)
{
	w->counted = true;
	__atomic_add_fetch(&poll_waiters, 1, __ATOMIC_SEQ_CST);
	w->seen = __atomic_load_n(&poll_gen, __ATOMIC_SEQ_CST);
}

static void wait_end(void)
{
	__atomic_sub_fetch(&poll_waiters, 1, __ATOMIC_SEQ_CST);
}

/* Sleep until a file notifies after w->seen, `until` or a signal:
 * 0, -ETIMEDOUT or -EINTR. */
static int wait_change(struct waiter *w, uint64_t until)
{
	int r = 0;
	spin_lock(&poll_lock);
	if (__atomic_load_n(&poll_gen, __ATOMIC_SEQ_CST) == w->seen)
		r = kwait_intr(&poll_gen, &poll_lock, until);
	w->seen = __atomic_load_n(&poll_gen, __ATOMIC_SEQ_CST);
	spin_unlock(&poll_lock);
	if (r == 0 && until && time_monotonic_ns() >= until)
		r = -ETIMEDOUT;
	return r;
}

/* A wait's timeout from its relative length (k/utime.h): *until for
 * wait_change (0: none), *zero when it asks not to wait at all. */
static void timeout_set(uint64_t rel, uint64_t *until, bool *zero)
{
	*zero = rel == 0;
	*until = *zero ? 0 : utime_until(rel);
}

/* The same from a timespec (or select's timeval) in user memory; NULL: none. */
static int timeout_in(uint64_t uts, bool tv, uint64_t *until, bool *zero)
{
	uint64_t rel = UTIME_FOREVER;
	if (uts) {
		int r = tv ? utime_get_tv(uts, &rel) : utime_get_ts(uts, &rel);
		if (r)
			return r;
	}
	timeout_set(rel, until, zero);
	return 0;
}

/* The time left until `until`, written back where Linux writes it. */
static void timeout_left(uint64_t uts, uint64_t until, bool tv)
{
	if (!uts || !until)
		return;
	uint64_t now = time_monotonic_ns(), left = until > now ? until - now : 0;
	/* A failure here is not reported: the call has happened. */
	if (tv)
		utime_put_tv(uts, left);
	else
		utime_put_ts(uts, left);
}

/* ppoll/pselect6/epoll_pwait: the mask to wait with. *old keeps the
 * thread's own; restore it with mask_restore. */
static int mask_apply(uint64_t umask, long size, uint64_t *old, bool *set)
{
	uint64_t m;
	*set = false;
	if (!umask)
		return 0;
	if (size != 8)
		return -EINVAL;
	if (user_copy_in(&m, umask, 8))
		return -EFAULT;
	struct thread *t = thread_current();
	*old = t->sigmask;
	t->sigmask = m & ~UNBLOCKABLE;
	*set = true;
	return 0;
}

/* As Linux: a signal the temporary mask lets through is delivered at the end
 * of the call with the temporary mask in force, and the handler's return
 * (rt_sigreturn) brings back the old one; with nothing to deliver, the old
 * mask returns at once (arch syscall exit). */
static void mask_restore(uint64_t old, bool set)
{
	struct thread *t = thread_current();
	if (!set)
		return;
	if (t->pending & ~t->sigmask) {
		t->saved_sigmask = old;
		t->has_saved_mask = true;
	} else {
		t->sigmask = old;
	}
}

/* ---- poll, ppoll ---- */

struct kpollfd {
	int32_t fd;
	int16_t events, revents;
};

static int poll_scan(struct kpollfd *p, unsigned long n)
{
	int count = 0;
	for (unsigned long i = 0; i < n; i++) {
		p[i].revents = 0;
		if (p[i].fd < 0)
			continue;
		struct file *f = fd_get(p[i].fd);
		if (!f) {
			p[i].revents = POLLNVAL;
		} else {
			unsigned want = (uint16_t)p[i].events | POLLERR | POLLHUP;
			p[i].revents = (int16_t)(file_poll(f) & want);
			file_put(f);
		}
		if (p[i].revents)
			count++;
	}
	return count;
}

static long do_poll(uint64_t ufds, unsigned long n, uint64_t until, bool zero)
{
	struct kpollfd *p = NULL;
	struct waiter w;
	long r;
	if (n > NOFILE_LIMIT)
		return -EINVAL;
	if (n) {
		p = kmalloc(n * sizeof(*p));
		if (!p)
			return -ENOMEM;
		if (user_copy_in(p, ufds, n * sizeof(*p))) {
			kfree(p);
			return -EFAULT;
		}
	}
	wait_begin(&w);
	for (;;) {
		r = poll_scan(p, n);
		if (r || zero)
			break;
		int e = wait_change(&w, until);
		if (e == -ETIMEDOUT) {
			r = poll_scan(p, n);
			break;
		}
		if (e == -EINTR) {
			r = -EINTR;
			break;
		}
	}
	wait_end();
	if (r >= 0 && n && user_copy_out(ufds, p, n * sizeof(*p)))
		r = -EFAULT;
	kfree(p);
	return r;
}

long sys_poll(SYSARGS)
{
	uint64_t until;
	bool zero;
	timeout_set(utime_ms_ns((int)a2), &until, &zero);
	return do_poll((uint64_t)a0, (unsigned long)a1, until, zero);
}

long sys_ppoll(SYSARGS)
{
	uint64_t until, old = 0;
	bool zero, set;
	if ((unsigned long)a1 > NOFILE_LIMIT)
		return -EINVAL;
	long r = timeout_in((uint64_t)a2, false, &until, &zero);
	if (r)
		return r;
	r = mask_apply((uint64_t)a3, a4, &old, &set);
	if (r)
		return r;
	r = do_poll((uint64_t)a0, (unsigned long)a1, until, zero);
	mask_restore(old, set);
	timeout_left((uint64_t)a2, until, false);
	return r;
}

/* ---- select, pselect6 ---- */

#define SET_WORDS (SELECT_MAX / 64)

struct fdsets {
	uint64_t in[3][SET_WORDS];  /* read, write, except: asked */
	uint64_t out[3][SET_WORDS]; /* ready */
	uint64_t user[3];           /* user addresses, 0 for none */
	int n, words;
};

static int select_scan(struct fdsets *s)
{
	int count = 0;
	memset(s->out, 0, sizeof(s->out));
	for (int fd = 0; fd < s->n; fd++) {
		uint64_t bit = 1ull << (fd % 64);
		int w = fd / 64;
		if (!((s->in[0][w] | s->in[1][w] | s->in[2][w]) & bit))
			continue;
		struct file *f = fd_get(fd);
		if (!f)
			return -EBADF;
		unsigned r = file_poll(f);
		file_put(f);
		unsigned want[3] = { POLLIN | POLLHUP | POLLERR, POLLOUT | POLLERR, POLLPRI };
		for (int k = 0; k < 3; k++) {
			if ((s->in[k][w] & bit) && (r & want[k])) {
				s->out[k][w] |= bit;
				count++;
			}
		}
	}
	return count;
}

static long do_select(long n, uint64_t r, uint64_t w, uint64_t e, uint64_t until, bool zero)
{
	struct fdsets *s;
	struct waiter wt;
	long ret;
	if (n < 0)
		return -EINVAL;
	if (n > SELECT_MAX)
		n = SELECT_MAX;
	s = kzalloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->n = (int)n;
	s->words = (int)((n + 63) / 64);
	s->user[0] = r;
	s->user[1] = w;
	s->user[2] = e;
	for (int k = 0; k < 3; k++) {
		if (s->user[k] && user_copy_in(s->in[k], s->user[k], (size_t)s->words * 8)) {
			kfree(s);
			return -EFAULT;
		}
		/* Bits past n are not looked at. */
		if (s->user[k] && (n % 64))
			s->in[k][s->words - 1] &= (1ull << (n % 64)) - 1;
	}
	wait_begin(&wt);
	for (;;) {
		ret = select_scan(s);
		if (ret || zero)
			break;
		int err = wait_change(&wt, until);
		if (err == -ETIMEDOUT) {
			ret = select_scan(s);
			break;
		}
		if (err == -EINTR) {
			ret = -EINTR;
			break;
		}
	}
	wait_end();
	for (int k = 0; ret >= 0 && k < 3; k++)
		if (s->user[k] && user_copy_out(s->user[k], s->out[k], (size_t)s->words * 8))
			ret = -EFAULT;
	kfree(s);
	return ret;
}

long sys_select(SYSARGS)
{
	uint64_t until;
	bool zero;
	long r = timeout_in((uint64_t)a4, true, &until, &zero);
	if (r)
		return r;
	r = do_select(a0, (uint64_t)a1, (uint64_t)a2, (uint64_t)a3, until, zero);
	timeout_left((uint64_t)a4, until, true);
	return r;
}

long sys_pselect6(SYSARGS)
{
	uint64_t until, old = 0, sig[2];
	bool zero, set = false;
	long r = timeout_in((uint64_t)a4, false, &until, &zero);
	if (r)
		return r;
	if (a5) {
		/* { const sigset_t *set; size_t size; } */
		if (user_copy_in(sig, (uint64_t)a5, sizeof(sig)))
			return -EFAULT;
		r = mask_apply(sig[0], (long)sig[1], &old, &set);
		if (r)
			return r;
	}
	r = do_select(a0, (uint64_t)a1, (uint64_t)a2, (uint64_t)a3, until, zero);
	mask_restore(old, set);
	timeout_left((uint64_t)a4, until, false);
	return r;
}

/* ---- epoll ---- */

static bool ep_ready_nested(struct epoll *ep);

/* Readiness of an item's file, ep_lock held (so the file is still there). */
static uint32_t item_ready(struct ep_item *it, void *arg)
{
	struct file *f = (struct file *)it->file;
	if (f->ops == &epoll_ops)
		return ep_ready_nested(f->priv) ? POLLIN : 0;
	return file_poll(f);
}

static bool ep_ready_nested(struct epoll *ep)
{
	return ep_set_any(&ep->set, item_ready, NULL);
}

static unsigned epoll_poll(struct file *f)
{
	spin_lock(&ep_lock);
	bool r = ep_ready_nested(f->priv);
	spin_unlock(&ep_lock);
	return r ? POLLIN : 0;
}

static void item_free(struct ep_item *it)
{
	struct epoll *owner = (struct epoll *)it->set; /* set is the first member */
	const struct file *f = it->file;
	ep_set_remove(&ep_index, it);
	if (f->ops == &epoll_ops) {
		((struct epoll *)f->priv)->nested_in--;
		owner->epoll_items--;
	}
	__atomic_store_n(&ep_items, ep_index.n, __ATOMIC_SEQ_CST);
	kfree(it);
}

void poll_file_release(struct file *f)
{
	if (!__atomic_load_n(&ep_items, __ATOMIC_SEQ_CST))
		return;
	spin_lock(&ep_lock);
	struct ep_item *it;
	while ((it = ep_index_first(&ep_index, f)))
		item_free(it);
	spin_unlock(&ep_lock);
}

static int epoll_close(struct file *f)
{
	struct epoll *ep = f->priv;
	spin_lock(&ep_lock);
	while (ep->set.head)
		item_free(ep->set.head);
	spin_unlock(&ep_lock);
	kfree(ep);
	return 0;
}

static long epoll_ioctl(struct file *f, unsigned long req, uint64_t arg)
{
	if (req == FIONBIO)
		return poll_ioctl_fionbio(f, arg);
	return -ENOTTY;
}

static void epoll_stat(struct file *f, struct kstat *st)
{
	st->mode = 0600;
}

static const struct file_ops epoll_ops = {
	.ioctl = epoll_ioctl, .stat = epoll_stat, .close = epoll_close, .poll = epoll_poll,
};

long poll_ioctl_fionbio(struct file *f, uint64_t arg)
{
	int on;
	if (user_copy_in(&on, arg, sizeof(on)))
		return -EFAULT;
	if (on)
		__atomic_or_fetch(&f->flags, O_NONBLOCK, __ATOMIC_SEQ_CST);
	else
		__atomic_and_fetch(&f->flags, ~O_NONBLOCK, __ATOMIC_SEQ_CST);
	return 0;
}

int poll_install(struct file *f, int cloexec)
{
	int fd = fd_install(f);
	if (fd < 0) {
		if (f->ops->close)
			f->ops->close(f);
		kfree(f);
		return fd;
	}
	if (cloexec)
		sys_fcntl(fd, F_SETFD, 1, 0, 0, 0);
	return fd;
}

long sys_epoll_create1(SYSARGS)
{
	if (a0 & ~(long)O_CLOEXEC)
		return -EINVAL;
	struct epoll *ep = kzalloc(sizeof(*ep));
	struct file *f = ep ? kzalloc(sizeof(*f)) : NULL;
	if (!f) {
		kfree(ep);
		return -ENOMEM;
	}
	f->ops = &epoll_ops;
	f->refs = 1;
	f->flags = O_RDWR;
	f->priv = ep;
	return poll_install(f, a0 & O_CLOEXEC);
}

long sys_epoll_create(SYSARGS)
{
	if ((int)a0 <= 0)
		return -EINVAL;
	return sys_epoll_create1(0, 0, 0, 0, 0, 0);
}

/* Nesting is one level deep, so ep_lock never meets a cycle: an instance
 * inside another holds no instances, and one holding instances is inside
 * none. */
static int nest_check(struct epoll *ep, struct file *target)
{
	if (target->ops != &epoll_ops)
		return 0;
	struct epoll *inner = target->priv;
	if (inner == ep)
		return -EINVAL;
	if (inner->epoll_items || ep->nested_in)
		return -ELOOP;
	return 0;
}

static long ctl_locked(struct epoll *ep, int op, int fd, struct file *f, const struct ep_event *ev,
		       struct ep_item **spare)
{
	struct ep_item *it = ep_set_find(&ep->set, fd, f);
	switch (op) {
	case EPOLL_CTL_ADD: {
		if (it)
			return -EEXIST;
		if (ep->set.n >= EPOLL_MAX_ITEMS)
			return -ENOSPC;
		long r = nest_check(ep, f);
		if (r)
			return r;
		it = *spare;
		*spare = NULL;
		ep_item_init(it, fd, f, ev->events, ev->data);
		ep_set_add(&ep->set, &ep_index, it);
		if (f->ops == &epoll_ops) {
			((struct epoll *)f->priv)->nested_in++;
			ep->epoll_items++;
		}
		__atomic_store_n(&ep_items, ep_index.n, __ATOMIC_SEQ_CST);
		return 0;
	}
	case EPOLL_CTL_MOD:
		if (!it)
			return -ENOENT;
		if ((it->events | ev->events) & EPOLLEXCLUSIVE)
			return -EINVAL;
		ep_item_modify(it, ev->events, ev->data);
		return 0;
	case EPOLL_CTL_DEL:
		if (!it)
			return -ENOENT;
		item_free(it);
		return 0;
	default:
		return -EINVAL;
	}
}

long sys_epoll_ctl(SYSARGS)
{
	int op = (int)a1, fd = (int)a2;
	struct ep_event ev = { 0, 0 };
	if (op < EPOLL_CTL_ADD || op > EPOLL_CTL_MOD)
		return -EINVAL;
	if (op != EPOLL_CTL_DEL && user_copy_in(&ev, (uint64_t)a3, sizeof(ev)))
		return -EFAULT;
	struct file *epf = fd_get((int)a0);
	if (!epf)
		return -EBADF;
	struct file *f = fd_get(fd);
	long r;
	struct ep_item *spare = NULL;
	if (!f) {
		r = -EBADF;
		goto out;
	}
	if (epf->ops != &epoll_ops || f == epf) {
		r = -EINVAL;
		goto out;
	}
	if (op == EPOLL_CTL_ADD && !(spare = kmalloc(sizeof(*spare)))) {
		r = -ENOMEM;
		goto out;
	}
	spin_lock(&ep_lock);
	r = ctl_locked(epf->priv, op, fd, f, &ev, &spare);
	if (r == 0 && op != EPOLL_CTL_DEL)
		ep_changed(epf->priv);
	spin_unlock(&ep_lock);
	if (r == 0 && op != EPOLL_CTL_DEL)
		file_notify(epf); /* a waiter may have a new ready item */
out:
	kfree(spare);
	if (f)
		file_put(f);
	file_put(epf);
	return r;
}

/*
 * Called with ep_lock held, nothing ready: sleep until the instance changes
 * (a file of its items notified, or epoll_ctl changed it), `until` or a
 * signal, and release the lock: 0, -ETIMEDOUT or -EINTR. Its readiness was
 * checked under the same hold of the lock a notifier takes, so no change is
 * lost. An instance holding other instances sleeps on the global generation:
 * a change deep inside does not notify the inner instance's file.
 */
static int ep_sleep(struct epoll *ep, struct waiter *w, uint64_t until)
{
	if (ep->epoll_items) {
		spin_unlock(&ep_lock);
		if (!w->counted) {
			wait_begin(w); /* counted now: check again before sleeping */
			return 0;
		}
		return wait_change(w, until);
	}
	ep->waiters++;
	int r = kwait_intr(&ep->gen, &ep_lock, until);
	ep->waiters--;
	spin_unlock(&ep_lock);
	if (r == 0 && until && time_monotonic_ns() >= until)
		r = -ETIMEDOUT;
	return r;
}

static long epoll_wait_file(struct file *epf, uint64_t uev, int max, uint64_t until, bool zero)
{
	struct epoll *ep = epf->priv;
	int batch = max < EPOLL_BATCH ? max : EPOLL_BATCH;
	struct ep_event *out = kmalloc((size_t)batch * sizeof(*out));
	struct waiter w = { 0, false };
	long r;
	if (!out)
		return -ENOMEM;
	for (;;) {
		spin_lock(&ep_lock);
		r = ep_set_collect(&ep->set, item_ready, NULL, out, batch);
		if (r || zero) {
			spin_unlock(&ep_lock);
			break;
		}
		int e = ep_sleep(ep, &w, until);
		if (e == -EINTR) {
			r = -EINTR;
			break;
		}
		if (e == -ETIMEDOUT) {
			spin_lock(&ep_lock);
			r = ep_set_collect(&ep->set, item_ready, NULL, out, batch);
			spin_unlock(&ep_lock);
			break;
		}
	}
	if (w.counted)
		wait_end();
	/* The range was checked before waiting; a copy that faults now loses
	 * these events, as Linux would. */
	if (r > 0 && user_copy_out(uev, out, (size_t)r * sizeof(*out)))
		r = -EFAULT;
	kfree(out);
	return r;
}

static long do_epoll_wait(long epfd, uint64_t uev, long max, uint64_t until, bool zero)
{
	if (max <= 0 || max > 0x7fffffff / (long)sizeof(struct ep_event))
		return -EINVAL;
	if (!user_access_ok(uev, (uint64_t)max * sizeof(struct ep_event)))
		return -EFAULT;
	struct file *f = fd_get((int)epfd);
	if (!f)
		return -EBADF;
	long r = f->ops == &epoll_ops ? epoll_wait_file(f, uev, (int)max, until, zero) : -EINVAL;
	file_put(f);
	return r;
}

long sys_epoll_wait(SYSARGS)
{
	uint64_t until;
	bool zero;
	timeout_set(utime_ms_ns((int)a3), &until, &zero);
	return do_epoll_wait(a0, (uint64_t)a1, a2, until, zero);
}

long sys_epoll_pwait(SYSARGS)
{
	uint64_t old = 0, until;
	bool set, zero;
	long r = mask_apply((uint64_t)a4, a5, &old, &set);
	if (r)
		return r;
	timeout_set(utime_ms_ns((int)a3), &until, &zero);
	r = do_epoll_wait(a0, (uint64_t)a1, a2, until, zero);
	mask_restore(old, set);
	return r;
}

/* epoll_pwait with a timespec timeout (NULL: none), for waits finer than a
 * millisecond. */
long sys_epoll_pwait2(SYSARGS)
{
	uint64_t old = 0, until;
	bool set, zero;
	long r = timeout_in((uint64_t)a3, false, &until, &zero);
	if (r)
		return r;
	r = mask_apply((uint64_t)a4, a5, &old, &set);
	if (r)
		return r;
	r = do_epoll_wait(a0, (uint64_t)a1, a2, until, zero);
	mask_restore(old, set);
	return r;
}
