/* SPDX-License-Identifier: MIT */
/* thread_basic: POSIX threads on the default core: 8 threads created and joined
 * with their return values, pthread_self and gettid distinct per thread,
 * __thread variables private to each thread (initialized and zeroed parts),
 * detached threads, pthread_detach, pthread_once, 64 threads alive at once, a
 * 4 MiB stack used to its depth, a stack of the program's own, pthread_key
 * destructors. With 2 vCPUs every thread must still run on its creator's core
 * (Toro never moves a thread by itself). */
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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#define NTHREADS 8
#define NDETACHED 4

static int failures;

#define CHECK(cond)                                                                    \
	do {                                                                           \
		if (!(cond)) {                                                         \
			printf("FAIL line %d: %s (errno %d %s)\n", __LINE__, #cond,    \
			       errno, strerror(errno));                                \
			__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED);            \
		}                                                                      \
	} while (0)

static __thread int tls_init = 42;          /* .tdata: every thread starts at 42 */
static __thread char tls_zero[256];         /* .tbss: every thread starts zeroed */
static __thread uint64_t tls_big = 0x1122334455667788ull;

struct slot {
	int index;
	pthread_t self;
	long tid;
	int cpu;
	int *tls_addr;
	int tls_ok;
};

static struct slot slots[NTHREADS];
static int main_cpu;

static long my_tid(void) { return syscall(SYS_gettid); }

/* Creates a thread or ends the test: nothing after a failed create can work. */
static void spawn(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
	int r = pthread_create(t, attr, fn, arg);
	if (r) {
		printf("FAIL: pthread_create: %s\n", strerror(r));
		exit(1);
	}
}

static void *worker(void *arg)
{
	struct slot *s = arg;
	int ok = tls_init == 42 && tls_big == 0x1122334455667788ull;
	for (size_t i = 0; i < sizeof(tls_zero); i++)
		ok &= tls_zero[i] == 0;
	tls_init = 1000 + s->index;
	memset(tls_zero, s->index + 1, sizeof(tls_zero));
	tls_big = (uint64_t)s->index << 40;
	/* Let the other threads write theirs in between. */
	for (int i = 0; i < 20; i++)
		sched_yield();
	struct timespec ts = { 0, 1000000 };
	nanosleep(&ts, NULL);
	ok &= tls_init == 1000 + s->index && tls_big == (uint64_t)s->index << 40;
	for (size_t i = 0; i < sizeof(tls_zero); i++)
		ok &= tls_zero[i] == s->index + 1;
	s->tls_ok = ok;
	s->tls_addr = &tls_init;
	s->self = pthread_self();
	s->tid = my_tid();
	s->cpu = sched_getcpu();
	if (s->index == NTHREADS - 1)
		pthread_exit((void *)(intptr_t)(s->index * 1000 + 7)); /* the same as returning */
	return (void *)(intptr_t)(s->index * 1000 + 7);
}

static void test_create_join(void)
{
	pthread_t t[NTHREADS];
	for (int i = 0; i < NTHREADS; i++) {
		slots[i].index = i;
		spawn(&t[i], NULL, worker, &slots[i]);
	}
	for (int i = 0; i < NTHREADS; i++) {
		void *ret = NULL;
		CHECK(pthread_join(t[i], &ret) == 0);
		CHECK((intptr_t)ret == i * 1000 + 7);
	}
	long main_tid = my_tid();
	CHECK(main_tid == getpid());
	CHECK(tls_init == 42 && tls_zero[0] == 0 && tls_big == 0x1122334455667788ull);
	for (int i = 0; i < NTHREADS; i++) {
		struct slot *s = &slots[i];
		CHECK(s->tls_ok);
		CHECK(pthread_equal(s->self, t[i]));
		CHECK(!pthread_equal(s->self, pthread_self()));
		CHECK(s->tid > 0 && s->tid != main_tid);
		CHECK(s->tls_addr != &tls_init);
#ifdef __toro__
		/* Default placement: the creator's core. */
		if (s->cpu != main_cpu)
			printf("FAIL: thread %d ran on core %d, its creator on %d\n", i, s->cpu,
			       main_cpu);
		CHECK(s->cpu == main_cpu);
#endif
		for (int j = 0; j < i; j++) {
			CHECK(s->tid != slots[j].tid);
			CHECK(!pthread_equal(s->self, slots[j].self));
			CHECK(s->tls_addr != slots[j].tls_addr);
		}
	}
	printf("ok %d threads joined: return values, pthread_self, gettid, __thread\n", NTHREADS);
}

