/* SPDX-License-Identifier: MIT */
/* smp_mutex: 4 threads spread over the cores increment one plain counter
 * 100,000 times each under a pthread_mutex (futex wait/wake across cores): the
 * total is exactly 400,000; then 1,000,000 __atomic_fetch_add each: exactly
 * 4,000,000; pthread_mutex_trylock sees the lock held by a thread on another core.
 * The futex calls under it: EAGAIN for a changed word, ETIMEDOUT after the
 * timeout, EINVAL unaligned, EFAULT unmapped, FUTEX_WAKE counting the threads it
 * wakes on other cores, and FUTEX_WAKE on a word nobody waits on. */
// expect-output: SUCCESS
// machines: microvm q35
// pvh-machines: none
// smp: 2 4
// args: -- {smp}
// host-args: {smp}
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
#include <limits.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <toro/thread.h>

#define NTHREADS 4
#define MUTEX_ITERS 100000
#define ATOMIC_ITERS 1000000

static int failures;

#define CHECK(cond)                                                                    \
	do {                                                                           \
		if (!(cond)) {                                                         \
			printf("FAIL line %d: %s (errno %d %s)\n", __LINE__, #cond,    \
			       errno, strerror(errno));                                \
			__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED);            \
		}                                                                      \
	} while (0)

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;           /* only under lock */
static long atomic_counter;
static int ncpu;
static int ready;              /* threads waiting at the start line */
static int go;

struct slot {
	int index;
	int cpu_start, cpu_end;
	long mine;             /* increments this thread made under the lock */
};

static int64_t mono_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* All threads start together, so that they contend from the first iteration. */
static void start_line(void)
{
	__atomic_fetch_add(&ready, 1, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		sched_yield();
}

static void *mutex_worker(void *arg)
{
	struct slot *s = arg;
	s->cpu_start = sched_getcpu();
	start_line();
	for (int i = 0; i < MUTEX_ITERS; i++) {
		pthread_mutex_lock(&lock);
		/* A read-modify-write that a second owner would break. */
		long v = counter;
		__asm__ volatile("" ::: "memory");
		counter = v + 1;
		pthread_mutex_unlock(&lock);
		s->mine++;
	}
	s->cpu_end = sched_getcpu();
	return NULL;
}

static void *atomic_worker(void *arg)
{
	struct slot *s = arg;
	s->cpu_start = sched_getcpu();
	start_line();
	for (int i = 0; i < ATOMIC_ITERS; i++)
		__atomic_fetch_add(&atomic_counter, 1, __ATOMIC_SEQ_CST);
	s->cpu_end = sched_getcpu();
	return NULL;
}

static void run(const char *what, void *(*fn)(void *), struct slot *slots)
{
	pthread_t t[NTHREADS];
	__atomic_store_n(&ready, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&go, 0, __ATOMIC_SEQ_CST);
	for (int i = 0; i < NTHREADS; i++) {
		memset(&slots[i], 0, sizeof(slots[i]));
		slots[i].index = i;
		int r = toro_thread_create_on(&t[i], i % ncpu, fn, &slots[i]);
		if (r) {
			printf("FAIL: toro_thread_create_on(%d): %s\n", i % ncpu, strerror(r));
			exit(1);
		}
	}
	while (__atomic_load_n(&ready, __ATOMIC_SEQ_CST) < NTHREADS)
		sched_yield();
	int64_t t0 = mono_ns();
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < NTHREADS; i++)
		CHECK(pthread_join(t[i], NULL) == 0);
	int64_t ms = (mono_ns() - t0) / 1000000;
	printf("%s: %d threads on cores", what, NTHREADS);
	for (int i = 0; i < NTHREADS; i++)
		printf(" %d", slots[i].cpu_start);
	printf(", %lld ms\n", (long long)ms);
#ifdef __toro__
	for (int i = 0; i < NTHREADS; i++) {
		CHECK(slots[i].cpu_start == i % ncpu);
		CHECK(slots[i].cpu_end == slots[i].cpu_start);
	}
#endif
}

static void *trylock_worker(void *arg)
{
	(void)arg;
	int r = pthread_mutex_trylock(&lock);
	if (r == 0)
		pthread_mutex_unlock(&lock);
	return (void *)(intptr_t)r;
}

/* A trylock from another core while this thread holds the lock: EBUSY. */
static void test_trylock(void)
{
	pthread_t t;
	void *ret = NULL;
	CHECK(pthread_mutex_lock(&lock) == 0);
	int r = toro_thread_create_on(&t, ncpu - 1, trylock_worker, NULL);
	CHECK(r == 0);
	if (r == 0) {
		CHECK(pthread_join(t, &ret) == 0);
		CHECK((intptr_t)ret == EBUSY);
	}
	CHECK(pthread_mutex_unlock(&lock) == 0);
	r = toro_thread_create_on(&t, ncpu - 1, trylock_worker, NULL);
	CHECK(r == 0);
	if (r == 0) {
		CHECK(pthread_join(t, &ret) == 0);
		CHECK((intptr_t)ret == 0);
	}
	printf("ok trylock from core %d: EBUSY while held, 0 when free\n", ncpu - 1);
}

