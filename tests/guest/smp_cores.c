/* SPDX-License-Identifier: MIT */
/* smp_cores: one thread on each core with toro_thread_create_on: every thread
 * runs on the core it was placed on and stays there, all of them run at the same
 * time, the cores seen are exactly 0..N-1 with N = sysconf(_SC_NPROCESSORS_ONLN)
 * = the vCPU count (argv[1]), and a thread created by one of them lands on its
 * creator's core; 256 short threads in rounds of 16 spread over the cores, each
 * on its core. Also booted via PVH, whose entry leaves the CPU differently. */
// expect-output: SUCCESS
// machines: microvm q35
// pvh-machines: microvm
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

#define MAXCPU 64

static int failures;

#define CHECK(cond)                                                                    \
	do {                                                                           \
		if (!(cond)) {                                                         \
			printf("FAIL line %d: %s (errno %d %s)\n", __LINE__, #cond,    \
			       errno, strerror(errno));                                \
			__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED);            \
		}                                                                      \
	} while (0)

struct slot {
	int want;          /* the core it was placed on */
	int cpu[4];        /* sched_getcpu at start, after yield, after sleep, at the end */
	int child_cpu;     /* where its own (default-placed) thread ran */
	int met;           /* 1 if all N threads were running at once */
};

static struct slot slots[MAXCPU];
static int ncpu;
static int arrived;

static int64_t mono_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void *child(void *arg)
{
	(void)arg;
	return (void *)(intptr_t)sched_getcpu();
}

static void *worker(void *arg)
{
	struct slot *s = arg;
	s->cpu[0] = sched_getcpu();
	/* Spin until every thread has arrived: only threads on distinct cores,
	 * all running at once, get here without preemption (and preemption is
	 * fine too: the check is that all N run, and end, within 20 s). */
	__atomic_fetch_add(&arrived, 1, __ATOMIC_SEQ_CST);
	int64_t deadline = mono_ms() + 20000;
	while (__atomic_load_n(&arrived, __ATOMIC_SEQ_CST) < ncpu && mono_ms() < deadline)
		;
	s->met = __atomic_load_n(&arrived, __ATOMIC_SEQ_CST) >= ncpu;
	sched_yield();
	s->cpu[1] = sched_getcpu();
	struct timespec ts = { 0, 2000000 };
	nanosleep(&ts, NULL);
	s->cpu[2] = sched_getcpu();
	pthread_t t;
	void *ret = (void *)(intptr_t)-2;
	int r = pthread_create(&t, NULL, child, NULL);
	CHECK(r == 0);
	if (r == 0)
		CHECK(pthread_join(t, &ret) == 0);
	s->child_cpu = (int)(intptr_t)ret;
	/* Some work without system calls, then look again. */
	volatile uint64_t x = 0;
	for (int i = 0; i < 200000; i++)
		x += (uint64_t)i * i;
	s->cpu[3] = sched_getcpu();
	return NULL;
}

int main(int argc, char **argv)
{
	int want = argc > 1 ? atoi(argv[1]) : -1;
	ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	printf("cpus online %d, expected %d\n", ncpu, want);
	CHECK(ncpu == want);
	CHECK(toro_cpu_count() == ncpu);
	if (ncpu < 1 || ncpu > MAXCPU) {
		printf("FAIL: cannot go on with %d cpus\n", ncpu);
		return 1;
	}
	int main_cpu = sched_getcpu();
	CHECK(main_cpu >= 0 && main_cpu < ncpu);

	/* The thread for the main thread's core last, so that its spinning does
	 * not keep the others from being created. */
	pthread_t t[MAXCPU];
	for (int i = 1; i <= ncpu; i++) {
		int c = (main_cpu + i) % ncpu;
		if (c < 0)
			c += ncpu;
		slots[c].want = c;
		int r = toro_thread_create_on(&t[c], c, worker, &slots[c]);
		if (r) {
			printf("FAIL: toro_thread_create_on(%d): %s\n", c, strerror(r));
			return 1;
		}
	}
	for (int c = 0; c < ncpu; c++)
		CHECK(pthread_join(t[c], NULL) == 0);
#ifdef __toro__
	CHECK(sched_getcpu() == main_cpu); /* Linux moves threads as it likes */
#endif

	uint64_t seen = 0;
	for (int c = 0; c < ncpu; c++) {
		struct slot *s = &slots[c];
		printf("thread placed on %d: ran on %d %d %d %d, its child on %d%s\n", c,
		       s->cpu[0], s->cpu[1], s->cpu[2], s->cpu[3], s->child_cpu,
		       s->met ? "" : ", never saw all threads running");
		CHECK(s->met);
		for (int i = 0; i < 4; i++) {
			CHECK(s->cpu[i] >= 0 && s->cpu[i] < ncpu);
			if (s->cpu[i] >= 0 && s->cpu[i] < 64)
				seen |= 1ull << s->cpu[i];
#ifdef __toro__
			CHECK(s->cpu[i] == c);
#endif
		}
#ifdef __toro__
		CHECK(s->child_cpu == c);
#endif
	}
#ifdef __toro__
	uint64_t all = ncpu == 64 ? ~0ull : (1ull << ncpu) - 1;
	if (seen != all)
		printf("FAIL: cores seen %#llx, expected %#llx\n", (unsigned long long)seen,
		       (unsigned long long)all);
	CHECK(seen == all);
#endif
	printf("ok %d threads on cores 0..%d, cores seen %#llx\n", ncpu, ncpu - 1,
	       (unsigned long long)seen);

	/* Many short threads: creation, exit and stack reuse on every core. */
	int misplaced = 0;
	for (int round = 0; round < 16; round++) {
		pthread_t t16[16];
		for (int i = 0; i < 16; i++) {
			int r = toro_thread_create_on(&t16[i], (round + i) % ncpu, child, NULL);
			if (r) {
				printf("FAIL: toro_thread_create_on, round %d: %s\n", round, strerror(r));
				return 1;
			}
		}
		for (int i = 0; i < 16; i++) {
			void *ret = (void *)(intptr_t)-2;
			CHECK(pthread_join(t16[i], &ret) == 0);
			misplaced += (int)(intptr_t)ret != (round + i) % ncpu;
		}
	}
#ifdef __toro__
	CHECK(misplaced == 0);
#endif
	printf("ok 256 threads in rounds of 16, %d not on their core\n", misplaced);

	pthread_t bad;
	CHECK(toro_thread_create_on(&bad, ncpu, worker, NULL) == EINVAL);
	CHECK(toro_thread_create_on(&bad, -1, worker, NULL) == EINVAL);
	printf("ok cores -1 and %d refused with EINVAL\n", ncpu);

	if (failures) {
		printf("%d checks failed\n", failures);
		return 1;
	}
	printf("SUCCESS\n");
	return 0;
}
