/* SPDX-License-Identifier: MIT */
/* Timeouts from the program (k/utime.h): saturating conversions, no overflow
 * at any input, so a huge timeout can never wrap into a short one. */
#include <k/errno.h>
#include <k/syscall.h>
#include <k/time.h>
#include <k/utime.h>

#define USEC_PER_SEC 1000000ull
/* The largest whole second count that fits in 64 bits of nanoseconds. */
#define SEC_MAX (UINT64_MAX / NSEC_PER_SEC)

/* sec seconds and sub nanoseconds (sub < 10^9), saturating. */
static uint64_t ns_of(uint64_t sec, uint64_t sub)
{
	if (sec > SEC_MAX)
		return UTIME_FOREVER;
	uint64_t ns = sec * NSEC_PER_SEC;
	return ns > UINT64_MAX - sub ? UTIME_FOREVER : ns + sub;
}

int utime_ts_ns(const struct utimespec *ts, uint64_t *ns)
{
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= (int64_t)NSEC_PER_SEC)
		return -EINVAL;
	*ns = ns_of((uint64_t)ts->tv_sec, (uint64_t)ts->tv_nsec);
	return 0;
}

int utime_tv_ns(const struct utimeval *tv, uint64_t *ns)
{
	if (tv->tv_sec < 0 || tv->tv_usec < 0)
		return -EINVAL;
	/* Both fields are below 2^63, so their sum of seconds cannot wrap. */
	uint64_t sec = (uint64_t)tv->tv_sec + (uint64_t)tv->tv_usec / USEC_PER_SEC;
	*ns = ns_of(sec, (uint64_t)tv->tv_usec % USEC_PER_SEC * 1000);
	return 0;
}

uint64_t utime_ms_ns(int ms)
{
	return ms < 0 ? UTIME_FOREVER : (uint64_t)ms * 1000000ull;
}

uint64_t utime_deadline(uint64_t now, uint64_t rel)
{
	if (rel >= UTIME_FAR || now > UINT64_MAX - rel)
		return 0;
	uint64_t until = now + rel;
	return until ? until : 1;
}

uint64_t utime_abs_deadline(uint64_t mono_now, uint64_t clock_now, uint64_t abs)
{
	if (abs <= clock_now)
		return mono_now ? mono_now : 1;
	return utime_deadline(mono_now, abs - clock_now);
}

struct utimespec utime_ns_ts(uint64_t ns)
{
	return (struct utimespec){ (int64_t)(ns / NSEC_PER_SEC), (int64_t)(ns % NSEC_PER_SEC) };
}

struct utimeval utime_ns_tv(uint64_t ns)
{
	return (struct utimeval){ (int64_t)(ns / NSEC_PER_SEC),
				  (int64_t)(ns % NSEC_PER_SEC / 1000) };
}

int utime_get_ts(uint64_t uts, uint64_t *ns)
{
	struct utimespec ts;
	if (user_copy_in(&ts, uts, sizeof(ts)))
		return -EFAULT;
	return utime_ts_ns(&ts, ns);
}

int utime_get_tv(uint64_t utv, uint64_t *ns)
{
	struct utimeval tv;
	if (user_copy_in(&tv, utv, sizeof(tv)))
		return -EFAULT;
	return utime_tv_ns(&tv, ns);
}

int utime_put_ts(uint64_t uts, uint64_t ns)
{
	struct utimespec ts = utime_ns_ts(ns);
	return user_copy_out(uts, &ts, sizeof(ts));
}

int utime_put_tv(uint64_t utv, uint64_t ns)
{
	struct utimeval tv = utime_ns_tv(ns);
	return user_copy_out(utv, &tv, sizeof(tv));
}

uint64_t utime_until(uint64_t rel)
{
	return utime_deadline(time_monotonic_ns(), rel);
}
