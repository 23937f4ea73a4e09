/* SPDX-License-Identifier: MIT */
/* exit_stop: exit(5) from a thread while the others are anywhere: main in
 * pthread_join, one spinning in ring 3 on another core, one blocked in a pipe
 * read, one in a condition variable, one in a long nanosleep, one creating
 * threads in a loop. The exit stops them all (none runs again: nothing after
 * their waits is printed) without waiting out its bound, and the status is 5. */
// expect-exit: 5
// expect-output: exiting with 5
// reject-output: FAIL
// reject-output: did not stop within
// machines: pc q35 microvm
// pvh-machines: none
// smp: 1 2
// mem: 64
// timeout: 60
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <toro/thread.h>

static volatile unsigned long spins, spawned;
static int pipefd[2];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

static void *spinner(void *a) { for (;;) spins++; return a; }
static void *reader(void *a) { char c; read(pipefd[0], &c, 1); printf("FAIL: read returned\n"); return a; }
static void *waiter(void *a)
{
	pthread_mutex_lock(&mu);
	pthread_cond_wait(&cv, &mu);
	printf("FAIL: woken\n");
	pthread_mutex_unlock(&mu);
	return a;
}
static void *sleeper(void *a)
{
	struct timespec ts = { 3600, 0 };
	nanosleep(&ts, NULL);
	printf("FAIL: slept\n");
	return a;
}
static void *nothing(void *a) { return a; }
static void *spawner(void *a)
{
	for (;;) {
		pthread_t t;
		if (pthread_create(&t, NULL, nothing, NULL) == 0) {
			pthread_join(t, NULL);
			spawned++;
		}
	}
	return a;
}
static void *exiter(void *a)
{
	while (spins == 0 || spawned < 10)
		sched_yield();
	printf("exiting with 5\n");
	fflush(stdout);
	exit(5);
	return a;
}

int main(void)
{
	pthread_t t[6];
	int ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (pipe(pipefd) || toro_thread_create_on(&t[0], ncpu - 1, spinner, NULL) ||
	    pthread_create(&t[1], NULL, reader, NULL) || pthread_create(&t[2], NULL, waiter, NULL) ||
	    pthread_create(&t[3], NULL, sleeper, NULL) || pthread_create(&t[4], NULL, spawner, NULL) ||
	    pthread_create(&t[5], NULL, exiter, NULL)) {
		printf("FAIL: set-up\n");
		return 1;
	}
	pthread_join(t[3], NULL);
	printf("FAIL: join returned\n");
	return 1;
}
