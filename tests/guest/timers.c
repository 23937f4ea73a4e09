/* SPDX-License-Identifier: MIT */
/* timers: the timers that send signals, as a program sees them. setitimer
 * ITIMER_REAL one-shot and periodic (SIGALRM, 3 periods, then disarmed with
 * the old interval returned), getitimer while armed and after, alarm's
 * remaining seconds, ITIMER_VIRTUAL/ITIMER_PROF (SIGVTALRM/SIGPROF while the
 * program spins); POSIX timers on CLOCK_MONOTONIC (SIGEV_SIGNAL), to one
 * thread (SIGEV_THREAD_ID: the handler runs on that thread), SIGEV_NONE (read
 * with timer_gettime until it is 0), CLOCK_REALTIME with an absolute time, and
 * overruns counted while the signal is blocked, sigsuspend woken by a
 * timer's signal with the mask back after; bad arguments EINVAL. No
 * timing is asserted but "it came, within 10 s". Also on Linux (host-args). */
// expect-output: SUCCESS
// reject-output: FAIL
// machines: microvm q35
// pvh-machines: none
// smp: 1 2
// timeout: 90
// host-args: -
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/time.h>

#ifndef SIGEV_THREAD_ID
#define SIGEV_THREAD_ID 4
#endif
#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

#include "check.h"

static volatile int hits[65], hit_tid[65], overrun_seen = -1;
static timer_t ovr_timer;

static void handler(int sig, siginfo_t *si, void *uc)
{
	(void)si, (void)uc;
	hits[sig]++;
	hit_tid[sig] = (int)syscall(SYS_gettid);
	if (sig == SIGUSR2 && overrun_seen < 0)
		overrun_seen = timer_getoverrun(ovr_timer);
}

static void on(int sig)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	CHECK(sigaction(sig, &sa, NULL) == 0);
}

/* Sleep 1 ms at a time until hits[sig] reaches n, at most 10 s. */
static int wait_hits(int sig, int n)
{
	for (int i = 0; i < 10000 && hits[sig] < n; i++)
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	return hits[sig] >= n;
}

static void check_itimer_real(void)
{
	struct itimerval v = { { 0, 0 }, { 0, 20000 } }, old, now;
	on(SIGALRM);
	CHECK(setitimer(ITIMER_REAL, &v, &old) == 0);
	CHECK(old.it_value.tv_sec == 0 && old.it_value.tv_usec == 0);
	CHECK(getitimer(ITIMER_REAL, &now) == 0);
	CHECK(now.it_value.tv_sec == 0 && now.it_value.tv_usec <= 20000);
	CHECK(wait_hits(SIGALRM, 1));
	CHECK(getitimer(ITIMER_REAL, &now) == 0);
	CHECK(now.it_value.tv_sec == 0 && now.it_value.tv_usec == 0);

	hits[SIGALRM] = 0;
	v = (struct itimerval){ { 0, 10000 }, { 0, 10000 } };
	CHECK(setitimer(ITIMER_REAL, &v, NULL) == 0);
	CHECK(wait_hits(SIGALRM, 3));
	v = (struct itimerval){ { 0, 0 }, { 0, 0 } };
	CHECK(setitimer(ITIMER_REAL, &v, &old) == 0);
	CHECK(old.it_interval.tv_sec == 0 && old.it_interval.tv_usec == 10000);
	int n = hits[SIGALRM];
	nanosleep(&(struct timespec){ 0, 50000000 }, NULL);
	CHECK(hits[SIGALRM] == n);
	printf("itimer real: %d periods\n", n);

	CHECK(alarm(5) == 0);
	CHECK(getitimer(ITIMER_REAL, &now) == 0 && now.it_value.tv_sec >= 3 &&
	      now.it_value.tv_sec <= 5);
	CHECK(alarm(0) == 5);
	CHECK(alarm(0) == 0);

	CHECK_ERR(setitimer(7, &v, NULL), EINVAL);
	v.it_value.tv_usec = 1000000;
	CHECK_ERR(setitimer(ITIMER_REAL, &v, NULL), EINVAL);
	CHECK_ERR(getitimer(-1, &now), EINVAL);
}

