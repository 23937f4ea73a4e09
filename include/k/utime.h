/* SPDX-License-Identifier: MIT */
/*
 * Timeouts from the program: the one conversion of every timespec, timeval and
 * millisecond count a system call takes (nanosleep, clock_nanosleep, futex,
 * poll, ppoll, select, pselect6, epoll_wait, SO_RCVTIMEO/SO_SNDTIMEO) into
 * nanoseconds and deadlines, exact at its limits (tests/unit/test_utime.c).
 *
 * A relative timeout is a uint64_t of nanoseconds: 0 asks not to wait at all,
 * UTIME_FOREVER not to time out. Whatever does not fit in 64 bits of
 * nanoseconds saturates to UTIME_FOREVER, and a deadline UTIME_FAR or more
 * away is no deadline: it could not be armed (the TSC deadline of 2^33 s
 * overflows) and no VM runs that long. A deadline is monotonic nanoseconds as
 * kwait and sched_block take them: 0 means none (sleep until woken).
 *
 * The rules are Linux's: a timespec with tv_sec < 0 or tv_nsec outside
 * 0..999,999,999 is -EINVAL; select's timeval may carry microseconds over a
 * million into seconds, but neither field may be negative; a negative poll or
 * epoll_wait timeout means no timeout. The socket options' own rules (EDOM,
 * negative seconds as "do not wait") are in net/socket.c on top of these.
 */
#ifndef K_UTIME_H
#define K_UTIME_H

#include <stdint.h>

#define UTIME_FOREVER UINT64_MAX
#define UTIME_FAR (1ull << 60) /* ns, about 36.5 years */

/* struct timespec and struct timeval of the x86-64 ABI. */
struct utimespec {
	int64_t tv_sec, tv_nsec;
};
struct utimeval {
	int64_t tv_sec, tv_usec;
};

/* Pure conversions (no clock, no user memory). */
int utime_ts_ns(const struct utimespec *ts, uint64_t *ns);  /* 0, -EINVAL */
int utime_tv_ns(const struct utimeval *tv, uint64_t *ns);   /* 0, -EINVAL (select's rules) */
uint64_t utime_ms_ns(int ms);                              /* negative: UTIME_FOREVER */
/* The deadline `rel` ns after `now`: 0 (none) for UTIME_FOREVER and anything
 * UTIME_FAR away or more; never 0 otherwise (rel 0 gives `now`, or 1). */
uint64_t utime_deadline(uint64_t now, uint64_t rel);
/* The deadline of the absolute time `abs` of a clock that reads `clock_now`
 * while the monotonic clock reads `mono_now`: `mono_now` when it has passed. */
uint64_t utime_abs_deadline(uint64_t mono_now, uint64_t clock_now, uint64_t abs);
/* ns as a timespec/timeval (UTIME_FOREVER as 18446744073 s and the rest). */
struct utimespec utime_ns_ts(uint64_t ns);
struct utimeval utime_ns_tv(uint64_t ns);

/* From and to the program's memory: 0, -EFAULT, -EINVAL. */
int utime_get_ts(uint64_t uts, uint64_t *ns);
int utime_get_tv(uint64_t utv, uint64_t *ns);
int utime_put_ts(uint64_t uts, uint64_t ns);
int utime_put_tv(uint64_t utv, uint64_t ns);
/* The deadline of a relative timeout from now (time_monotonic_ns). */
uint64_t utime_until(uint64_t rel);

#endif