/* From the Linux ABI (musl's headers do not carry <linux/futex.h>). */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_WAIT_PRIVATE (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)

static long futex(void *addr, int op, int val, const struct timespec *ts)
{
	return syscall(SYS_futex, addr, op, val, ts, NULL, 0);
}

static int fword;
static int futex_waiting;

static void *futex_waiter(void *arg)
{
	(void)arg;
	__atomic_fetch_add(&futex_waiting, 1, __ATOMIC_SEQ_CST);
	/* Only a FUTEX_WAKE ends this: fword stays 0. */
	long r;
	do
		r = futex(&fword, FUTEX_WAIT_PRIVATE, 0, NULL);
	while (r == -1 && errno == EINTR);
	return (void *)(intptr_t)(r == 0 ? 0 : errno);
}

static void test_futex(void)
{
	int word = 5;
	errno = 0;
	CHECK(futex(&word, FUTEX_WAIT, 4, NULL) == -1 && errno == EAGAIN);
	errno = 0;
	CHECK(futex(&word, FUTEX_WAIT_PRIVATE, 4, NULL) == -1 && errno == EAGAIN);
	struct timespec ts = { 0, 50000000 };
	int64_t t0 = mono_ns();
	errno = 0;
	CHECK(futex(&word, FUTEX_WAIT_PRIVATE, 5, &ts) == -1 && errno == ETIMEDOUT);
	int64_t waited = mono_ns() - t0;
	CHECK(waited >= 50000000 && waited < 2000000000);
	char *p = (char *)&word;
	errno = 0;
	CHECK(futex(p + 1, FUTEX_WAIT_PRIVATE, 5, &ts) == -1 && errno == EINVAL);
	void *hole = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(hole != MAP_FAILED);
	munmap(hole, 4096);
	errno = 0;
	CHECK(futex(hole, FUTEX_WAIT_PRIVATE, 0, &ts) == -1 && errno == EFAULT);
	CHECK(futex(&word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL) == 0);
	printf("futex: EAGAIN, ETIMEDOUT after %lld ms, EINVAL, EFAULT, nobody to wake\n",
	       (long long)(waited / 1000000));

	/* Three waiters on other cores, woken one FUTEX_WAKE(1) at a time. */
	pthread_t t[3];
	for (int i = 0; i < 3; i++) {
		int r = toro_thread_create_on(&t[i], (i + 1) % ncpu, futex_waiter, NULL);
		if (r) {
			printf("FAIL: toro_thread_create_on: %s\n", strerror(r));
			exit(1);
		}
	}
	while (__atomic_load_n(&futex_waiting, __ATOMIC_SEQ_CST) < 3)
		sched_yield();
	struct timespec ms = { 0, 1000000 };
	nanosleep(&ms, NULL);
	long woken = 0;
	int64_t deadline = mono_ns() + 20000000000LL;
	while (woken < 3 && mono_ns() < deadline) {
		long n = futex(&fword, FUTEX_WAKE_PRIVATE, 1, NULL);
		CHECK(n >= 0 && n <= 1);
		if (n > 0)
			woken += n;
		else
			nanosleep(&ms, NULL);
	}
	for (int i = 0; i < 3; i++) {
		void *ret = (void *)1;
		CHECK(pthread_join(t[i], &ret) == 0);
		CHECK(ret == NULL);
	}
	CHECK(woken == 3);
	CHECK(futex(&fword, FUTEX_WAKE_PRIVATE, INT_MAX, NULL) == 0);
	printf("ok futex: %ld waiters on other cores woken one at a time\n", woken);
}

int main(int argc, char **argv)
{
	int want = argc > 1 ? atoi(argv[1]) : -1;
	ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	CHECK(ncpu == want);
	if (ncpu < 1) {
		printf("FAIL: %d cpus\n", ncpu);
		return 1;
	}
	struct slot slots[NTHREADS];

	run("mutex", mutex_worker, slots);
	long sum = 0;
	for (int i = 0; i < NTHREADS; i++)
		sum += slots[i].mine;
	printf("mutex counter %ld, expected %d (per-thread sum %ld)\n", counter,
	       NTHREADS * MUTEX_ITERS, sum);
	CHECK(counter == (long)NTHREADS * MUTEX_ITERS);
	CHECK(sum == (long)NTHREADS * MUTEX_ITERS);

	run("atomic", atomic_worker, slots);
	printf("atomic counter %ld, expected %d\n", atomic_counter, NTHREADS * ATOMIC_ITERS);
	CHECK(atomic_counter == (long)NTHREADS * ATOMIC_ITERS);

	test_trylock();
	test_futex();

	if (failures) {
		printf("%d checks failed\n", failures);
		return 1;
	}
	printf("SUCCESS\n");
	return 0;
}