static void spin_until(int sig)
{
	struct timespec start, t;
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		for (volatile int i = 0; i < 100000; i++)
			;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (!hits[sig] && t.tv_sec - start.tv_sec < 10);
}

static void check_itimer_cpu(void)
{
	struct itimerval v = { { 0, 0 }, { 0, 20000 } };
	on(SIGVTALRM);
	on(SIGPROF);
	CHECK(setitimer(ITIMER_VIRTUAL, &v, NULL) == 0);
	spin_until(SIGVTALRM);
	CHECK(hits[SIGVTALRM] == 1);
	CHECK(setitimer(ITIMER_PROF, &v, NULL) == 0);
	spin_until(SIGPROF);
	CHECK(hits[SIGPROF] == 1);
}

static timer_t make_timer(clockid_t clock, int notify, int sig, int tid)
{
	struct sigevent ev;
	timer_t t = 0;
	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = notify;
	ev.sigev_signo = sig;
	ev.sigev_value.sival_int = 42;
	ev.sigev_notify_thread_id = tid;
	CHECK(timer_create(clock, &ev, &t) == 0);
	return t;
}

static void arm(timer_t t, int flags, long ns, long interval_ns)
{
	struct itimerspec v = { { 0, interval_ns }, { ns / 1000000000, ns % 1000000000 } };
	CHECK(timer_settime(t, flags, &v, NULL) == 0);
}

static volatile int worker_tid, worker_stop;
static void *worker(void *arg)
{
	(void)arg;
	worker_tid = (int)syscall(SYS_gettid);
	while (!worker_stop)
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	return NULL;
}

static void check_posix(void)
{
	struct itimerspec v;
	on(SIGUSR1);
	timer_t t = make_timer(CLOCK_MONOTONIC, SIGEV_SIGNAL, SIGUSR1, 0);
	arm(t, 0, 10000000, 0);
	CHECK(wait_hits(SIGUSR1, 1));
	CHECK(timer_gettime(t, &v) == 0 && v.it_value.tv_sec == 0 && v.it_value.tv_nsec == 0);
	CHECK(timer_delete(t) == 0);

	/* To one thread. */
	pthread_t th;
	CHECK(pthread_create(&th, NULL, worker, NULL) == 0);
	while (!worker_tid)
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	on(SIGRTMIN + 2);
	t = make_timer(CLOCK_MONOTONIC, SIGEV_THREAD_ID, SIGRTMIN + 2, worker_tid);
	arm(t, 0, 5000000, 0);
	CHECK(wait_hits(SIGRTMIN + 2, 1));
	CHECK(hit_tid[SIGRTMIN + 2] == worker_tid);
	CHECK(timer_delete(t) == 0);
	worker_stop = 1;
	CHECK(pthread_join(th, NULL) == 0);

	/* SIGEV_NONE: nothing is sent; gettime counts down to 0. */
	t = make_timer(CLOCK_MONOTONIC, SIGEV_NONE, 0, 0);
	arm(t, 0, 30000000, 0);
	CHECK(timer_gettime(t, &v) == 0 && v.it_value.tv_sec == 0 && v.it_value.tv_nsec > 0 &&
	      v.it_value.tv_nsec <= 30000000);
	for (int i = 0; i < 10000 && (v.it_value.tv_sec || v.it_value.tv_nsec); i++) {
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
		CHECK(timer_gettime(t, &v) == 0);
	}
	CHECK(v.it_value.tv_sec == 0 && v.it_value.tv_nsec == 0);
	CHECK(timer_delete(t) == 0);

	/* CLOCK_REALTIME, absolute. */
	struct timespec now;
	hits[SIGUSR1] = 0;
	t = make_timer(CLOCK_REALTIME, SIGEV_SIGNAL, SIGUSR1, 0);
	clock_gettime(CLOCK_REALTIME, &now);
	now.tv_nsec += 20000000;
	if (now.tv_nsec >= 1000000000)
		now.tv_sec++, now.tv_nsec -= 1000000000;
	v = (struct itimerspec){ { 0, 0 }, now };
	CHECK(timer_settime(t, TIMER_ABSTIME, &v, NULL) == 0);
	CHECK(wait_hits(SIGUSR1, 1));
	/* An absolute time already past fires at once. */
	hits[SIGUSR1] = 0;
	v.it_value.tv_sec -= 5;
	CHECK(timer_settime(t, TIMER_ABSTIME, &v, NULL) == 0);
	CHECK(wait_hits(SIGUSR1, 1));
	CHECK(timer_delete(t) == 0);
}

