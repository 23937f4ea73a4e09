/* SPDX-License-Identifier: MIT */
/*
 * The program's timers that send signals (component `timer`): setitimer,
 * getitimer, alarm, and the POSIX timers timer_create & co., on kernel timers
 * (k/ktimer.h). ITIMER_REAL sends SIGALRM; ITIMER_VIRTUAL and ITIMER_PROF
 * send SIGVTALRM and SIGPROF on the process's CPU-time clock, which for the
 * one process of the VM is the time since boot (as getrusage, times and
 * CLOCK_PROCESS_CPUTIME_ID say): they run on wall time. POSIX timers take
 * CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME and the process CPU clock,
 * and notify by SIGEV_SIGNAL (the process), SIGEV_THREAD_ID (one thread) or
 * SIGEV_NONE. While a timer's signal is still pending, further expirations
 * are counted as overruns (timer_getoverrun) rather than sent again.
 */
#include <k/component.h>
#include <k/errno.h>
#include <k/ktimer.h>
#include <k/proc.h>
#include <k/sched.h>
#include <k/spinlock.h>
#include <k/string.h>
#include <k/syscall.h>
#include <k/time.h>
#include <k/utime.h>
#include "sys.h"

#define SIGVTALRM 26
#define SIGPROF 27
#define SIGEV_SIGNAL 0
#define SIGEV_NONE 1
#define SIGEV_THREAD 2
#define SIGEV_THREAD_ID 4
#define TIMER_ABSTIME 1
#define TIMER_MAX 32   /* POSIX timers at once */
#define NITIMERS 3     /* REAL, VIRTUAL, PROF */

struct ptimer {
	struct ktimer kt;
	bool used;
	bool realtime;     /* CLOCK_REALTIME: absolute times are wall times */
	int notify, signo, tid;
	uint64_t value;    /* sigev_value (not delivered: see docs/syscalls.md) */
	uint64_t interval; /* ns, 0: one-shot */
	uint64_t expiry;   /* monotonic ns of the next expiry, 0: disarmed */
	int overrun;       /* expirations while its signal was pending */
};

/* POSIX timers first, then the three itimers. */
static struct ptimer timers[TIMER_MAX + NITIMERS];
static struct spinlock tm_lock = SPINLOCK_INIT;

struct k_itimerspec {
	struct utimespec interval, value;
};
struct k_itimerval {
	struct utimeval interval, value;
};

static uint64_t tm_fire(struct ktimer *kt, uint64_t when)
{
	struct ptimer *p = (struct ptimer *)kt; /* kt is the first member */
	uint64_t now = time_monotonic_ns(), next = 0;
	int missed = 0;
	spin_lock(&tm_lock);
	if (p->interval) {
		uint64_t late = now > when ? (now - when) / p->interval : 0;
		missed = late > 0x7fffffff ? 0x7fffffff : (int)late;
		next = when + (late + 1) * p->interval;
	}
	p->expiry = next;
	int sig = p->notify == SIGEV_NONE ? 0 : p->signo, tid = p->notify == SIGEV_THREAD_ID ? p->tid : 0;
	bool pending = sig && thread_signal_pending(tid, sig);
	if (sig && !pending)
		p->overrun = missed;
	else if (p->overrun <= 0x7fffffff - 1 - missed)
		p->overrun += 1 + missed;
	spin_unlock(&tm_lock);
	if (sig && !pending) {
		if (tid)
			thread_signal(tid, sig);
		else
			thread_signal_process(sig);
	}
	return next;
}

/* Arm (value ns from now, or at the absolute time `abs`) or disarm p:
 * 0 or -EAGAIN. The remaining time and interval before go to *old_*. */
static int tm_set(struct ptimer *p, uint64_t value, uint64_t interval, bool abs,
		  uint64_t *old_left, uint64_t *old_interval)
{
	uint64_t now = time_monotonic_ns(), at = 0;
	if (value) {
		at = abs ? utime_abs_deadline(now, p->realtime ? time_realtime_ns() : now, value)
			 : utime_deadline(now, value);
		if (at == 0) /* too far away to arm: never */
			value = 0;
	}
	ktimer_cancel(&p->kt);
	spin_lock(&tm_lock);
	*old_left = p->expiry ? (p->expiry > now ? p->expiry - now : 1) : 0;
	*old_interval = p->interval;
	p->expiry = value ? at : 0;
	p->interval = value ? interval : 0;
	p->overrun = 0;
	spin_unlock(&tm_lock);
	int r = value ? ktimer_arm(&p->kt, at) : 0;
	if (r) {
		spin_lock(&tm_lock);
		p->expiry = 0;
		spin_unlock(&tm_lock);
	}
	return r;
}

