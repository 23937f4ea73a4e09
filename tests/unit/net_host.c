/* SPDX-License-Identifier: MIT */
/*
 * The kernel services net/ uses, faked on host threads for the network unit
 * tests: kwait/kwake on one condition variable (every wake-up wakes all, which
 * kwait allows: its callers re-check; kernel/ksem.c runs on it), kernel threads as
 * pthreads, the monotonic clock, the heap as malloc, this_cpu per host thread.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <k/errno.h>
#include <k/kheap.h>
#include <k/random.h>
#include <k/sched.h>
#include <k/time.h>
#include <k/wait.h>

#include "net_host.h"

static pthread_mutex_t gate = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t moved = PTHREAD_COND_INITIALIZER;
static uint64_t generation;
int net_host_kwaits;

uint64_t time_monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* The gate is taken before `held` is let go, and a waker takes `held` before
 * it kwakes, so no wake-up falls between the two. */
int kwait(const void *key, struct spinlock *held, uint64_t until)
{
	int r = 0;
	pthread_mutex_lock(&gate);
	__atomic_add_fetch(&net_host_kwaits, 1, __ATOMIC_RELAXED);
	uint64_t seen = generation;
	spin_unlock(held);
	while (generation == seen && r == 0) {
		if (!until) {
			pthread_cond_wait(&moved, &gate);
			continue;
		}
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		uint64_t now = (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
		if (now >= until) {
			r = -ETIMEDOUT;
			break;
		}
		/* The condition variable uses CLOCK_REALTIME: wait the remainder. */
		clock_gettime(CLOCK_REALTIME, &ts);
		uint64_t abs = (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec + (until - now);
		ts.tv_sec = (time_t)(abs / NSEC_PER_SEC);
		ts.tv_nsec = (long)(abs % NSEC_PER_SEC);
		pthread_cond_timedwait(&moved, &gate, &ts);
	}
	pthread_mutex_unlock(&gate);
	spin_lock(held);
	return r;
}

int kwake(const void *key, int n)
{
	pthread_mutex_lock(&gate);
	generation++;
	pthread_cond_broadcast(&moved);
	pthread_mutex_unlock(&gate);
	return 0;
}

/* ---- threads and cores ---- */

static __thread struct cpu me;
static __thread struct thread me_thread;
static int next_cpu_id;

struct cpu *this_cpu(void)
{
	if (!me.current) {
		me.id = __atomic_fetch_add(&next_cpu_id, 1, __ATOMIC_RELAXED);
		me.current = &me_thread;
	}
	return &me;
}

struct kthread_start {
	void (*fn)(void *);
	void *arg;
};

static void *kthread_trampoline(void *p)
{
	struct kthread_start ks = *(struct kthread_start *)p;
	free(p);
	ks.fn(ks.arg);
	return NULL;
}

int net_host_kthreads;

struct thread *kthread_create(void (*fn)(void *), void *arg, int cpu)
{
	static struct thread handle;
	pthread_t t;
	struct kthread_start *ks = malloc(sizeof(*ks));
	if (!ks)
		return NULL;
	ks->fn = fn;
	ks->arg = arg;
	if (pthread_create(&t, NULL, kthread_trampoline, ks)) {
		free(ks);
		return NULL;
	}
	pthread_detach(t);
	__atomic_add_fetch(&net_host_kthreads, 1, __ATOMIC_RELAXED);
	return &handle;
}

void schedule(void) { sched_yield(); }

/* ---- heap and randomness ---- */

void *kmalloc(size_t size) { return malloc(size); }
void *kzalloc(size_t size) { return calloc(1, size); }
void kfree(void *p) { free(p); }
/* The guest's memory as the network's bounds see it (net/netmem.c, tcptw.c);
 * a test sets it before the first allocation. */
size_t net_host_total_pages = 16384; /* 64 MiB */
size_t pmm_total_pages(void) { return net_host_total_pages; }

void random_fill(void *buf, size_t n)
{
	static uint64_t x = 0x9e3779b97f4a7c15ull;
	unsigned char *b = buf;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		b[i] = (unsigned char)x;
	}
}
int ncpus = 1; /* net/steer.c: one core, nothing steered */