static void check_overrun(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	on(SIGUSR2);
	CHECK(sigprocmask(SIG_BLOCK, &set, NULL) == 0);
	ovr_timer = make_timer(CLOCK_MONOTONIC, SIGEV_SIGNAL, SIGUSR2, 0);
	arm(ovr_timer, 0, 1000000, 1000000);
	nanosleep(&(struct timespec){ 0, 100000000 }, NULL);
	sigset_t pend;
	CHECK(sigpending(&pend) == 0 && sigismember(&pend, SIGUSR2));
	CHECK(hits[SIGUSR2] == 0);
	CHECK(sigprocmask(SIG_UNBLOCK, &set, NULL) == 0);
	CHECK(wait_hits(SIGUSR2, 1));
	printf("posix timer: overrun %d after 100 ms blocked at 1 ms\n", overrun_seen);
	CHECK(overrun_seen > 0);
	CHECK(timer_delete(ovr_timer) == 0);
}

/* sigsuspend: wait with SIGUSR1 let through until the timer's signal. */
static void check_sigsuspend(void)
{
	sigset_t block, none;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigemptyset(&none);
	CHECK(sigprocmask(SIG_BLOCK, &block, NULL) == 0);
	hits[SIGUSR1] = 0;
	timer_t t = make_timer(CLOCK_MONOTONIC, SIGEV_SIGNAL, SIGUSR1, 0);
	arm(t, 0, 10000000, 0);
	CHECK_ERR(sigsuspend(&none), EINTR);
	CHECK(hits[SIGUSR1] == 1);
	sigset_t now;
	CHECK(sigprocmask(SIG_SETMASK, NULL, &now) == 0 && sigismember(&now, SIGUSR1));
	CHECK(sigprocmask(SIG_UNBLOCK, &block, NULL) == 0);
	CHECK(timer_delete(t) == 0);
}

static void check_errors(void)
{
	timer_t t;
	struct sigevent ev;
	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = 0;
	CHECK_ERR(timer_create(CLOCK_MONOTONIC, &ev, &t), EINVAL);
	ev.sigev_notify = 99;
	ev.sigev_signo = SIGUSR1;
	CHECK_ERR(timer_create(CLOCK_MONOTONIC, &ev, &t), EINVAL);
	CHECK_ERR(timer_create(99, NULL, &t), EINVAL);
	ev.sigev_notify = SIGEV_SIGNAL;
	CHECK(timer_create(CLOCK_MONOTONIC, &ev, &t) == 0);
	struct itimerspec v = { { 0, 0 }, { 0, 1000000000 } };
	CHECK_ERR(timer_settime(t, 0, &v, NULL), EINVAL);
	CHECK(timer_delete(t) == 0);
}

int main(void)
{
	check_itimer_real();
	check_itimer_cpu();
	check_posix();
	check_overrun();
	check_sigsuspend();
	check_errors();
	if (failures) {
		printf("FAILED: %d checks\n", failures);
		return 1;
	}
	printf("SUCCESS\n");
	return 0;
}
