/* SPDX-License-Identifier: MIT */
/* thread_exit: the main thread calls pthread_exit while three threads (one on
 * each core, round robin) still run: they go on, one of them joins another and
 * gets its pthread_exit value, and the program ends, with status 0, when the
 * last of them ends. */
// expect-output: SUCCESS
// expect-output: main thread: pthread_exit
// reject-output: FAIL
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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <toro/thread.h>

#define NTHREADS 3

static int failures;
static int ended;
static pthread_t threads[NTHREADS];
static int main_gone;

#define CHECK(cond)                                                                    \
	do {                                                                           \
		if (!(cond)) {                                                         \
			printf("FAIL line %d: %s (errno %d %s)\n", __LINE__, #cond,    \
			       errno, strerror(errno));                                \
			__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED);            \
		}                                                                      \
	} while (0)

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* The last thread to end reports; musl then ends the program with status 0. */
static void thread_done(int me)
{
	if (__atomic_add_fetch(&ended, 1, __ATOMIC_SEQ_CST) != NTHREADS)
		return;
	CHECK(__atomic_load_n(&main_gone, __ATOMIC_SEQ_CST));
	if (failures) {
		printf("%d checks failed\n", failures);
		exit(1);
	}
	printf("thread %d is the last one\nSUCCESS\n", me);
	fflush(stdout);
}

static void *worker(void *arg)
{
	int me = (int)(intptr_t)arg;
	/* Run on after the main thread has gone. */
	for (int i = 0; i < 200 && !__atomic_load_n(&main_gone, __ATOMIC_SEQ_CST); i++)
		sleep_ms(10);
	for (int i = 0; i < 3; i++) {
		printf("thread %d on core %d: still running (%d)\n", me, sched_getcpu(), i);
		sleep_ms(20 + 10 * me);
	}
	if (me == 1) {
		/* Joins thread 0, which ends through pthread_exit with a value. */
		void *ret = NULL;
		CHECK(pthread_join(threads[0], &ret) == 0);
		CHECK((intptr_t)ret == 1234);
		printf("thread 1 joined thread 0: %ld\n", (long)(intptr_t)ret);
	}
	thread_done(me);
	if (me == 0)
		pthread_exit((void *)(intptr_t)1234);
	return NULL;
}

int main(void)
{
	int ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu < 1)
		ncpu = 1;
	for (int i = 0; i < NTHREADS; i++) {
		int r = toro_thread_create_on(&threads[i], i % ncpu, worker, (void *)(intptr_t)i);
		if (r) {
			printf("FAIL: toro_thread_create_on(%d): %s\n", i % ncpu, strerror(r));
			return 1;
		}
	}
	CHECK(pthread_detach(threads[2]) == 0);
	printf("main thread: pthread_exit\n");
	fflush(stdout);
	__atomic_store_n(&main_gone, 1, __ATOMIC_SEQ_CST);
	pthread_exit(NULL);
}
