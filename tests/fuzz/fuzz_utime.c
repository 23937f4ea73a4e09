// sources: kernel/utime.c tests/unit/host_stubs.c
/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for kernel/utime.c: the timespec, timeval and millisecond
 * timeouts come straight from the program, so any 64-bit fields must convert
 * without overflow (UBSan) and agree with the same arithmetic done in 128
 * bits: EINVAL exactly where Linux refuses, saturation to UTIME_FOREVER
 * exactly where 64 bits of nanoseconds run out, deadlines never wrapping, and
 * the way back (utime_ns_ts) inverting the conversion.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <k/errno.h>
#include <k/syscall.h>
#include <k/time.h>
#include <k/utime.h>

typedef unsigned __int128 u128;

/* The kernel services utime.c calls: a user space of the input's bytes. */
static const uint8_t *udata;
static size_t usize;

int user_copy_in(void *dst, uint64_t usrc, size_t n)
{
	if (usrc > usize || n > usize - usrc)
		return -EFAULT;
	memcpy(dst, udata + usrc, n);
	return 0;
}

int user_copy_out(uint64_t udst, const void *src, size_t n)
{
	return -EFAULT;
}

uint64_t time_monotonic_ns(void) { return 12345; }

static uint64_t sat(u128 v) { return v > UINT64_MAX ? UINT64_MAX : (uint64_t)v; }

static void check_ts(int64_t sec, int64_t nsec)
{
	struct utimespec ts = { sec, nsec };
	uint64_t ns = 77;
	int r = utime_ts_ns(&ts, &ns);
	if (sec < 0 || nsec < 0 || nsec >= 1000000000) {
		if (r != -EINVAL || ns != 77)
			abort();
		return;
	}
	if (r != 0 || ns != sat((u128)sec * 1000000000u + (u128)nsec))
		abort();
	struct utimespec back = utime_ns_ts(ns);
	uint64_t again;
	if (utime_ts_ns(&back, &again) || again != ns)
		abort();
}

static void check_tv(int64_t sec, int64_t usec)
{
	struct utimeval tv = { sec, usec };
	uint64_t ns = 77;
	int r = utime_tv_ns(&tv, &ns);
	if (sec < 0 || usec < 0) {
		if (r != -EINVAL || ns != 77)
			abort();
		return;
	}
	u128 s = (u128)sec + (u128)usec / 1000000u;
	if (r != 0 || ns != sat(s * 1000000000u + (u128)usec % 1000000u * 1000u))
		abort();
}

static void check_deadline(uint64_t now, uint64_t rel, uint64_t clk, uint64_t abs)
{
	uint64_t d = utime_deadline(now, rel);
	u128 sum = (u128)now + rel;
	if (rel >= UTIME_FAR || sum > UINT64_MAX) {
		if (d != 0)
			abort();
	} else if (d != (sum ? (uint64_t)sum : 1)) {
		abort();
	}
	uint64_t a = utime_abs_deadline(now, clk, abs);
	if (abs <= clk ? a != (now ? now : 1) : a != utime_deadline(now, abs - clk))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int64_t f[4] = { 0, 0, 0, 0 };
	memcpy(f, data, size < sizeof(f) ? size : sizeof(f));
	check_ts(f[0], f[1]);
	check_ts(f[2], f[3]);
	check_tv(f[0], f[1]);
	check_tv(f[2], f[3]);
	check_deadline((uint64_t)f[0], (uint64_t)f[1], (uint64_t)f[2], (uint64_t)f[3]);
	int ms = (int)f[0];
	if (utime_ms_ns(ms) != (ms < 0 ? UTIME_FOREVER : (uint64_t)ms * 1000000u))
		abort();
	/* The same fields through "user memory", at every offset of the input. */
	udata = data;
	usize = size;
	for (uint64_t off = 0; off <= size; off += 8) {
		uint64_t ns;
		int r = utime_get_ts(off, &ns);
		if (off + 16 > size ? r != -EFAULT : (r != 0 && r != -EINVAL))
			abort();
		r = utime_get_tv(off, &ns);
		if (off + 16 > size ? r != -EFAULT : (r != 0 && r != -EINVAL))
			abort();
	}
	return 0;
}
