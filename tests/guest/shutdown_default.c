/* SPDX-License-Identifier: MIT */
/* shutdown_default: without a handler, the host's shutdown request ends the
 * program through the exit path with status 143 (128 + SIGTERM), as on
 * Linux. The other threads are stopped first, wherever they are: spinning in
 * ring 3 on another core, blocked in a pipe read, in a condition variable,
 * in nanosleep; the exit does not wait out its bound for any of them. */
// expect-exit: 143
// expect-once: toro: shutdown requested by the host (ACPI power button): SIGTERM to the program
// expect-once: toro: terminated by signal 15 (SIGTERM)
// reject-output: did not stop within
// reject-output: FAIL
// machines: pc q35 microvm
// smp: 1 2
// host-setup: mkfifo hm.in && : > hm.out
// qemu-args: -chardev pipe,id=hm,path={tmp}/hm -mon chardev=hm
// qemu-args-microvm: -M acpi=on -chardev pipe,id=hm,path={tmp}/hm -mon chardev=hm
// host-during: "$TORO_ROOT/tests/guest/hostreq.sh" hmp system_powerdown
// timeout: 60
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include <toro/thread.h>

static volatile unsigned long spins;
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

int main(void)
{
	pthread_t t[4];
	int ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (pipe(pipefd) || toro_thread_create_on(&t[0], ncpu - 1, spinner, NULL) ||
	    pthread_create(&t[1], NULL, reader, NULL) || pthread_create(&t[2], NULL, waiter, NULL) ||
	    pthread_create(&t[3], NULL, sleeper, NULL)) {
		printf("FAIL: set-up\n");
		return 1;
	}
	while (spins == 0)
		sched_yield();
	printf("READY\n");
	fflush(stdout);
	for (;;)
		pause();
}
