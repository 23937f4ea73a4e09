/* SPDX-License-Identifier: MIT */
/* smp_cpus_opt: toro.cpus=1 on 4 vCPUs: the program sees one core
 * (sysconf, get_nprocs, sched_getaffinity), cannot place a thread on core 1
 * (EINVAL) nor move one there, and threads, a mutex, a condition variable and
 * sleeps still work. The arguments are the cores expected and the vCPUs given;
 * smp_cpus_two, smp_cpus_zero and smp_cpus_junk run this file with other values. */
// expect-output: SUCCESS
// reject-output: toro: toro.cpus=
// machines: microvm q35
// pvh-machines: none
// smp: 4
// args: toro.cpus=1 -- 1 {smp}
// host-args: {smp} {smp}
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
#include <sys/sysinfo.h>
#include <toro/thread.h>

#define NTHREADS 4
#define ITERS 20000
#define PINGS 1000

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
	int r = toro_thread_create_on(t, cpu, fn, arg);
	if (r) {
		printf("FAIL: toro_thread_create_on(%d): %s\n", cpu, strerror(r));
		exit(1);
	}
}

static void *report_cpu(void *arg)
{
	(void)arg;
	struct timespec ts = { 0, 1000000 };
	nanosleep(&ts, NULL);
	return (void *)(intptr_t)sched_getcpu();
}

static void test_placement(void)
{
	pthread_t t[64];
	for (int c = 0; c < ncpu && c < 64; c++)
		spawn_on(&t[c], c, report_cpu, NULL);
	for (int c = 0; c < ncpu && c < 64; c++) {
		void *ret = NULL;
		CHECK(pthread_join(t[c], &ret) == 0);
		printf("thread placed on core %d ran on %d\n", c, (int)(intptr_t)ret);
#ifdef __toro__
		CHECK((int)(intptr_t)ret == c);
#endif
	}
	pthread_t bad;
	CHECK(toro_thread_create_on(&bad, ncpu, report_cpu, NULL) == EINVAL);
	printf("ok threads on cores 0..%d, core %d refused\n", ncpu - 1, ncpu);
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *incrementer(void *arg)
{
	(void)arg;
	for (int i = 0; i < ITERS; i++) {
		pthread_mutex_lock(&lock);
		long v = counter;
		__asm__ volatile("" ::: "memory");
		counter = v + 1;
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

static void test_mutex(void)
{
	pthread_t t[NTHREADS];
	for (int i = 0; i < NTHREADS; i++)
		spawn_on(&t[i], i % ncpu, incrementer, NULL);
	for (int i = 0; i < NTHREADS; i++)
		CHECK(pthread_join(t[i], NULL) == 0);
	printf("mutex counter %ld, expected %d\n", counter, NTHREADS * ITERS);
	CHECK(counter == NTHREADS * ITERS);
}

static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int turn;          /* 0: ping's turn, 1: pong's */

static void *pinger(void *arg)
{
	int me = (int)(intptr_t)arg;
	for (int i = 0; i < PINGS; i++) {
		pthread_mutex_lock(&lock);
		while (turn != me)
			pthread_cond_wait(&cond, &lock);
		turn = !me;
		pthread_cond_broadcast(&cond);
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

static void test_condvar(void)
{
	pthread_t a, b;
	spawn_on(&a, 0, pinger, (void *)0);
	spawn_on(&b, 1 % ncpu, pinger, (void *)1);
	CHECK(pthread_join(a, NULL) == 0);
	CHECK(pthread_join(b, NULL) == 0);
	printf("ok %d condition variable round trips between cores 0 and %d\n", PINGS, 1 % ncpu);
}

int main(int argc, char **argv)
{
	int want = argc > 1 ? atoi(argv[1]) : -1;
	int vcpus = argc > 2 ? atoi(argv[2]) : -1;
	ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t s;
	CPU_ZERO(&s);
	CHECK(sched_getaffinity(0, sizeof(s), &s) == 0);
	printf("%d vCPUs: sysconf %d, get_nprocs %d, affinity %d cores, expected %d\n", vcpus,
	       ncpu, get_nprocs(), CPU_COUNT(&s), want);
	CHECK(ncpu == want);
	CHECK(get_nprocs() == want);
	CHECK(toro_cpu_count() == want);
	CHECK(CPU_COUNT(&s) == want);
	for (int c = 0; c < want; c++)
		CHECK(CPU_ISSET(c, &s));
	if (ncpu < 1 || ncpu > 64) {
		printf("FAIL: cannot go on with %d cores\n", ncpu);
		return 1;
	}
	CHECK(sched_getcpu() < ncpu);
	if (ncpu < vcpus) {
		/* A vCPU the kernel leaves unused is not a core to move to. */
		cpu_set_t unused;
		CPU_ZERO(&unused);
		CPU_SET(ncpu, &unused);
		errno = 0;
		CHECK(sched_setaffinity(0, sizeof(unused), &unused) == -1 && errno == EINVAL);
	}
	test_placement();
	test_mutex();
	test_condvar();
	struct timespec ts = { 0, 10000000 };
	CHECK(nanosleep(&ts, NULL) == 0);
	if (failures) {
		printf("%d checks failed\n", failures);
		return 1;
	}
	printf("SUCCESS\n");
	return 0;
}