static int detached_done;

static void *detached_worker(void *arg)
{
	(void)arg;
	CHECK(tls_init == 42);
	struct timespec ts = { 0, 5000000 };
	nanosleep(&ts, NULL);
	__atomic_fetch_add(&detached_done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* Waits up to 10 s for *counter to reach want. */
static int wait_for(int *counter, int want)
{
	for (int i = 0; i < 10000; i++) {
		if (__atomic_load_n(counter, __ATOMIC_SEQ_CST) >= want)
			return 1;
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	return 0;
}

static void test_detached(void)
{
	pthread_attr_t attr;
	CHECK(pthread_attr_init(&attr) == 0);
	CHECK(pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) == 0);
	int state = -1;
	CHECK(pthread_attr_getdetachstate(&attr, &state) == 0 && state == PTHREAD_CREATE_DETACHED);
	pthread_t t;
	for (int i = 0; i < NDETACHED; i++)
		spawn(&t, &attr, detached_worker, NULL);
	pthread_attr_destroy(&attr);
	/* And one detached after creation. */
	spawn(&t, NULL, detached_worker, NULL);
	CHECK(pthread_detach(t) == 0);
	int ok = wait_for(&detached_done, NDETACHED + 1);
	CHECK(ok);
	printf("ok %d detached threads ran (%d)\n", NDETACHED + 1, detached_done);

	/* Many short detached threads: their stacks and descriptors are reused. */
	int before = __atomic_load_n(&detached_done, __ATOMIC_SEQ_CST);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (int round = 0; round < 8; round++) {
		for (int i = 0; i < 8; i++)
			spawn(&t, &attr, detached_worker, NULL);
		CHECK(wait_for(&detached_done, before + (round + 1) * 8));
	}
	pthread_attr_destroy(&attr);
	printf("ok 64 more detached threads in rounds of 8\n");
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int once_runs;
static int once_value;

static void once_init(void)
{
	__atomic_fetch_add(&once_runs, 1, __ATOMIC_SEQ_CST);
	/* Slow on purpose, so that the other threads wait inside pthread_once. */
	struct timespec ts = { 0, 20000000 };
	nanosleep(&ts, NULL);
	__atomic_store_n(&once_value, 1234, __ATOMIC_RELEASE);
}

static void *once_worker(void *arg)
{
	(void)arg;
	pthread_once(&once, once_init);
	/* pthread_once returns only after once_init has finished. */
	return (void *)(intptr_t)__atomic_load_n(&once_value, __ATOMIC_ACQUIRE);
}

static void test_once(void)
{
	pthread_t t[NTHREADS];
	for (int i = 0; i < NTHREADS; i++)
		spawn(&t[i], NULL, once_worker, NULL);
	for (int i = 0; i < NTHREADS; i++) {
		void *ret = NULL;
		CHECK(pthread_join(t[i], &ret) == 0);
		CHECK((intptr_t)ret == 1234);
	}
	pthread_once(&once, once_init);
	CHECK(once_runs == 1);
	printf("ok pthread_once ran once for %d threads\n", NTHREADS + 1);
}

#define NALIVE 64

static pthread_mutex_t alive_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t alive_cond = PTHREAD_COND_INITIALIZER;
static int alive, alive_release;

static void *alive_worker(void *arg)
{
	pthread_mutex_lock(&alive_lock);
	alive++;
	pthread_cond_broadcast(&alive_cond);
	while (!alive_release)
		pthread_cond_wait(&alive_cond, &alive_lock);
	pthread_mutex_unlock(&alive_lock);
	return arg;
}

/* All of them exist at the same time before any may end. */
static void test_many_alive(void)
{
	static pthread_t t[NALIVE];
	for (int i = 0; i < NALIVE; i++)
		spawn(&t[i], NULL, alive_worker, (void *)(intptr_t)i);
	pthread_mutex_lock(&alive_lock);
	while (alive < NALIVE)
		pthread_cond_wait(&alive_cond, &alive_lock);
	alive_release = 1;
	pthread_cond_broadcast(&alive_cond);
	pthread_mutex_unlock(&alive_lock);
	for (int i = 0; i < NALIVE; i++) {
		void *ret = NULL;
		CHECK(pthread_join(t[i], &ret) == 0);
		CHECK((intptr_t)ret == i);
	}
	printf("ok %d threads alive at once\n", NALIVE);
}

#define BIG_STACK (4 << 20)

/* Uses about 3 MiB of its stack, a page at a time. */
static void *deep_worker(void *arg)
{
	(void)arg;
	volatile char *frame = __builtin_alloca(3 << 20);
	for (long i = 0; i < (3 << 20); i += 4096)
		frame[i] = (char)i;
	long sum = 0;
	for (long i = 0; i < (3 << 20); i += 4096)
		sum += frame[i] == (char)i;
	size_t size = 0;
	pthread_attr_t a;
	if (pthread_getattr_np(pthread_self(), &a) == 0) {
		pthread_attr_getstacksize(&a, &size);
		pthread_attr_destroy(&a);
	}
	CHECK(size >= BIG_STACK);
	return (void *)sum;
}

static uintptr_t where_local;

static void *where_worker(void *arg)
{
	(void)arg;
	volatile int local = 0;
	where_local = (uintptr_t)&local;
	return NULL;
}

static void test_stacks(void)
{
	pthread_attr_t attr;
	pthread_t t;
	void *ret = NULL;
	pthread_attr_init(&attr);
	CHECK(pthread_attr_setstacksize(&attr, BIG_STACK) == 0);
	spawn(&t, &attr, deep_worker, NULL);
	CHECK(pthread_join(t, &ret) == 0);
	CHECK((long)ret == (3 << 20) / 4096);
	pthread_attr_destroy(&attr);
	printf("ok a %d MiB thread stack, 3 MiB of it used\n", BIG_STACK >> 20);

	size_t size = 256 << 10;
	char *stack = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(stack != MAP_FAILED);
	if (stack == MAP_FAILED)
		return;
	pthread_attr_init(&attr);
	CHECK(pthread_attr_setstack(&attr, stack, size) == 0);
	spawn(&t, &attr, where_worker, NULL);
	CHECK(pthread_join(t, &ret) == 0);
	CHECK(where_local >= (uintptr_t)stack && where_local < (uintptr_t)stack + size);
	pthread_attr_destroy(&attr);
	munmap(stack, size);
	printf("ok a thread on a stack of the program's own\n");
}

static pthread_key_t key;
static intptr_t destructed_sum;
static int destructed;

static void key_destructor(void *v)
{
	__atomic_fetch_add(&destructed_sum, (intptr_t)v, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&destructed, 1, __ATOMIC_SEQ_CST);
}

static void *key_worker(void *arg)
{
	CHECK(pthread_getspecific(key) == NULL);
	CHECK(pthread_setspecific(key, arg) == 0);
	sched_yield();
	CHECK(pthread_getspecific(key) == arg);
	return NULL;
}

static void test_keys(void)
{
	CHECK(pthread_key_create(&key, key_destructor) == 0);
	CHECK(pthread_setspecific(key, (void *)1000) == 0);
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		spawn(&t[i], NULL, key_worker, (void *)(intptr_t)(i + 1));
	for (int i = 0; i < 4; i++)
		CHECK(pthread_join(t[i], NULL) == 0);
	CHECK(destructed == 4);
	CHECK(destructed_sum == 1 + 2 + 3 + 4);
	CHECK(pthread_getspecific(key) == (void *)1000);
	printf("ok pthread_key values per thread, destructors at thread exit\n");
}

int main(void)
{
	main_cpu = sched_getcpu();
	test_create_join();
	test_detached();
	test_once();
	test_many_alive();
	test_stacks();
	test_keys();
	if (failures) {
		printf("%d checks failed\n", failures);
		return 1;
	}
	printf("SUCCESS\n");
	return 0;
}
