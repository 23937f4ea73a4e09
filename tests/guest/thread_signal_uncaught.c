/* SPDX-License-Identifier: MIT */
/* thread_signal_uncaught: a NULL write in a secondary thread with no handler
 * ends the whole program with a crash report and status 139, while the main
 * thread waits in pthread_join and another thread spins on the other core. */
// expect-exit: 139
// expect-output: toro: fatal signal 11 (SIGSEGV)
// expect-output: crash_in_thread+
// expect-output: about to fault
// reject-output: FAIL
// machines: microvm q35
// pvh-machines: none
// smp: 1 2
// host-args: -
// mem: 64
// timeout: 60
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <toro/thread.h>

static volatile uint64_t spins;

static void *spinner(void *arg)
{
	(void)arg;
	for (;;)
		spins++;
	return NULL;
}

__attribute__((noinline)) void crash_in_thread(volatile int *p)
{
	*p = 1;
}

static void *faulter(void *arg)
{
	(void)arg;
	struct timespec ts = { 0, 20000000 };
	nanosleep(&ts, NULL);
	printf("about to fault\n");
	fflush(stdout);
	crash_in_thread((volatile int *)(uintptr_t)arg);
	printf("FAIL: survived the fault\n");
	return NULL;
}

int main(void)
{
	int ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu < 1)
		ncpu = 1;
	pthread_t s, f;
	int r = toro_thread_create_on(&s, ncpu - 1, spinner, NULL);
	if (r == 0)
		r = pthread_create(&f, NULL, faulter, NULL);
	if (r) {
		printf("FAIL: creating threads: %s\n", strerror(r));
		return 1;
	}
	pthread_join(f, NULL);
	printf("FAIL: the faulting thread ended\n");
	return 1;
}
