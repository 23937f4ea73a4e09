/* SPDX-License-Identifier: MIT */
/*
 * The program of the shutdown_* guest tests: a SIGTERM handler that the host's
 * shutdown request must reach. A second thread blocks SIGTERM (so the request
 * goes to the main thread, the oldest one that takes it), main says READY and
 * sleeps; the handler records the signal and its thread; main then exits 42.
 * Nothing comes within 30 s: exit 1.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got_sig;
static volatile pthread_t got_thread;
static pthread_t main_thread;

static void on_term(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got_sig = si->si_signo == sig ? sig : -1;
	got_thread = pthread_self();
}

static void *blocker(void *arg)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
	for (;;)
		sleep(1);
	return arg;
}

/* Whatever the test checks before READY; 0 when it held. */
static int sigterm_check_before(void);

int main(void)
{
	struct sigaction sa;
	pthread_t t;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_term;
	sa.sa_flags = SA_SIGINFO;
	main_thread = pthread_self();
	if (sigaction(SIGTERM, &sa, NULL) || pthread_create(&t, NULL, blocker, NULL)) {
		printf("FAIL: set-up: %s\n", strerror(errno));
		return 1;
	}
	if (sigterm_check_before())
		return 1;
	printf("READY\n");
	fflush(stdout);
	for (int i = 0; i < 300 && !got_sig; i++) {
		struct timespec ts = { 0, 100000000 };
		nanosleep(&ts, NULL); /* EINTR when the handler ran */
	}
	if (got_sig != SIGTERM) {
		printf("FAIL: no SIGTERM in 30 s (got %d)\n", got_sig);
		return 1;
	}
	printf("got SIGTERM in the %s thread\n",
	       pthread_equal(got_thread, main_thread) ? "main" : "WRONG");
	return pthread_equal(got_thread, main_thread) ? 42 : 1;
}
