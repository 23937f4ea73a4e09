/* SPDX-License-Identifier: MIT */
/* smp_affinity: sched_getaffinity shows every core; pthread_setaffinity_np on
 * itself moves a thread to the core asked for (sched_getcpu says so, and it stays
 * there), on another, blocked thread moves that one, sched_setaffinity moves the
 * main thread and back; a mask of two cores puts the thread on one of them; an
 * empty mask or one naming only cores that do not exist gives EINVAL; getcpu. */
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
#include <sys/syscall.h>
#include <toro/thread.h>

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

static cpu_set_t one_cpu(int c)
{
	cpu_set_t s;
	CPU_ZERO(&s);
	CPU_SET(c, &s);
	return s;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { 0, ms * 1000000L };
	nanosleep(&ts, NULL);
}

static void test_getaffinity(void)
{
	cpu_set_t s;
	CPU_ZERO(&s);
	CHECK(sched_getaffinity(0, sizeof(s), &s) == 0);
	printf("sched_getaffinity: %d cores:", CPU_COUNT(&s));
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &s))
			printf(" %d", c);
	printf("\n");
	CHECK(CPU_COUNT(&s) == ncpu);
	for (int c = 0; c < ncpu; c++)
		CHECK(CPU_ISSET(c, &s));
	cpu_set_t p;
	CPU_ZERO(&p);
	CHECK(pthread_getaffinity_np(pthread_self(), sizeof(p), &p) == 0);
	CHECK(CPU_EQUAL(&p, &s));
	printf("ok sched_getaffinity shows all %d cores\n", ncpu);
}

static void test_getcpu(void)
{
	unsigned cpu = 99, node = 99;
	CHECK(syscall(SYS_getcpu, &cpu, &node, NULL) == 0);
#ifdef __toro__
	CHECK((int)cpu == sched_getcpu()); /* Linux may move it in between */
#endif
	CHECK((int)cpu < ncpu);
	CHECK(node == 0);
	/* Either pointer may be NULL. */
	CHECK(syscall(SYS_getcpu, NULL, &node, NULL) == 0);
	CHECK(syscall(SYS_getcpu, &cpu, NULL, NULL) == 0);
	printf("ok getcpu: core %u, node %u\n", cpu, node);
}

