/* SPDX-License-Identifier: MIT */
/* thread_kill: signals between threads. pthread_kill reaches a thread that
 * sleeps (its nanosleep ends with EINTR after the handler ran), one blocked on
 * a condition variable, and one spinning in ring 3 on another core;
 * pthread_cancel ends a thread blocked in a cancellation point. */
// expect-output: SUCCESS
// machines: microvm q35
// pvh-machines: none
// smp: 1 2
// mem: 64
// timeout: 60
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile int hits;
static volatile int spin_stop;
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

static void on_usr1(int sig) { (void)sig; __atomic_add_fetch(&hits, 1, __ATOMIC_SEQ_CST); }

static void *sleeper(void *arg)
{
	struct timespec ts = { 30, 0 }, rem;
	int r = nanosleep(&ts, &rem);
	*(int *)arg = (r == -1 && errno == EINTR && rem.tv_sec > 0) ? 1 : -1;
	return NULL;
}

static void *spinner(void *arg)
{
	while (!spin_stop)
		;
	*(int *)arg = 1;
	return NULL;
}

static void *waiter(void *arg)
{
	pthread_mutex_lock(&m);
	for (;;)
		pthread_cond_wait(&cv, &m); /* a cancellation point: never returns */
	return arg;
}

static int wait_hits(int want)
{
	for (int i = 0; i < 2000 && hits < want; i++)
		usleep(1000);
	return hits >= want;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);

	int ok1 = 0, ok2 = 0;
	pthread_t t1, t2, t3;
	pthread_create(&t1, NULL, sleeper, &ok1);
	usleep(50000);
	if (pthread_kill(t1, SIGUSR1) || !wait_hits(1)) {
		printf("FAIL: the sleeping thread did not take the signal\n");
		return 1;
	}
	pthread_join(t1, NULL);
	if (ok1 != 1) {
		printf("FAIL: nanosleep did not end with EINTR and the time left\n");
		return 1;
	}

	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	pthread_create(&t2, NULL, spinner, &ok2);
	if (cpus > 1) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(1, &set);
		pthread_setaffinity_np(t2, sizeof(set), &set);
	}
	usleep(50000);
	if (pthread_kill(t2, SIGUSR1) || !wait_hits(2)) {
		printf("FAIL: the spinning thread did not take the signal\n");
		return 1;
	}
	spin_stop = 1;
	pthread_join(t2, NULL);

	void *res;
	pthread_create(&t3, NULL, waiter, NULL);
	usleep(50000);
	if (pthread_cancel(t3) || pthread_join(t3, &res) || res != PTHREAD_CANCELED) {
		printf("FAIL: pthread_cancel did not end the waiting thread\n");
		return 1;
	}
	printf("SUCCESS\n");
	return 0;
}
