/* SPDX-License-Identifier: MIT */
/* thread_preempt: preemption within a core. A spinner (a volatile loop, no
 * system calls, never ends) shares the main thread's core with a worker that
 * prints, sleeps and computes: the worker still finishes, its 20 ms sleeps end
 * within 2 s, the spinner gets its share too, and the main thread ends the
 * program with exit(0) while the spinner still spins. */
// expect-output: SUCCESS
// expect-output: worker step 5 of 5
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

#define MS 1000000LL
#define STEPS 5

static int failures;

#define CHECK(cond)                                                                    \
	do {                                                                           \
		if (!(cond)) {                                                         \
			printf("FAIL line %d: %s (errno %d %s)\n", __LINE__, #cond,    \
			       errno, strerror(errno));                                \
			__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED);            \
		}                                                                      \
	} while (0)

static int64_t mono_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static volatile uint64_t spins;
static volatile int spinner_cpu = -2;
static volatile int spinner_started;

static void *spinner(void *arg)
{
	(void)arg;
	spinner_cpu = sched_getcpu();
	spinner_started = 1;
	for (;;)
		spins++;
	return NULL;
}

static void *worker(void *arg)
{
	(void)arg;
	int cpu = sched_getcpu();
	int64_t worst = 0;
	for (int i = 1; i <= STEPS; i++) {
		printf("worker step %d of %d on core %d\n", i, STEPS, cpu);
		struct timespec ts = { 0, 20 * MS };
		int64_t t0 = mono_ns();
		CHECK(nanosleep(&ts, NULL) == 0);
		int64_t dt = mono_ns() - t0;
		if (dt > worst)
			worst = dt;
		/* Work without system calls: only preemption lets it finish while
		 * the spinner is runnable on the same core. */
		volatile uint64_t x = 0;
		for (int k = 0; k < 300000; k++)
			x += (uint64_t)k;
	}
	printf("worker: longest 20 ms sleep took %lld ms\n", (long long)(worst / MS));
	CHECK(worst >= 20 * MS);
	CHECK(worst < 2000 * MS);
#ifdef __toro__
	CHECK(sched_getcpu() == cpu);
#endif
	return (void *)(intptr_t)cpu;
}

int main(void)
{
	int main_cpu = sched_getcpu();
	pthread_t s, w;
	int r = pthread_create(&s, NULL, spinner, NULL);
	if (r) {
		printf("FAIL: pthread_create: %s\n", strerror(r));
		return 1;
	}
	/* Give the spinner the core: a 10 ms sleep lets it run. */
	int64_t t0 = mono_ns();
	while (!spinner_started && mono_ns() - t0 < 10000 * MS) {
		struct timespec ts = { 0, 10 * MS };
		nanosleep(&ts, NULL);
	}
	CHECK(spinner_started);
	printf("spinner running on core %d (main on %d)\n", spinner_cpu, main_cpu);

	r = pthread_create(&w, NULL, worker, NULL);
	if (r) {
		printf("FAIL: pthread_create: %s\n", strerror(r));
		return 1;
	}
	void *ret = NULL;
	CHECK(pthread_join(w, &ret) == 0);
	int worker_cpu = (int)(intptr_t)ret;
#ifdef __toro__
	/* Default placement: all three on the main thread's core. */
	CHECK(spinner_cpu == main_cpu);
	CHECK(worker_cpu == main_cpu);
#endif
	printf("ok worker on core %d finished beside the spinner\n", worker_cpu);

	/* The spinner keeps getting time as well. */
	uint64_t a = spins;
	struct timespec ts = { 0, 50 * MS };
	nanosleep(&ts, NULL);
	uint64_t b = spins;
	printf("spinner: %llu loops in 50 ms\n", (unsigned long long)(b - a));
	CHECK(b > a);

	/* Computing here too needs preemption to come back from the spinner. */
	volatile uint64_t x = 0;
	for (int k = 0; k < 300000; k++)
		x += (uint64_t)k;
#ifdef __toro__
	CHECK(sched_getcpu() == main_cpu);
#endif

	if (failures) {
		printf("%d checks failed\n", failures);
		exit(1);
	}
	printf("SUCCESS\n");
	exit(0); /* with the spinner still spinning */
}
