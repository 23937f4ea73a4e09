/* SPDX-License-Identifier: MIT */
/* thread_signal: faults are delivered to the thread that caused them. Two
 * threads on different cores (when there are two) fault over and over inside
 * their own TRY blocks, one with SIGSEGV (NULL and a read-only page), the other
 * with SIGFPE, each catching exactly its own, while a third thread keeps
 * counting and the main thread waits in pthread_join. */
// expect-output: SUCCESS
// machines: microvm q35
// pvh-machines: none
// smp: 1 2
// host-args: -
// mem: 64
// timeout: 60
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <toro/except.h>
#include <toro/thread.h>

#define ROUNDS 200

static int failures;

#define CHECK(cond)                                                                    \
	do {                                                                           \
		if (!(cond)) {                                                         \
			printf("FAIL line %d: %s (errno %d %s)\n", __LINE__, #cond,    \
			       errno, strerror(errno));                                \
			__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED);            \
		}                                                                      \
	} while (0)

static const int readonly_word = 5;
static volatile int faulters_done;
static volatile uint64_t counted;

struct result {
	int caught, wrong, missed, cpu;
};

/* One fault in a TRY block: a write through p (SIGSEGV expected). */
static void segv_once(struct result *r, volatile int *p, int value)
{
	volatile int reached_end = 0;
	TRY {
		*p = value;
		reached_end = 1;
	} EXCEPT(sig) {
		if (sig == SIGSEGV && toro_except_addr() == (void *)p)
			r->caught++;
		else
			r->wrong++;
	}
	if (reached_end)
		r->missed++;
}

/* One divide by zero in a TRY block (SIGFPE expected). */
static void fpe_once(struct result *r, int value)
{
	volatile int zero = 0, q = 0, reached_end = 0;
	TRY {
		q = value / zero;
		reached_end = 1;
	} EXCEPT(sig) {
		if (sig == SIGFPE)
			r->caught++;
		else
			r->wrong++;
	}
	(void)q;
	if (reached_end)
		r->missed++;
}

static void *segv_thread(void *arg)
{
	struct result *r = arg;
	r->cpu = sched_getcpu();
	for (int i = 0; i < ROUNDS; i++) {
		segv_once(r, (i & 1) ? (volatile int *)&readonly_word : (volatile int *)0, i);
		if (i % 50 == 0)
			sched_yield();
	}
	__atomic_fetch_add(&faulters_done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void *fpe_thread(void *arg)
{
	struct result *r = arg;
	r->cpu = sched_getcpu();
	for (int i = 0; i < ROUNDS; i++) {
		fpe_once(r, 1000 + i);
		if (i % 50 == 0)
			sched_yield();
	}
	__atomic_fetch_add(&faulters_done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* Keeps running, with system calls now and then, while the others fault. */
static void *counter_thread(void *arg)
{
	(void)arg;
	while (faulters_done < 2) {
		counted++;
		if (counted % 1000 == 0) {
			struct timespec ts = { 0, 100000 };
			nanosleep(&ts, NULL);
		}
	}
	return NULL;
}

int main(void)
{
	int ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu < 1)
		ncpu = 1;
	struct result segv = { 0 }, fpe = { 0 };
	pthread_t ts, tf, tc;
	int r = toro_thread_create_on(&tc, 0, counter_thread, NULL);
	if (r == 0)
		r = toro_thread_create_on(&ts, 0, segv_thread, &segv);
	if (r == 0)
		r = toro_thread_create_on(&tf, 1 % ncpu, fpe_thread, &fpe);
	if (r) {
		printf("FAIL: creating threads: %s\n", strerror(r));
		return 1;
	}
	CHECK(pthread_join(ts, NULL) == 0);
	CHECK(pthread_join(tf, NULL) == 0);
	CHECK(pthread_join(tc, NULL) == 0);
	printf("SIGSEGV thread on core %d: %d caught, %d wrong, %d not faulted\n", segv.cpu,
	       segv.caught, segv.wrong, segv.missed);
	printf("SIGFPE thread on core %d: %d caught, %d wrong, %d not faulted\n", fpe.cpu,
	       fpe.caught, fpe.wrong, fpe.missed);
	printf("counting thread: %llu loops\n", (unsigned long long)counted);
	CHECK(segv.caught == ROUNDS && segv.wrong == 0 && segv.missed == 0);
	CHECK(fpe.caught == ROUNDS && fpe.wrong == 0 && fpe.missed == 0);
	CHECK(counted > 0);

	/* The main thread's own TRY still works, and no fault leaked to it. */
	volatile int caught = 0;
	TRY {
		*(volatile int *)0 = 1;
	} EXCEPT(sig) {
		caught = sig;
	}
	CHECK(caught == SIGSEGV);
	if (failures) {
		printf("%d checks failed\n", failures);
		return 1;
	}
	printf("SUCCESS\n");
	return 0;
}
