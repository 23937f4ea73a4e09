/* SPDX-License-Identifier: MIT */
/* smp_condvar: producers and consumers on different cores pass 10,000 items
 * through a bounded queue of 16 with pthread_cond_wait/signal (the end is told
 * by pthread_cond_broadcast): every item arrives exactly once (count, sum and
 * sum of squares). Then waiters on every core released by one broadcast, and a
 * pthread_barrier of 4 threads over 200 rounds. */
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
#include <unistd.h>
#include <toro/thread.h>

#define NPRODUCERS 2
#define NCONSUMERS 2
#define NITEMS 10000           /* in all, split between the producers */
#define QSIZE 16
#define NWAITERS 4
#define BARRIER_THREADS 4
#define BARRIER_ROUNDS 200

static int failures;

#define CHECK(cond)                                                                    \
	do {                                                                           \
		if (!(cond)) {                                                         \
			printf("FAIL line %d: %s (errno %d %s)\n", __LINE__, #cond,    \
			       errno, strerror(errno));                                \
			__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED);            \
		}                                                                      \
	} while (0)

static int ncpu;

static void spawn_on(pthread_t *t, int cpu, void *(*fn)(void *), void *arg)
{
	int r = toro_thread_create_on(t, cpu % ncpu, fn, arg);
	if (r) {
		printf("FAIL: toro_thread_create_on(%d): %s\n", cpu % ncpu, strerror(r));
		exit(1);
	}
}

/* ---- bounded queue ---- */

static pthread_mutex_t qlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static uint32_t queue[QSIZE];
static int qhead, qcount;
static int producers_done;
static int max_seen_count;

struct consumer {
	long count;
	uint64_t sum, sumsq;
	int cpu;
};

static void *producer(void *arg)
{
	int p = (int)(intptr_t)arg;
	for (int i = 0; i < NITEMS / NPRODUCERS; i++) {
		uint32_t item = (uint32_t)(p * (NITEMS / NPRODUCERS) + i + 1); /* 1..NITEMS */
		pthread_mutex_lock(&qlock);
		while (qcount == QSIZE)
			pthread_cond_wait(&not_full, &qlock);
		queue[(qhead + qcount) % QSIZE] = item;
		qcount++;
		if (qcount > max_seen_count)
			max_seen_count = qcount;
		pthread_cond_signal(&not_empty);
		pthread_mutex_unlock(&qlock);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	struct consumer *c = arg;
	c->cpu = sched_getcpu();
	for (;;) {
		pthread_mutex_lock(&qlock);
		while (qcount == 0 && !producers_done)
			pthread_cond_wait(&not_empty, &qlock);
		if (qcount == 0) {
			pthread_mutex_unlock(&qlock);
			break;
		}
		uint32_t item = queue[qhead];
		qhead = (qhead + 1) % QSIZE;
		qcount--;
		pthread_cond_signal(&not_full);
		pthread_mutex_unlock(&qlock);
		c->count++;
		c->sum += item;
		c->sumsq += (uint64_t)item * item;
	}
	return NULL;
}

static void test_queue(void)
{
	pthread_t prod[NPRODUCERS], cons[NCONSUMERS];
	struct consumer cs[NCONSUMERS];
	memset(cs, 0, sizeof(cs));
	/* Consumers first, on the cores after the producers'. */
	for (int i = 0; i < NCONSUMERS; i++)
		spawn_on(&cons[i], NPRODUCERS + i, consumer, &cs[i]);
	for (int i = 0; i < NPRODUCERS; i++)
		spawn_on(&prod[i], i, producer, (void *)(intptr_t)i);
	/* Joined while the consumers still work on the last items. */
	for (int i = 0; i < NPRODUCERS; i++)
		CHECK(pthread_join(prod[i], NULL) == 0);
	pthread_mutex_lock(&qlock);
	producers_done = 1;
	pthread_cond_broadcast(&not_empty);
	pthread_mutex_unlock(&qlock);
	for (int i = 0; i < NCONSUMERS; i++)
		CHECK(pthread_join(cons[i], NULL) == 0);

	long count = 0;
	uint64_t sum = 0, sumsq = 0, n = NITEMS;
	for (int i = 0; i < NCONSUMERS; i++) {
		printf("consumer on core %d: %ld items\n", cs[i].cpu, cs[i].count);
		count += cs[i].count;
		sum += cs[i].sum;
		sumsq += cs[i].sumsq;
	}
	uint64_t want_sum = n * (n + 1) / 2, want_sumsq = n * (n + 1) * (2 * n + 1) / 6;
	printf("items %ld (want %d), sum %llu (want %llu), sum of squares %llu (want %llu), "
	       "queue reached %d of %d\n",
	       count, NITEMS, (unsigned long long)sum, (unsigned long long)want_sum,
	       (unsigned long long)sumsq, (unsigned long long)want_sumsq, max_seen_count, QSIZE);
	CHECK(count == NITEMS);
	CHECK(sum == want_sum);
	CHECK(sumsq == want_sumsq);
	CHECK(qcount == 0);
	CHECK(max_seen_count <= QSIZE);
	printf("ok %d items through a queue of %d, %d producers, %d consumers\n", NITEMS, QSIZE,
	       NPRODUCERS, NCONSUMERS);
}

/* ---- one broadcast wakes waiters on every core ---- */

static pthread_mutex_t glock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static int gate_open, waiting;

static void *gate_waiter(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&glock);
	waiting++;
	while (!gate_open)
		pthread_cond_wait(&gate_cond, &glock);
	waiting--;
	pthread_mutex_unlock(&glock);
	return NULL;
}