static void tm_get(struct ptimer *p, uint64_t *left, uint64_t *interval)
{
	uint64_t now = time_monotonic_ns();
	spin_lock(&tm_lock);
	*left = p->expiry ? (p->expiry > now ? p->expiry - now : 1) : 0;
	*interval = p->interval;
	spin_unlock(&tm_lock);
}

/* ---- setitimer, getitimer, alarm ---- */

static struct ptimer *itimer(long which)
{
	static const int sigs[NITIMERS] = { SIGALRM, SIGVTALRM, SIGPROF };
	if (which < 0 || which >= NITIMERS)
		return NULL;
	struct ptimer *p = &timers[TIMER_MAX + which];
	p->kt.fire = tm_fire;
	p->notify = SIGEV_SIGNAL;
	p->signo = sigs[which];
	return p;
}

/* A timeval's rounding: up to the microsecond, so a timer that has not
 * fired never reads as 0 (disarmed). */
static struct utimeval tv_of(uint64_t ns)
{
	return utime_ns_tv(ns + 999);
}

long sys_setitimer(SYSARGS)
{
	struct ptimer *p = itimer(a0);
	struct k_itimerval nv, ov;
	uint64_t value, interval, old_left, old_int;
	if (!p)
		return -EINVAL;
	if (user_copy_in(&nv, (uint64_t)a1, sizeof(nv)))
		return -EFAULT;
	if (utime_tv_ns(&nv.value, &value) || utime_tv_ns(&nv.interval, &interval) ||
	    nv.value.tv_usec >= 1000000 || nv.interval.tv_usec >= 1000000)
		return -EINVAL;
	int r = tm_set(p, value, interval, false, &old_left, &old_int);
	if (r)
		return r;
	ov.value = tv_of(old_left);
	ov.interval = tv_of(old_int);
	if (old_int == 0)
		ov.interval = (struct utimeval){ 0, 0 };
	if (old_left == 0)
		ov.value = (struct utimeval){ 0, 0 };
	return a2 && user_copy_out((uint64_t)a2, &ov, sizeof(ov)) ? -EFAULT : 0;
}

long sys_getitimer(SYSARGS)
{
	struct ptimer *p = itimer(a0);
	struct k_itimerval v = { { 0, 0 }, { 0, 0 } };
	uint64_t left, interval;
	if (!p)
		return -EINVAL;
	tm_get(p, &left, &interval);
	if (left)
		v.value = tv_of(left);
	if (interval)
		v.interval = tv_of(interval);
	return user_copy_out((uint64_t)a1, &v, sizeof(v));
}

/* Seconds left of the previous alarm, rounded to the nearest, at least 1. */
long sys_alarm(SYSARGS)
{
	struct ptimer *p = itimer(0);
	uint64_t left, interval;
	unsigned secs = (unsigned)a0;
	if (tm_set(p, (uint64_t)secs * NSEC_PER_SEC, 0, false, &left, &interval))
		return 0;
	uint64_t s = (left + NSEC_PER_SEC / 2) / NSEC_PER_SEC;
	return left && !s ? 1 : (long)s;
}

/* ---- POSIX timers ---- */

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_BOOTTIME 7

struct k_sigevent {
	uint64_t value;
	int32_t signo, notify, tid, pad[11];
};

static int sev_check(const struct k_sigevent *ev)
{
	if (ev->notify != SIGEV_SIGNAL && ev->notify != SIGEV_NONE &&
	    ev->notify != SIGEV_THREAD_ID)
		return -EINVAL; /* SIGEV_THREAD is the C library's business */
	if (ev->notify != SIGEV_NONE && (ev->signo < 1 || ev->signo >= NSIG))
		return -EINVAL;
	if (ev->notify == SIGEV_THREAD_ID && !thread_by_tid(ev->tid))
		return -EINVAL;
	return 0;
}

