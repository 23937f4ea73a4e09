/* SPDX-License-Identifier: MIT */
/* thread_exit_code: exit(7) from a secondary thread ends the whole program
 * with status 7 (atexit handlers run, stdout is flushed) while the main thread
 * waits in pthread_join and another thread spins, on the main thread's core.
 * stdout is fully buffered, so the output also shows that exit flushed it. */
// expect-exit: 7
// expect-output: thread calls exit(7)
// expect-output: atexit handler ran
// expect-output: unflushed text
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

static volatile uint64_t spins;

static void at_exit(void)
{
	printf("atexit handler ran (spinner at %llu loops)\n", (unsigned long long)spins);
}

static void *spinner(void *arg)
{
	(void)arg;
	for (;;)
		spins++;
	return NULL;
}

static void *exiter(void *arg)
{
	(void)arg;
	struct timespec ts = { 0, 50000000 };
	nanosleep(&ts, NULL);
	printf("thread calls exit(7) on core %d\n", sched_getcpu());
	printf("unflushed text\n");
	exit(7);
}

int main(void)
{
	int ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu < 1)
		ncpu = 1;
	/* Fully buffered: what the threads print shows only if exit flushes it. */
	setvbuf(stdout, NULL, _IOFBF, 4096);
	atexit(at_exit);
	pthread_t s, e;
	int r = pthread_create(&s, NULL, spinner, NULL);
	if (r == 0)
		r = toro_thread_create_on(&e, ncpu - 1, exiter, NULL);
	if (r) {
		printf("FAIL: creating threads: %s\n", strerror(r));
		return 1;
	}
	pthread_join(s, NULL);
	printf("FAIL: the spinner ended\n");
	return 1;
}
