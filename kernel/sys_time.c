/* SPDX-License-Identifier: MIT */
/* Clocks and sleeping. */
#include <k/errno.h>
#include <k/sched.h>
#include <k/syscall.h>
#include <k/time.h>
#include "sys.h"

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7
#define TIMER_ABSTIME 1

struct ktimespec {
	int64_t sec, nsec;
};

static int clock_now(long id, uint64_t *ns)
{
	switch (id) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		*ns = time_realtime_ns();
		return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
	/* One process that owns the VM: its CPU time is the time since boot. */
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID:
		*ns = time_monotonic_ns();
		return 0;
	default:
		return -EINVAL;
	}
}

static int put_ts(long uts, uint64_t ns)
{
	struct ktimespec ts = { (int64_t)(ns / NSEC_PER_SEC), (int64_t)(ns % NSEC_PER_SEC) };
	return user_copy_out((uint64_t)uts, &ts, sizeof(ts));
}

static int get_ts(long uts, uint64_t *ns)
{
	struct ktimespec ts;
	if (user_copy_in(&ts, (uint64_t)uts, sizeof(ts)))
		return -EFAULT;
	if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= (int64_t)NSEC_PER_SEC)
		return -EINVAL;
	if ((uint64_t)ts.sec > 0x7fffffffffull)
		ts.sec = 0x7fffffffff; /* far future: ~4000 years */
	*ns = (uint64_t)ts.sec * NSEC_PER_SEC + (uint64_t)ts.nsec;
	return 0;
}

long sys_clock_gettime(SYSARGS)
{
	uint64_t ns;
	int r = clock_now(a0, &ns);
	return r ? r : put_ts(a1, ns);
}

long sys_clock_getres(SYSARGS)
{
	uint64_t ns;
	if (clock_now(a0, &ns))
		return -EINVAL;
	return a1 ? put_ts(a1, 1) : 0;
}

long sys_gettimeofday(SYSARGS)
{
	if (!a0)
		return 0;
	uint64_t ns = time_realtime_ns();
	int64_t tv[2] = { (int64_t)(ns / NSEC_PER_SEC), (int64_t)(ns % NSEC_PER_SEC / 1000) };
	return user_copy_out((uint64_t)a0, tv, sizeof(tv));
}

long sys_time(SYSARGS)
{
	int64_t t = (int64_t)(time_realtime_ns() / NSEC_PER_SEC);
	if (a0 && user_copy_out((uint64_t)a0, &t, sizeof(t)))
		return -EFAULT;
	return t;
}

static long sleep_common(long clock, int flags, long ureq, long urem)
{
	uint64_t req, now;
	int r = get_ts(ureq, &req);
	if (r)
		return r;
	r = clock_now(clock, &now);
	if (r)
		return r;
	if (clock == CLOCK_PROCESS_CPUTIME_ID || clock == CLOCK_THREAD_CPUTIME_ID)
		return -EINVAL;
	uint64_t mono = time_monotonic_ns();
	uint64_t until;
	if (flags & TIMER_ABSTIME)
		until = req > now ? mono + (req - now) : mono;
	else
		until = mono + req;
	if (until < mono)
		until = ~0ull;
	while (time_monotonic_ns() < until) {
		if (sched_block_intr(until) == -EINTR) {
			/* A signal: say how much was left (relative sleeps only). */
			uint64_t now = time_monotonic_ns();
			if (urem && !(flags & TIMER_ABSTIME))
				put_ts(urem, until > now ? until - now : 0);
			return -EINTR;
		}
	}
	return 0;
}

long sys_nanosleep(SYSARGS) { return sleep_common(CLOCK_MONOTONIC, 0, a0, a1); }
long sys_clock_nanosleep(SYSARGS)
{
	long r = sleep_common(a0, (int)a1, a2, a3);
	return r < 0 ? r : 0;
}
