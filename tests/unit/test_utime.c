/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for kernel/utime.c, the one conversion of the program's
 * timeouts, at its limits: the largest values that still fit, the first that
 * do not (they saturate to "forever", never wrap into a short timeout), what
 * Linux refuses (negative fields, 10^9 ns), select's carry of microseconds,
 * negative milliseconds, deadlines beyond UTIME_FAR, absolute times in the
 * past, and the user-memory wrappers against a fake user space.
 */
#include <k/utime.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <k/errno.h>
#include <k/syscall.h>
#include <k/time.h>

/* ---- a fake user space: one buffer at a fixed "user address" ---- */

#define UBASE 0x1000000000ull
static unsigned char umem[64];
static uint64_t fake_now = 5000;

int user_copy_in(void *dst, uint64_t usrc, size_t n)
{
	if (usrc < UBASE || usrc - UBASE > sizeof(umem) || n > sizeof(umem) - (usrc - UBASE))
		return -EFAULT;
	memcpy(dst, umem + (usrc - UBASE), n);
	return 0;
}

int user_copy_out(uint64_t udst, const void *src, size_t n)
{
	if (udst < UBASE || udst - UBASE > sizeof(umem) || n > sizeof(umem) - (udst - UBASE))
		return -EFAULT;
	memcpy(umem + (udst - UBASE), src, n);
	return 0;
}

uint64_t time_monotonic_ns(void) { return fake_now; }

/* ---- conversions ---- */

static int ts(int64_t sec, int64_t nsec, uint64_t *ns)
{
	struct utimespec t = { sec, nsec };
	return utime_ts_ns(&t, ns);
}

static int tv(int64_t sec, int64_t usec, uint64_t *ns)
{
	struct utimeval t = { sec, usec };
	return utime_tv_ns(&t, ns);
}

static void test_timespec(void **state)
{
	uint64_t ns = 12345;
	assert_int_equal(ts(0, 0, &ns), 0);
	assert_true(ns == 0);
	assert_int_equal(ts(0, 999999999, &ns), 0);
	assert_true(ns == 999999999);
	assert_int_equal(ts(1, 500, &ns), 0);
	assert_true(ns == 1000000500);
	/* The largest exact value: 2^64 - 1 ns. */
	assert_int_equal(ts(18446744073LL, 709551614, &ns), 0);
	assert_true(ns == UINT64_MAX - 1);
	assert_int_equal(ts(18446744073LL, 709551615, &ns), 0);
	assert_true(ns == UTIME_FOREVER);
	/* The first that do not fit saturate (the 18446744074 s slept 0.3 s). */
	assert_int_equal(ts(18446744073LL, 709551616, &ns), 0);
	assert_true(ns == UTIME_FOREVER);
	assert_int_equal(ts(18446744074LL, 0, &ns), 0);
	assert_true(ns == UTIME_FOREVER);
	assert_int_equal(ts(INT64_MAX, 999999999, &ns), 0);
	assert_true(ns == UTIME_FOREVER);
	/* Linux refuses these; ns is left alone. */
	ns = 7;
	assert_int_equal(ts(-1, 0, &ns), -EINVAL);
	assert_int_equal(ts(INT64_MIN, 0, &ns), -EINVAL);
	assert_int_equal(ts(0, -1, &ns), -EINVAL);
	assert_int_equal(ts(0, 1000000000, &ns), -EINVAL);
	assert_int_equal(ts(0, INT64_MAX, &ns), -EINVAL);
	assert_int_equal(ts(0, INT64_MIN, &ns), -EINVAL);
	assert_true(ns == 7);
}

static void test_timeval(void **state)
{
	uint64_t ns = 0;
	assert_int_equal(tv(0, 0, &ns), 0);
	assert_true(ns == 0);
	assert_int_equal(tv(2, 999999, &ns), 0);
	assert_true(ns == 2999999000ull);
	/* select carries microseconds over a million into seconds (1.5 s, not 0.5). */
	assert_int_equal(tv(0, 1500000, &ns), 0);
	assert_true(ns == 1500000000ull);
	assert_int_equal(tv(1, 1000000, &ns), 0);
	assert_true(ns == 2000000000ull);
	/* Sums and products that overflow saturate. */
	assert_int_equal(tv(INT64_MAX, INT64_MAX, &ns), 0);
	assert_true(ns == UTIME_FOREVER);
	assert_int_equal(tv(0, INT64_MAX, &ns), 0);
	assert_true(ns == UTIME_FOREVER);
	assert_int_equal(tv(18446744073LL, 709551, &ns), 0);
	assert_true(ns == 18446744073709551000ull);
	assert_int_equal(tv(18446744073LL, 709552, &ns), 0);
	assert_true(ns == UTIME_FOREVER);
	assert_int_equal(tv(-1, 0, &ns), -EINVAL);
	assert_int_equal(tv(0, -1, &ns), -EINVAL);
	assert_int_equal(tv(INT64_MIN, INT64_MIN, &ns), -EINVAL);
}

