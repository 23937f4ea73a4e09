/* SPDX-License-Identifier: MIT */
/* thread_sleep: sleeping threads on one core. A thread sleeping 100 ms wakes
 * after at least 100 ms (and, loosely, before 2 s) while the main thread keeps
 * computing; pthread_cond_timedwait gives ETIMEDOUT no earlier than its deadline
 * (CLOCK_REALTIME and CLOCK_MONOTONIC condvars); 4 threads in nanosleep(300 ms)
 * at once sleep side by side, not one after another; clock_nanosleep with
 * TIMER_ABSTIME in a thread. */
// expect-output: SUCCESS
// machines: microvm q35
// pvh-machines: none
// host-args: -
// mem: 64
// timeout: 60
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MS 1000000LL
#define NSLEEPERS 4
#define SLEEP_MS 300

static int failures;

#define CHECK(cond)                                                                    \
	do {                                                                           \
		if (!(cond)) {                                                         \
			printf("FAIL line %d: %s (errno %d %s)\n", __LINE__, #cond,    \
			       errno, strerror(errno));                                \
			__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED);            \
		}                                                                      \
	} while (0)

static int64_t now_ns(clockid_t clk)
{
	struct timespec t;
	clock_gettime(clk, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static struct timespec ts_of(int64_t ns)
{
	struct timespec t = { (time_t)(ns / 1000000000), (long)(ns % 1000000000) };
	return t;
}

static void spawn(pthread_t *t, void *(*fn)(void *), void *arg)
{
	int r = pthread_create(t, NULL, fn, arg);
	if (r) {
		printf("FAIL: pthread_create: %s\n", strerror(r));
		exit(1);
	}
}

/* Sleeps arg milliseconds; returns how long it took in ns. */
static void *sleeper(void *arg)
{
	int64_t ms = (int64_t)(intptr_t)arg;
	struct timespec ts = ts_of(ms * MS);
	int64_t t0 = now_ns(CLOCK_MONOTONIC);
	int r = nanosleep(&ts, NULL);
	int64_t dt = now_ns(CLOCK_MONOTONIC) - t0;
	return (void *)(intptr_t)(r == 0 ? dt : -1);
}

static void test_one_sleeper(void)
{
	pthread_t t;
	spawn(&t, sleeper, (void *)(intptr_t)100);
	/* The main thread computes meanwhile: the sleeper must still wake. */
	volatile uint64_t x = 0;
	int64_t t0 = now_ns(CLOCK_MONOTONIC);
	while (now_ns(CLOCK_MONOTONIC) - t0 < 30 * MS)
		x++;
	void *ret = NULL;
	CHECK(pthread_join(t, &ret) == 0);
	int64_t dt = (int64_t)(intptr_t)ret;
	printf("thread slept 100 ms in %lld ms\n", (long long)(dt / MS));
	CHECK(dt >= 100 * MS);
	CHECK(dt < 2000 * MS);
	printf("ok a thread's 100 ms nanosleep\n");
}

static void test_many_sleepers(void)
{
	pthread_t t[NSLEEPERS];
	int64_t t0 = now_ns(CLOCK_MONOTONIC);
	for (int i = 0; i < NSLEEPERS; i++)
		spawn(&t[i], sleeper, (void *)(intptr_t)SLEEP_MS);
	for (int i = 0; i < NSLEEPERS; i++) {
		void *ret = NULL;
		CHECK(pthread_join(t[i], &ret) == 0);
		int64_t dt = (int64_t)(intptr_t)ret;
		CHECK(dt >= SLEEP_MS * MS);
		CHECK(dt < 2000 * MS + SLEEP_MS * MS);
	}
	int64_t total = now_ns(CLOCK_MONOTONIC) - t0;
	printf("%d threads slept %d ms each in %lld ms in all\n", NSLEEPERS, SLEEP_MS,
	       (long long)(total / MS));
	CHECK(total >= SLEEP_MS * MS);
	/* One after another would take NSLEEPERS * SLEEP_MS. */
	CHECK(total < NSLEEPERS * SLEEP_MS * MS);
	printf("ok %d threads in nanosleep at once\n", NSLEEPERS);
}

static void *abs_sleeper(void *arg)
{
	(void)arg;
	int64_t deadline = now_ns(CLOCK_MONOTONIC) + 50 * MS;
	struct timespec ts = ts_of(deadline);
	int r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	int64_t late = now_ns(CLOCK_MONOTONIC) - deadline;
	return (void *)(intptr_t)(r == 0 ? late : -1);
}

static void test_abstime(void)
{
	pthread_t t;
	spawn(&t, abs_sleeper, NULL);
	void *ret = NULL;
	CHECK(pthread_join(t, &ret) == 0);
	int64_t late = (int64_t)(intptr_t)ret;
	printf("clock_nanosleep(TIMER_ABSTIME) woke %lld us after its deadline\n",
	       (long long)(late / 1000));
	CHECK(late >= 0 && late < 2000 * MS);
	printf("ok clock_nanosleep TIMER_ABSTIME in a thread\n");
}

struct timedwait {
	clockid_t clock;
	int64_t timeout_ms;
	int result;
	int64_t late_ns;       /* time past the deadline at return, on the same clock */
};

static void *timed_waiter(void *arg)
{
	struct timedwait *w = arg;
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_condattr_t ca;
	pthread_cond_t c;
	pthread_condattr_init(&ca);
	CHECK(pthread_condattr_setclock(&ca, w->clock) == 0);
	CHECK(pthread_cond_init(&c, &ca) == 0);
	pthread_mutex_lock(&m);
	int64_t deadline = now_ns(w->clock) + w->timeout_ms * MS;
	struct timespec ts = ts_of(deadline);
	/* Nobody signals: only the deadline ends the wait. */
	do
		w->result = pthread_cond_timedwait(&c, &m, &ts);
	while (w->result == 0);
	w->late_ns = now_ns(w->clock) - deadline;
	pthread_mutex_unlock(&m);
	pthread_cond_destroy(&c);
	return NULL;
}

static void test_timedwait(void)
{
	struct timedwait w[2] = {
		{ CLOCK_REALTIME, 200, -1, 0 },
		{ CLOCK_MONOTONIC, 150, -1, 0 },
	};
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		spawn(&t[i], timed_waiter, &w[i]);
	for (int i = 0; i < 2; i++) {
		CHECK(pthread_join(t[i], NULL) == 0);
		printf("pthread_cond_timedwait %s %lld ms: %s, %lld us after the deadline\n",
		       w[i].clock == CLOCK_REALTIME ? "CLOCK_REALTIME" : "CLOCK_MONOTONIC",
		       (long long)w[i].timeout_ms, strerror(w[i].result),
		       (long long)(w[i].late_ns / 1000));
		CHECK(w[i].result == ETIMEDOUT);
		CHECK(w[i].late_ns >= 0);
		CHECK(w[i].late_ns < 2000 * MS);
	}
	printf("ok pthread_cond_timedwait times out with ETIMEDOUT\n");
}

int main(void)
{
	test_one_sleeper();
	test_many_sleepers();
	test_abstime();
	test_timedwait();
	if (failures) {
		printf("%d checks failed\n", failures);
		return 1;
	}
	printf("SUCCESS\n");
	return 0;
}
