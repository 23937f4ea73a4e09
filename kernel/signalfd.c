/* SPDX-License-Identifier: MIT */
/*
 * Waiting for signals (component `sigwait`): rt_sigpending, rt_sigsuspend,
 * rt_sigtimedwait (sigwait, sigwaitinfo, sigtimedwait) and signalfd. A
 * signal is taken from the calling thread's pending set, where Toro puts a
 * process-directed signal that every thread blocks (on the oldest thread).
 * The siginfo given is the signal's number with si_code SI_USER: Toro keeps
 * one pending bit per signal, not the sender's details (timer signals too:
 * no SI_TIMER, no si_value).
 */
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
#include <k/utime.h>
#include "sys.h"

#define UNBLOCKABLE ((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)))
#define SFD_MAX 16

/* Take the lowest signal of `set` pending on t: its number, or 0. */
static int take_pending(struct thread *t, uint64_t set)
{
	for (;;) {
		uint64_t p = __atomic_load_n(&t->pending, __ATOMIC_ACQUIRE), ready = p & set;
		if (!ready)
			return 0;
		uint64_t bit = ready & -ready;
		if (__atomic_compare_exchange_n(&t->pending, &p, p & ~bit, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			return __builtin_ctzll(bit) + 1;
	}
}

/* Wait until a signal of `set` is pending (0), a signal outside it that the
 * thread does not block arrives (-EINTR) or `until` passes (-ETIMEDOUT).
 * The set is unblocked while waiting, so that a sender wakes the thread and
 * a process-directed signal may pick it; the mask is back on return. */
static int wait_set(struct thread *t, uint64_t set, uint64_t until)
{
	uint64_t old = t->sigmask;
	t->sigmask &= ~set;
	int r = sched_block_intr(until);
	t->sigmask = old;
	if (__atomic_load_n(&t->pending, __ATOMIC_ACQUIRE) & set)
		return 0;
	return r == -ETIMEDOUT ? -ETIMEDOUT : (t->pending & ~t->sigmask) ? -EINTR : 0;
}

struct k_siginfo {
	int32_t signo, errno_, code, pad;
	uint8_t rest[112];
};

long sys_rt_sigpending(SYSARGS)
{
	if ((uint64_t)a1 > 8)
		return -EINVAL;
	uint64_t p = __atomic_load_n(&thread_current()->pending, __ATOMIC_ACQUIRE);
	return user_copy_out((uint64_t)a0, &p, (size_t)a1);
}

long sys_rt_sigtimedwait(SYSARGS)
{
	struct thread *t = thread_current();
	uint64_t set, rel = UTIME_FOREVER;
	if (a3 != 8)
		return -EINVAL;
	if (user_copy_in(&set, (uint64_t)a0, 8))
		return -EFAULT;
	set &= ~UNBLOCKABLE;
	if (a2 && utime_get_ts((uint64_t)a2, &rel))
		return -EINVAL;
	uint64_t until = rel == 0 ? 0 : utime_until(rel);
	int sig;
	while (!(sig = take_pending(t, set))) {
		if (rel == 0)
			return -EAGAIN;
		int r = wait_set(t, set, until);
		if (r == -ETIMEDOUT && !(sig = take_pending(t, set)))
			return -EAGAIN;
		if (r == -EINTR)
			return -EINTR;
		if (sig)
			break;
	}
	struct k_siginfo si;
	memset(&si, 0, sizeof(si));
	si.signo = sig;
	si.code = SI_USER;
	if (a1 && user_copy_out((uint64_t)a1, &si, sizeof(si)))
		return -EFAULT; /* the signal is taken, as on Linux */
	return sig;
}

/* Wait with a temporary mask until a signal it lets through comes; the
 * handler runs with that mask and its return brings the old one back (the
 * arch's system call exit restores it at once when nothing is delivered). */
long sys_rt_sigsuspend(SYSARGS)
{
	struct thread *t = thread_current();
	uint64_t m, old = t->sigmask;
	if (a1 != 8)
		return -EINVAL;
	if (user_copy_in(&m, (uint64_t)a0, 8))
		return -EFAULT;
	t->sigmask = m & ~UNBLOCKABLE;
	while (sched_block_intr(0) != -EINTR)
		;
	if (t->pending & ~t->sigmask) {
		t->saved_sigmask = old;
		t->has_saved_mask = true;
	} else {
		t->sigmask = old;
	}
	return -EINTR;
}

/* ---- signalfd ---- */

struct signalfd {
	uint64_t mask;
};

/* struct signalfd_siginfo: 128 bytes, ssi_signo first. */
struct k_sfd_info {
	uint32_t signo;
	int32_t errno_, code;
	uint32_t pid, uid;
	int32_t fd;
	uint32_t tid, band, overrun, trapno;
	int32_t status, int_;
	uint64_t ptr, utime, stime, addr;
	uint16_t addr_lsb;
	uint8_t pad[46];
};
_Static_assert(sizeof(struct k_sfd_info) == 128, "signalfd_siginfo is 128 bytes");

static long sfd_read(struct file *f, void *buf, size_t n)
{
	struct signalfd *s = f->priv;
	struct thread *t = thread_current();
	size_t done = 0;
	if (n < sizeof(struct k_sfd_info))
		return -EINVAL;
	while (done + sizeof(struct k_sfd_info) <= n) {
		uint64_t mask = __atomic_load_n(&s->mask, __ATOMIC_RELAXED);
		int sig = take_pending(t, mask);
		if (!sig) {
			if (done)
				break;
			if (f->flags & O_NONBLOCK)
				return -EAGAIN;
			if (wait_set(t, mask, 0) == -EINTR)
				return -EINTR;
			continue;
		}
		struct k_sfd_info si;
		memset(&si, 0, sizeof(si));
		si.signo = (uint32_t)sig;
		si.code = SI_USER;
		si.tid = (uint32_t)t->tid;
		memcpy((char *)buf + done, &si, sizeof(si));
		done += sizeof(si);
	}
	return (long)done;
}

static unsigned sfd_poll(struct file *f)
{
	struct signalfd *s = f->priv;
	uint64_t p = __atomic_load_n(&thread_current()->pending, __ATOMIC_ACQUIRE);
	return p & __atomic_load_n(&s->mask, __ATOMIC_RELAXED) ? POLLIN : 0;
}

static long sfd_ioctl(struct file *f, unsigned long req, uint64_t arg)
{
	return req == FIONBIO ? poll_ioctl_fionbio(f, arg) : -ENOTTY;
}

static void sfd_stat(struct file *f, struct kstat *st)
{
	st->mode = 0600;
}

static struct spinlock sfd_lock = SPINLOCK_INIT;
static struct file *sfds[SFD_MAX];

static int sfd_close(struct file *f)
{
	spin_lock(&sfd_lock);
	for (int i = 0; i < SFD_MAX; i++)
		if (sfds[i] == f)
			sfds[i] = NULL;
	spin_unlock(&sfd_lock);
	kfree(f->priv);
	return 0;
}

static const struct file_ops sfd_ops = {
	.read = sfd_read, .ioctl = sfd_ioctl, .stat = sfd_stat, .close = sfd_close,
	.poll = sfd_poll,
};

/* A signal was sent: every signalfd may have become readable. The table
 * lock is held across file_notify so that no signalfd is freed meanwhile
 * (sfd_close takes it; file_notify never reaches a signalfd's own code). */
static void sfd_signal_sent(void)
{
	spin_lock(&sfd_lock);
	for (int i = 0; i < SFD_MAX; i++)
		if (sfds[i])
			file_notify(sfds[i]);
	spin_unlock(&sfd_lock);
}

static long sfd_new(uint64_t mask, int flags)
{
	struct signalfd *s = kzalloc(sizeof(*s));
	struct file *f = s ? kzalloc(sizeof(*f)) : NULL;
	if (!f) {
		kfree(s);
		return -ENOMEM;
	}
	s->mask = mask;
	f->ops = &sfd_ops;
	f->refs = 1;
	f->flags = O_RDONLY | (flags & O_NONBLOCK);
	f->priv = s;
	spin_lock(&sfd_lock);
	int slot = 0;
	while (slot < SFD_MAX && sfds[slot])
		slot++;
	if (slot < SFD_MAX)
		sfds[slot] = f;
	spin_unlock(&sfd_lock);
	if (slot == SFD_MAX) {
		kfree(s);
		kfree(f);
		return -EMFILE; /* more signalfds than Toro tracks */
	}
	thread_on_signal(sfd_signal_sent);
	return poll_install(f, flags & O_CLOEXEC);
}

long sys_signalfd4(SYSARGS)
{
	uint64_t mask;
	int flags = (int)a3;
	if (a2 != 8 || (flags & ~(O_NONBLOCK | O_CLOEXEC)))
		return -EINVAL;
	if (user_copy_in(&mask, (uint64_t)a1, 8))
		return -EFAULT;
	mask &= ~UNBLOCKABLE;
	if ((int)a0 == -1)
		return sfd_new(mask, flags);
	struct file *f = fd_get((int)a0);
	if (!f)
		return -EBADF;
	long r = -EINVAL;
	if (f->ops == &sfd_ops) {
		__atomic_store_n(&((struct signalfd *)f->priv)->mask, mask, __ATOMIC_RELAXED);
		r = a0;
	}
	file_put(f);
	if (r >= 0)
		sfd_signal_sent();
	return r;
}

long sys_signalfd(SYSARGS)
{
	return sys_signalfd4(a0, a1, a2, 0, 0, 0);
}

SYSGROUP(sigwait) = {
	SYSOPT_CALL(127, sys_rt_sigpending), SYSOPT_CALL(128, sys_rt_sigtimedwait),
	SYSOPT_CALL(130, sys_rt_sigsuspend),
	SYSOPT_CALL(282, sys_signalfd), SYSOPT_CALL(289, sys_signalfd4),
};