static void test_ms(void **state)
{
	assert_true(utime_ms_ns(0) == 0);
	assert_true(utime_ms_ns(1) == 1000000ull);
	assert_true(utime_ms_ns(2147483647) == 2147483647000000ull);
	assert_true(utime_ms_ns(-1) == UTIME_FOREVER);
	assert_true(utime_ms_ns(-2147483647 - 1) == UTIME_FOREVER);
}

static void test_deadline(void **state)
{
	assert_true(utime_deadline(1000, 0) == 1000);
	assert_true(utime_deadline(0, 0) == 1); /* 0 would mean "none" */
	assert_true(utime_deadline(1000, 5) == 1005);
	assert_true(utime_deadline(1000, UTIME_FAR - 1) == 1000 + UTIME_FAR - 1);
	assert_true(utime_deadline(1000, UTIME_FAR) == 0);
	assert_true(utime_deadline(1000, UTIME_FOREVER) == 0);
	assert_true(utime_deadline(UINT64_MAX - 10, 11) == 0); /* would wrap */
	assert_true(utime_deadline(UINT64_MAX - 10, 10) == UINT64_MAX);
}

static void test_abs_deadline(void **state)
{
	/* Passed or now: expires at once, never "none". */
	assert_true(utime_abs_deadline(100, 5000, 4000) == 100);
	assert_true(utime_abs_deadline(100, 5000, 5000) == 100);
	assert_true(utime_abs_deadline(0, 5000, 0) == 1);
	/* Ahead of the clock by d: d after the monotonic now. */
	assert_true(utime_abs_deadline(100, 5000, 5700) == 800);
	/* A realtime clock far ahead of the monotonic one. */
	uint64_t wall = 1700000000ull * 1000000000ull;
	assert_true(utime_abs_deadline(100, wall, wall + 3) == 103);
	assert_true(utime_abs_deadline(100, wall, UTIME_FOREVER) == 0);
	assert_true(utime_abs_deadline(100, 0, UTIME_FAR) == 0);
	assert_true(utime_abs_deadline(100, 0, UTIME_FAR - 1) == 100 + UTIME_FAR - 1);
}

static void test_back(void **state)
{
	struct utimespec t = utime_ns_ts(UTIME_FOREVER);
	assert_true(t.tv_sec == 18446744073LL && t.tv_nsec == 709551615);
	t = utime_ns_ts(1999999999);
	assert_true(t.tv_sec == 1 && t.tv_nsec == 999999999);
	struct utimeval v = utime_ns_tv(1999999999);
	assert_true(v.tv_sec == 1 && v.tv_usec == 999999);
	v = utime_ns_tv(0);
	assert_true(v.tv_sec == 0 && v.tv_usec == 0);
	/* Round trip of every field boundary. */
	uint64_t ns;
	t = utime_ns_ts(UINT64_MAX - 1);
	assert_int_equal(utime_ts_ns(&t, &ns), 0);
	assert_true(ns == UINT64_MAX - 1);
}

static void test_user(void **state)
{
	uint64_t ns = 0;
	struct utimespec t = { 3, 4 };
	memcpy(umem, &t, sizeof(t));
	assert_int_equal(utime_get_ts(UBASE, &ns), 0);
	assert_true(ns == 3000000004ull);
	t.tv_nsec = -4;
	memcpy(umem, &t, sizeof(t));
	assert_int_equal(utime_get_ts(UBASE, &ns), -EINVAL);
	/* Outside the fake user space, or running off its end. */
	assert_int_equal(utime_get_ts(0, &ns), -EFAULT);
	assert_int_equal(utime_get_ts(UBASE + sizeof(umem) - 8, &ns), -EFAULT);
	assert_int_equal(utime_get_tv(UINT64_MAX - 4, &ns), -EFAULT);
	struct utimeval v = { 0, 2500000 };
	memcpy(umem + 16, &v, sizeof(v));
	assert_int_equal(utime_get_tv(UBASE + 16, &ns), 0);
	assert_true(ns == 2500000000ull);
	assert_int_equal(utime_put_ts(UBASE + 32, 7000000001ull), 0);
	memcpy(&t, umem + 32, sizeof(t));
	assert_true(t.tv_sec == 7 && t.tv_nsec == 1);
	assert_int_equal(utime_put_tv(UBASE + 32, 7000001999ull), 0);
	memcpy(&v, umem + 32, sizeof(v));
	assert_true(v.tv_sec == 7 && v.tv_usec == 1);
	assert_int_equal(utime_put_ts(UBASE + 60, 1), -EFAULT);
	fake_now = 5000;
	assert_true(utime_until(10) == 5010);
	assert_true(utime_until(UTIME_FOREVER) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timespec),   cmocka_unit_test(test_timeval),
		cmocka_unit_test(test_ms),         cmocka_unit_test(test_deadline),
		cmocka_unit_test(test_abs_deadline), cmocka_unit_test(test_back),
		cmocka_unit_test(test_user),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
