/* SPDX-License-Identifier: MIT */
/* timerfd_sigfd: the descriptors event loops wait on. timerfd on
 * CLOCK_MONOTONIC, periodic, waited for with epoll_wait and epoll_pwait2
 * (timespec timeout; a 1 ms one that expires returns 0), read gives the
 * expiry count (>= 1, then EAGAIN with TFD_NONBLOCK), timerfd_gettime while
 * armed and disarmed, an absolute CLOCK_REALTIME time, a blocking read from
 * another thread, TFD_CLOEXEC seen by F_GETFD, bad flags EINVAL, not a
 * timerfd EINVAL/EBADF. signalfd4 of blocked SIGUSR1/SIGUSR2: epoll sees it
 * readable after raise(), read gives signalfd_siginfo with the signal's
 * number, the signal is gone from sigpending after; sigtimedwait takes one,
 * and times out (EAGAIN) when none comes. Also on Linux (host-args). */
// expect-output: SUCCESS
// reject-output: FAIL
// machines: microvm q35
// pvh-machines: none
// smp: 1 2
// timeout: 90
// host-args: -
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>

#include "check.h"

static long pwait2(int ep, struct epoll_event *ev, int n, const struct timespec *ts)
{
	return syscall(SYS_epoll_pwait2, ep, ev, n, ts, NULL, 8);
}

static void check_timerfd_epoll(void)
{
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	CHECK(tfd >= 0);
	CHECK(fcntl(tfd, F_GETFD) == FD_CLOEXEC);
	uint64_t n = 0;
	CHECK_ERR(read(tfd, &n, 8), EAGAIN);
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 7 }, out[4];
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev) == 0);
	/* Not armed: a short pwait2 times out. */
	CHECK(pwait2(ep, out, 4, &(struct timespec){ 0, 1000000 }) == 0);

	struct itimerspec v = { { 0, 5000000 }, { 0, 5000000 } }, g;
	CHECK(timerfd_settime(tfd, 0, &v, NULL) == 0);
	CHECK(timerfd_gettime(tfd, &g) == 0 && g.it_interval.tv_nsec == 5000000 &&
	      g.it_value.tv_sec == 0 && g.it_value.tv_nsec <= 5000000);
	uint64_t total = 0;
	for (int round = 0; round < 3; round++) {
		int r = round == 1 ? (int)pwait2(ep, out, 4, &(struct timespec){ 10, 0 })
				   : epoll_wait(ep, out, 4, 10000);
		CHECK(r == 1 && out[0].data.u64 == 7 && (out[0].events & EPOLLIN));
		n = 0;
		CHECK(read(tfd, &n, 8) == 8 && n >= 1);
		total += n;
	}
	printf("timerfd: %llu expirations in 3 wake-ups\n", (unsigned long long)total);
	v = (struct itimerspec){ { 0, 0 }, { 0, 0 } };
	CHECK(timerfd_settime(tfd, 0, &v, &g) == 0 && g.it_interval.tv_nsec == 5000000);
	CHECK(timerfd_gettime(tfd, &g) == 0 && g.it_value.tv_sec == 0 && g.it_value.tv_nsec == 0);
	CHECK_ERR(read(tfd, &n, 8), EAGAIN);
	CHECK_ERR(read(tfd, &n, 4), EINVAL);

	/* Absolute, on the wall clock. */
	int rt = timerfd_create(CLOCK_REALTIME, 0);
	CHECK(rt >= 0);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	v = (struct itimerspec){ { 0, 0 }, { now.tv_sec, now.tv_nsec } };
	v.it_value.tv_nsec += 20000000;
	if (v.it_value.tv_nsec >= 1000000000)
		v.it_value.tv_sec++, v.it_value.tv_nsec -= 1000000000;
	CHECK(timerfd_settime(rt, TFD_TIMER_ABSTIME, &v, NULL) == 0);
	n = 0;
	CHECK(read(rt, &n, 8) == 8 && n == 1); /* blocks until it fires */
	close(rt);

	CHECK_ERR(timerfd_create(CLOCK_MONOTONIC, 0x10), EINVAL);
	CHECK_ERR(timerfd_create(99, 0), EINVAL);
	CHECK_ERR(timerfd_settime(ep, 0, &v, NULL), EINVAL);
	CHECK_ERR(timerfd_gettime(999, &g), EBADF);
	v = (struct itimerspec){ { 0, 0 }, { 0, 1000000000 } };
	CHECK_ERR(timerfd_settime(tfd, 0, &v, NULL), EINVAL);
	close(ep);
	close(tfd);
}

