/* SPDX-License-Identifier: MIT */
/* epoll_basic: epoll over pipes and eventfds in the plain kernel. Level- and
 * edge-triggered reports, EPOLLONESHOT and its re-arming, a writer thread
 * waking epoll_wait, timeouts, a closed descriptor leaving the interest list,
 * an epoll inside an epoll (and the loop refused), poll on an epoll fd, the
 * errors (EEXIST, ENOENT, EBADF, EINVAL, EFAULT). */
// expect-output: SUCCESS
// machines: microvm q35
// pvh-machines: none
// smp: 1 2
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

static int failures;
#define CHECK(c, ...) do { if (c) printf("ok " __VA_ARGS__); else { failures++; printf("FAIL: " __VA_ARGS__); printf(" (errno %d)", errno); } printf("\n"); } while (0)

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int add(int ep, int fd, uint32_t ev, uint64_t data)
{
	struct epoll_event e = { .events = ev, .data.u64 = data };
	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
}

static void *poster(void *arg)
{
	int fd = *(int *)arg;
	for (int i = 0; i < 5; i++) {
		usleep(10000);
		uint64_t one = 1;
		write(fd, &one, 8);
	}
	return NULL;
}

static void test_level_edge(void)
{
	int ep = epoll_create1(EPOLL_CLOEXEC), p[2];
	struct epoll_event ev[8];
	CHECK(ep >= 0 && fcntl(ep, F_GETFD) == FD_CLOEXEC, "epoll_create1(EPOLL_CLOEXEC)");
	pipe2(p, O_NONBLOCK);
	CHECK(add(ep, p[0], EPOLLIN, 11) == 0, "ADD read end, level-triggered");
	CHECK(epoll_wait(ep, ev, 8, 0) == 0, "nothing yet");
	write(p[1], "ab", 2);
	CHECK(epoll_wait(ep, ev, 8, 0) == 1 && ev[0].events == EPOLLIN && ev[0].data.u64 == 11, "EPOLLIN with data 11");
	CHECK(epoll_wait(ep, ev, 8, 0) == 1, "level: reported again while readable");
	CHECK(add(ep, p[0], EPOLLIN, 1) == -1 && errno == EEXIST, "ADD twice: EEXIST");

	struct epoll_event m = { .events = EPOLLIN | EPOLLET, .data.u64 = 12 };
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &m) == 0, "MOD to edge-triggered");
	CHECK(epoll_wait(ep, ev, 8, 0) == 1 && ev[0].data.u64 == 12, "edge: reported once after MOD");
	CHECK(epoll_wait(ep, ev, 8, 0) == 0, "edge: not again without new data");
	write(p[1], "c", 1);
	CHECK(epoll_wait(ep, ev, 8, 0) == 1, "edge: new data on a readable pipe is a new edge");
	char buf[8];
	while (read(p[0], buf, sizeof(buf)) > 0)
		;
	CHECK(epoll_wait(ep, ev, 8, 0) == 0, "edge: drained, nothing");
	write(p[1], "d", 1);
	CHECK(epoll_wait(ep, ev, 8, 0) == 1, "edge: empty -> readable");

	m = (struct epoll_event){ .events = EPOLLIN | EPOLLONESHOT, .data.u64 = 13 };
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &m) == 0, "MOD to one-shot");
	CHECK(epoll_wait(ep, ev, 8, 0) == 1 && ev[0].data.u64 == 13, "one-shot: reported");
	CHECK(epoll_wait(ep, ev, 8, 0) == 0, "one-shot: disabled after the report");
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &m) == 0 && epoll_wait(ep, ev, 8, 0) == 1, "one-shot: re-armed by MOD");

	/* The write end: EPOLLOUT; the read end closed: EPOLLERR without asking. */
	CHECK(add(ep, p[1], EPOLLOUT, 21) == 0, "ADD write end");
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL) == 0, "DEL read end");
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL) == -1 && errno == ENOENT, "DEL again: ENOENT");
	CHECK(epoll_wait(ep, ev, 8, 0) == 1 && ev[0].events == EPOLLOUT && ev[0].data.u64 == 21, "EPOLLOUT");
	close(p[0]);
	CHECK(epoll_wait(ep, ev, 8, 0) == 1 && (ev[0].events & EPOLLERR), "reader gone: EPOLLERR (%#x)", ev[0].events);
	/* Closing a descriptor takes it out of the interest list. */
	close(p[1]);
	CHECK(epoll_wait(ep, ev, 8, 0) == 0, "closed fd no longer reported");
	int e = eventfd(0, 0);
	CHECK(add(ep, e, EPOLLIN, 31) == 0, "ADD an eventfd that may reuse the closed number");
	close(e);
	close(ep);
}