/* Moves itself from its start core to arg's core. */
static void *self_mover(void *arg)
{
	int to = (int)(intptr_t)arg;
	int from = sched_getcpu();
	cpu_set_t s = one_cpu(to);
	int r = pthread_setaffinity_np(pthread_self(), sizeof(s), &s);
	int now = sched_getcpu();
	sched_yield();
	sleep_ms(2);
	volatile uint64_t x = 0;
	for (int i = 0; i < 100000; i++)
		x += (uint64_t)i;
	int later = sched_getcpu();
	printf("thread moved itself from core %d to %d: now on %d, later on %d\n", from, to,
	       now, later);
	CHECK(r == 0);
	CHECK(now == to);
	CHECK(later == to);
	cpu_set_t g;
	CPU_ZERO(&g);
	CHECK(pthread_getaffinity_np(pthread_self(), sizeof(g), &g) == 0);
	CHECK(CPU_EQUAL(&g, &s));
	return NULL;
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int parked, released;
static int parked_cpu_before = -2, parked_cpu_after = -2;

/* Waits on a condition variable until the main thread has moved it. */
static void *parked_thread(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	parked_cpu_before = sched_getcpu();
	parked = 1;
	pthread_cond_broadcast(&cond);
	while (!released)
		pthread_cond_wait(&cond, &lock);
	parked_cpu_after = sched_getcpu();
	pthread_mutex_unlock(&lock);
	return NULL;
}

static void test_move_self(void)
{
	pthread_t t;
	int to = ncpu - 1;
	spawn_on(&t, 0, self_mover, (void *)(intptr_t)to);
	CHECK(pthread_join(t, NULL) == 0);
	printf("ok pthread_setaffinity_np moved a thread to core %d\n", to);
}

static void test_move_other(void)
{
	pthread_t t;
	int to = 1;
	spawn_on(&t, 0, parked_thread, NULL);
	pthread_mutex_lock(&lock);
	while (!parked)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	cpu_set_t s = one_cpu(to);
	CHECK(pthread_setaffinity_np(t, sizeof(s), &s) == 0);
	pthread_mutex_lock(&lock);
	released = 1;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	CHECK(pthread_join(t, NULL) == 0);
	printf("blocked thread on core %d moved to %d: woke on %d\n", parked_cpu_before, to,
	       parked_cpu_after);
#ifdef __toro__
	CHECK(parked_cpu_before == 0);
#endif
	CHECK(parked_cpu_after == to);
	printf("ok pthread_setaffinity_np moved another, blocked thread\n");
}

static void test_move_main(void)
{
	int home = sched_getcpu();
	int to = home == ncpu - 1 ? 0 : ncpu - 1;
	cpu_set_t s = one_cpu(to);
	CHECK(sched_setaffinity(0, sizeof(s), &s) == 0);
	CHECK(sched_getcpu() == to);
	sleep_ms(2);
	CHECK(sched_getcpu() == to);

	/* Two cores allowed: it runs on one of them. */
	cpu_set_t two;
	CPU_ZERO(&two);
	CPU_SET(0, &two);
	CPU_SET(1, &two);
	CHECK(sched_setaffinity(0, sizeof(two), &two) == 0);
	int c = sched_getcpu();
	CHECK(c == 0 || c == 1);

	s = one_cpu(home);
	CHECK(sched_setaffinity(0, sizeof(s), &s) == 0);
	CHECK(sched_getcpu() == home);
	printf("ok sched_setaffinity moved the main thread from %d to %d and back\n", home, to);

	/* All cores again, as at the start. */
	CPU_ZERO(&s);
	for (int i = 0; i < ncpu; i++)
		CPU_SET(i, &s);
	CHECK(sched_setaffinity(0, sizeof(s), &s) == 0);
#ifdef __toro__
	CHECK(sched_getcpu() == home); /* Linux may move it at any time from here on */
#endif
}

static void test_bad_masks(void)
{
	int home = sched_getcpu();
	cpu_set_t s;
	CPU_ZERO(&s);
	errno = 0;
	CHECK(sched_setaffinity(0, sizeof(s), &s) == -1 && errno == EINVAL);
	s = one_cpu(ncpu);
	errno = 0;
	CHECK(sched_setaffinity(0, sizeof(s), &s) == -1 && errno == EINVAL);
	s = one_cpu(CPU_SETSIZE - 1);
	errno = 0;
	CHECK(sched_setaffinity(0, sizeof(s), &s) == -1 && errno == EINVAL);
	CPU_ZERO(&s);
	CHECK(pthread_setaffinity_np(pthread_self(), sizeof(s), &s) == EINVAL);
	s = one_cpu(ncpu);
	CHECK(pthread_setaffinity_np(pthread_self(), sizeof(s), &s) == EINVAL);
#ifdef __toro__
	CHECK(sched_getcpu() == home);
#else
	(void)home;
#endif
	cpu_set_t g;
	CPU_ZERO(&g);
	CHECK(sched_getaffinity(0, sizeof(g), &g) == 0 && CPU_COUNT(&g) == ncpu);
	printf("ok empty and nonexistent-core masks refused with EINVAL, nothing moved\n");
}

int main(int argc, char **argv)
{
	int want = argc > 1 ? atoi(argv[1]) : -1;
	ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	printf("cpus online %d, expected %d\n", ncpu, want);
	CHECK(ncpu == want);
	if (ncpu < 2) {
		printf("FAIL: needs 2 cores, has %d\n", ncpu);
		return 1;
	}
	test_getaffinity();
	test_getcpu();
	test_bad_masks();
	test_move_self();
	test_move_other();
	test_move_main();
	if (failures) {
		printf("%d checks failed\n", failures);
		return 1;
	}
	printf("SUCCESS\n");
	return 0;
}