static int blocking_fd;
static void *blocked_reader(void *arg)
{
	uint64_t n = 0;
	(void)arg;
	long r = read(blocking_fd, &n, 8);
	return (void *)(intptr_t)(r == 8 && n >= 1);
}

static void check_timerfd_thread(void)
{
	pthread_t t;
	blocking_fd = timerfd_create(CLOCK_MONOTONIC, 0);
	CHECK(blocking_fd >= 0);
	CHECK(pthread_create(&t, NULL, blocked_reader, NULL) == 0);
	nanosleep(&(struct timespec){ 0, 20000000 }, NULL);
	struct itimerspec v = { { 0, 0 }, { 0, 10000000 } };
	CHECK(timerfd_settime(blocking_fd, 0, &v, NULL) == 0);
	void *ok = NULL;
	CHECK(pthread_join(t, &ok) == 0 && ok == (void *)1);
	close(blocking_fd);
}

static void check_signalfd(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	CHECK(sigprocmask(SIG_BLOCK, &set, NULL) == 0);
	int sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	CHECK(sfd >= 0);
	struct signalfd_siginfo si[2];
	CHECK_ERR(read(sfd, si, sizeof(si)), EAGAIN);
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 9 }, out[2];
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev) == 0);
	CHECK(epoll_wait(ep, out, 2, 0) == 0);
	CHECK(raise(SIGUSR2) == 0);
	CHECK(epoll_wait(ep, out, 2, 10000) == 1 && out[0].data.u64 == 9);
	sigset_t pend;
	CHECK(sigpending(&pend) == 0 && sigismember(&pend, SIGUSR2));
	memset(si, 0, sizeof(si));
	CHECK(read(sfd, si, sizeof(si)) == (long)sizeof(si[0]));
	CHECK(si[0].ssi_signo == SIGUSR2);
	CHECK(sigpending(&pend) == 0 && !sigismember(&pend, SIGUSR2));
	CHECK(epoll_wait(ep, out, 2, 0) == 0);
	CHECK_ERR(read(sfd, si, 8), EINVAL);

	/* Two at once, in one read. */
	CHECK(raise(SIGUSR1) == 0 && raise(SIGUSR2) == 0);
	CHECK(read(sfd, si, sizeof(si)) == (long)sizeof(si));
	CHECK(si[0].ssi_signo == SIGUSR1 && si[1].ssi_signo == SIGUSR2);

	/* sigtimedwait takes one; with none it times out. */
	CHECK(raise(SIGUSR1) == 0);
	siginfo_t info;
	CHECK(sigtimedwait(&set, &info, &(struct timespec){ 5, 0 }) == SIGUSR1 &&
	      info.si_signo == SIGUSR1);
	CHECK_ERR(sigtimedwait(&set, &info, &(struct timespec){ 0, 10000000 }), EAGAIN);
	int sig = 0;
	CHECK(raise(SIGUSR2) == 0 && sigwait(&set, &sig) == 0 && sig == SIGUSR2);
	close(ep);
	close(sfd);
	CHECK(sigprocmask(SIG_UNBLOCK, &set, NULL) == 0);
}

int main(void)
{
	check_timerfd_epoll();
	check_timerfd_thread();
	check_signalfd();
	if (failures) {
		printf("FAILED: %d checks\n", failures);
		return 1;
	}
	printf("SUCCESS\n");
	return 0;
}
