/* SPDX-License-Identifier: MIT */
/* ppoll_mask: a signal blocked by the thread's mask but let through by
 * ppoll's (and pselect's) temporary mask interrupts the wait, its handler
 * runs before the call returns EINTR, and the old mask is back afterwards. */
// expect-output: SUCCESS
// machines: microvm q35
// pvh-machines: none
// smp: 1 2
// mem: 32
// timeout: 60
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

static volatile int handled;
static pthread_t main_thread;

static void on_usr1(int sig) { (void)sig; handled++; }

static void *sender(void *arg)
{
	(void)arg;
	usleep(50000);
	pthread_kill(main_thread, SIGUSR1);
	return NULL;
}

static int check(const char *what, int r, int before)
{
	sigset_t now;
	sigprocmask(SIG_SETMASK, NULL, &now);
	if (r != -1 || errno != EINTR) {
		printf("FAIL: %s returned %d (errno %d), want EINTR\n", what, r, errno);
		return 0;
	}
	if (handled != before + 1) {
		printf("FAIL: %s: handler ran %d times, want once\n", what, handled - before);
		return 0;
	}
	if (!sigismember(&now, SIGUSR1)) {
		printf("FAIL: %s: SIGUSR1 not blocked again afterwards\n", what);
		return 0;
	}
	return 1;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sigset_t block, empty;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigemptyset(&empty);
	sigprocmask(SIG_BLOCK, &block, NULL);
	main_thread = pthread_self();

	pthread_t t;
	struct timespec ts = { 5, 0 };
	pthread_create(&t, NULL, sender, NULL);
	int before = handled;
	int r = ppoll(NULL, 0, &ts, &empty);
	pthread_join(t, NULL);
	if (!check("ppoll", r, before))
		return 1;

	pthread_create(&t, NULL, sender, NULL);
	before = handled;
	r = pselect(0, NULL, NULL, NULL, &ts, &empty);
	pthread_join(t, NULL);
	if (!check("pselect", r, before))
		return 1;

	/* Sent while blocked and not waiting: stays pending until unblocked. */
	before = handled;
	pthread_kill(pthread_self(), SIGUSR1);
	if (handled != before) {
		printf("FAIL: a blocked signal ran its handler\n");
		return 1;
	}
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	if (handled != before + 1) {
		printf("FAIL: unblocking did not deliver the pending signal\n");
		return 1;
	}
	printf("SUCCESS\n");
	return 0;
}