static void test_wait_and_errors(void)
{
	int ep = epoll_create(1), e = eventfd(0, EFD_NONBLOCK);
	struct epoll_event ev[4];
	pthread_t t;
	add(ep, e, EPOLLIN | EPOLLET, 7);
	double t0 = now_ms();
	CHECK(epoll_wait(ep, ev, 4, 50) == 0 && now_ms() - t0 >= 45, "50 ms timeout");
	pthread_create(&t, NULL, poster, &e);
	int got = 0;
	for (int i = 0; i < 50 && got < 5; i++) {
		int n = epoll_wait(ep, ev, 4, 2000);
		if (n == 1 && ev[0].data.u64 == 7) {
			uint64_t v;
			while (read(e, &v, 8) == 8)
				got += (int)v;
		}
	}
	pthread_join(t, NULL);
	CHECK(got == 5, "a thread's 5 posts woke epoll_wait (%d)", got);
	sigset_t m;
	sigemptyset(&m);
	CHECK(epoll_pwait(ep, ev, 4, 10, &m) == 0, "epoll_pwait with a mask");
	CHECK(epoll_wait(ep, ev, 0, 0) == -1 && errno == EINVAL, "maxevents 0: EINVAL");
	CHECK(epoll_wait(ep, (struct epoll_event *)8, 4, 0) == -1 && errno == EFAULT, "bad events: EFAULT");
	CHECK(epoll_wait(e, ev, 4, 0) == -1 && errno == EINVAL, "epoll_wait on an eventfd: EINVAL");
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, 200, &ev[0]) == -1 && errno == EBADF, "ADD closed fd: EBADF");
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, e, (struct epoll_event *)8) == -1 && errno == EFAULT, "ADD bad event: EFAULT");
	CHECK(epoll_ctl(ep, 9, e, &ev[0]) == -1 && errno == EINVAL, "bad op: EINVAL");
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev[0]) == -1 && errno == EINVAL, "ADD itself: EINVAL");
	CHECK(epoll_create1(5) == -1 && errno == EINVAL, "epoll_create1(5): EINVAL");

	/* Nested: the inner instance is readable when it has a ready item. */
	int outer = epoll_create1(0), inner = epoll_create1(0), e2 = eventfd(0, 0);
	add(inner, e2, EPOLLIN, 1);
	CHECK(add(outer, inner, EPOLLIN, 99) == 0, "an epoll inside an epoll");
	CHECK(add(inner, outer, EPOLLIN, 98) == -1 && errno == ELOOP, "the loop back: ELOOP");
	CHECK(epoll_wait(outer, ev, 4, 0) == 0, "inner idle: outer idle");
	uint64_t one = 1;
	write(e2, &one, 8);
	CHECK(epoll_wait(outer, ev, 4, 100) == 1 && ev[0].data.u64 == 99, "inner ready: outer reports it");
	struct pollfd pf = { inner, POLLIN, 0 };
	CHECK(poll(&pf, 1, 0) == 1 && pf.revents == POLLIN, "poll on an epoll fd");
	close(inner);
	CHECK(epoll_wait(outer, ev, 4, 0) == 0, "closed inner instance leaves the outer one");
	close(outer);
	close(e2);
	close(e);
	close(ep);
}

int main(void)
{
	test_level_edge();
	test_wait_and_errors();
	if (failures) {
		printf("%d checks failed\n", failures);
		return 1;
	}
	printf("SUCCESS\n");
	return 0;
}