static void test_broadcast(void)
{
	pthread_t t[NWAITERS];
	for (int i = 0; i < NWAITERS; i++)
		spawn_on(&t[i], i, gate_waiter, NULL);
	for (;;) {
		pthread_mutex_lock(&glock);
		int w = waiting;
		pthread_mutex_unlock(&glock);
		if (w == NWAITERS)
			break;
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	pthread_mutex_lock(&glock);
	gate_open = 1;
	pthread_cond_broadcast(&gate_cond);
	pthread_mutex_unlock(&glock);
	for (int i = 0; i < NWAITERS; i++)
		CHECK(pthread_join(t[i], NULL) == 0);
	CHECK(waiting == 0);
	printf("ok one broadcast released %d waiters\n", NWAITERS);
}

/* ---- barrier ---- */

static pthread_barrier_t barrier;
static int round_of[BARRIER_THREADS];
static int serials;

static void *barrier_worker(void *arg)
{
	int me = (int)(intptr_t)arg;
	long bad = 0;
	for (int r = 1; r <= BARRIER_ROUNDS; r++) {
		__atomic_store_n(&round_of[me], r, __ATOMIC_RELAXED);
		int x = pthread_barrier_wait(&barrier);
		if (x == PTHREAD_BARRIER_SERIAL_THREAD)
			__atomic_fetch_add(&serials, 1, __ATOMIC_RELAXED);
		else if (x != 0)
			bad++;
		/* Everyone wrote this round before anyone got past the barrier. */
		for (int i = 0; i < BARRIER_THREADS; i++)
			if (__atomic_load_n(&round_of[i], __ATOMIC_RELAXED) != r)
				bad++;
		pthread_barrier_wait(&barrier);
	}
	return (void *)bad;
}

static void test_barrier(void)
{
	pthread_t t[BARRIER_THREADS];
	CHECK(pthread_barrier_init(&barrier, NULL, BARRIER_THREADS) == 0);
	for (int i = 0; i < BARRIER_THREADS; i++)
		spawn_on(&t[i], i, barrier_worker, (void *)(intptr_t)i);
	long bad = 0;
	for (int i = 0; i < BARRIER_THREADS; i++) {
		void *ret = NULL;
		CHECK(pthread_join(t[i], &ret) == 0);
		bad += (long)ret;
	}
	printf("barrier: %d rounds, %d serial threads (want one a round), %ld mistakes\n",
	       BARRIER_ROUNDS, serials, bad);
	CHECK(serials == BARRIER_ROUNDS);
	CHECK(bad == 0);
	CHECK(pthread_barrier_destroy(&barrier) == 0);
	printf("ok barrier of %d threads\n", BARRIER_THREADS);
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
	test_queue();
	test_broadcast();
	test_barrier();
	if (failures) {
		printf("%d checks failed\n", failures);
		return 1;
	}
	printf("SUCCESS\n");
	return 0;
}