long sys_timer_create(SYSARGS)
{
	struct k_sigevent ev = { .signo = SIGALRM, .notify = SIGEV_SIGNAL };
	long clock = a0;
	if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC && clock != CLOCK_BOOTTIME &&
	    clock != CLOCK_PROCESS_CPUTIME_ID)
		return -EINVAL;
	if (a1 && user_copy_in(&ev, (uint64_t)a1, sizeof(ev)))
		return -EFAULT;
	int r = sev_check(&ev);
	if (r)
		return r;
	spin_lock(&tm_lock);
	int id = 0;
	while (id < TIMER_MAX && timers[id].used)
		id++;
	if (id < TIMER_MAX) {
		struct ptimer *p = &timers[id];
		memset(p, 0, sizeof(*p));
		p->kt.fire = tm_fire;
		p->used = true;
		p->realtime = clock == CLOCK_REALTIME;
		p->notify = ev.notify;
		p->signo = ev.signo;
		p->tid = ev.tid;
		p->value = a1 ? ev.value : (uint64_t)id;
	}
	spin_unlock(&tm_lock);
	if (id == TIMER_MAX)
		return -EAGAIN;
	int32_t uid = id;
	if (user_copy_out((uint64_t)a2, &uid, sizeof(uid))) {
		spin_lock(&tm_lock);
		timers[id].used = false;
		spin_unlock(&tm_lock);
		return -EFAULT;
	}
	return 0;
}

static struct ptimer *ptimer_of(long id)
{
	if (id < 0 || id >= TIMER_MAX)
		return NULL;
	spin_lock(&tm_lock);
	bool used = timers[id].used;
	spin_unlock(&tm_lock);
	return used ? &timers[id] : NULL;
}

long sys_timer_settime(SYSARGS)
{
	struct ptimer *p = ptimer_of(a0);
	struct k_itimerspec nv, ov;
	uint64_t value, interval, old_left, old_int;
	if (!p || (a1 & ~TIMER_ABSTIME))
		return -EINVAL;
	if (user_copy_in(&nv, (uint64_t)a2, sizeof(nv)))
		return -EFAULT;
	if (utime_ts_ns(&nv.value, &value) || utime_ts_ns(&nv.interval, &interval))
		return -EINVAL;
	int r = tm_set(p, value, interval, a1 & TIMER_ABSTIME, &old_left, &old_int);
	if (r)
		return r;
	ov.value = utime_ns_ts(old_left);
	ov.interval = utime_ns_ts(old_int);
	return a3 && user_copy_out((uint64_t)a3, &ov, sizeof(ov)) ? -EFAULT : 0;
}

long sys_timer_gettime(SYSARGS)
{
	struct ptimer *p = ptimer_of(a0);
	uint64_t left, interval;
	if (!p)
		return -EINVAL;
	tm_get(p, &left, &interval);
	struct k_itimerspec v = { utime_ns_ts(interval), utime_ns_ts(left) };
	return user_copy_out((uint64_t)a1, &v, sizeof(v));
}

long sys_timer_getoverrun(SYSARGS)
{
	struct ptimer *p = ptimer_of(a0);
	if (!p)
		return -EINVAL;
	spin_lock(&tm_lock);
	int n = p->overrun;
	spin_unlock(&tm_lock);
	return n;
}

long sys_timer_delete(SYSARGS)
{
	struct ptimer *p = ptimer_of(a0);
	if (!p)
		return -EINVAL;
	ktimer_cancel(&p->kt);
	spin_lock(&tm_lock);
	p->used = false;
	p->expiry = 0;
	spin_unlock(&tm_lock);
	return 0;
}

SYSGROUP(timer) = {
	SYSOPT_CALL(36, sys_getitimer), SYSOPT_CALL(37, sys_alarm), SYSOPT_CALL(38, sys_setitimer),
	SYSOPT_CALL(222, sys_timer_create), SYSOPT_CALL(223, sys_timer_settime),
	SYSOPT_CALL(224, sys_timer_gettime), SYSOPT_CALL(225, sys_timer_getoverrun),
	SYSOPT_CALL(226, sys_timer_delete), SYSOPT_CALL(283, sys_timerfd_create),
	SYSOPT_CALL(286, sys_timerfd_settime), SYSOPT_CALL(287, sys_timerfd_gettime),
};
