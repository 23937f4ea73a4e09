/* SPDX-License-Identifier: MIT */
/* Clocks and sleeping; timeouts through k/utime.h. */
#include <k/errno.h>
#include <k/sched.h>
#include <k/syscall.h>
#include <k/time.h>
#include <k/utime.h>
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

static int clock_now(long id, uint64_t *ns)
{
	time_refine_start(); /* the TSC's rate from 0.5 ms: make it better */
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

long sys_clock_gettime(SYSARGS)
{
	uint64_t ns;
	int r = clock_now(a0, &ns);
	return r ? r : utime_put_ts((uint64_t)a1, ns);
}

long sys_clock_getres(SYSARGS)
{
	uint64_t ns;
	if (clock_now(a0, &ns))
		return -EINVAL;
	return a1 ? utime_put_ts((uint64_t)a1, 1) : 0;
}

long sys_gettimeofday(SYSARGS)
{
	if (!a0)
		return 0;
	return utime_put_tv((uint64_t)a0, time_realtime_ns());
}

long sys_time(SYSARGS)
{
	int64_t t = (int64_t)(time_realtime_ns() / NSEC_PER_SEC);
	if (a0 && user_copy_out((uint64_t)a0, &t, sizeof(t)))
		return -EFAULT;
	return t;
}

/* Sleep until `until` (0: until a signal): 0, or -EINTR with the time left
 * of `req` written to urem (relative sleeps only). */
static long sleep_until(uint64_t until, uint64_t req, uint64_t start, uint64_t urem)
{
	for (;;) {
		if (until && time_monotonic_ns() >= until)
			return 0;
		if (sched_block_intr(until) == -EINTR)
			break;
	}
	if (urem) {
		uint64_t slept = time_monotonic_ns() - start;
		if (utime_put_ts(urem, req > slept ? req - slept : 0))
			return -EFAULT; /* as Linux */
	}
	return -EINTR;
}

static long sleep_common(long clock, int flags, uint64_t ureq, uint64_t urem)
{
	uint64_t req, now;
	int r = utime_get_ts(ureq, &req);
	if (r)
		return r;
	r = clock_now(clock, &now);
	if (r)
		return r;
	if (clock == CLOCK_PROCESS_CPUTIME_ID || clock == CLOCK_THREAD_CPUTIME_ID)
		return -EINVAL;
	uint64_t mono = time_monotonic_ns();
	if (flags & TIMER_ABSTIME)
		return sleep_until(utime_abs_deadline(mono, now, req), 0, mono, 0);
	return sleep_until(utime_deadline(mono, req), req, mono, urem);
}

long sys_nanosleep(SYSARGS)
{
	return sleep_common(CLOCK_MONOTONIC, 0, (uint64_t)a0, (uint64_t)a1);
}

long sys_clock_nanosleep(SYSARGS)
{
	return sleep_common(a0, (int)a1, (uint64_t)a2, (uint64_t)a3);
}
