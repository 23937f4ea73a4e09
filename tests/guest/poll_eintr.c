/* SPDX-License-Identifier: MIT */
/* poll_eintr: a signal cuts short every blocking wait of poll.c, pipe.c and
 * eventfd.c. A thread blocks (poll, select, epoll_wait, a pipe read, an
 * eventfd read, a full pipe's write); pthread_kill runs its handler and the
 * call fails with EINTR. */
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
#include <sys/select.h>
#include <unistd.h>

static int failures;
static volatile int hits;
static int p[2], full[2], efd, ep;
static char big[65536];

static void on_usr1(int s) { (void)s; hits++; }

enum { POLL, SELECT, EPOLL, PIPE_READ, EVENTFD_READ, PIPE_WRITE, N };
static const char *names[N] = { "poll", "select", "epoll_wait", "pipe read", "eventfd read",
				"full pipe write" };

static void *blocker(void *arg)
{
	int which = (int)(long)arg, r = 0;
	char c;
	uint64_t v;
	struct pollfd pf = { p[0], POLLIN, 0 };
	fd_set set;
	struct epoll_event ev;
	switch (which) {
	case POLL: r = poll(&pf, 1, 10000); break;
	case SELECT:
		FD_ZERO(&set);
		FD_SET(p[0], &set);
		r = select(p[0] + 1, &set, NULL, NULL, NULL);
		break;
	case EPOLL: r = epoll_wait(ep, &ev, 1, 10000); break;
	case PIPE_READ: r = (int)read(p[0], &c, 1); break;
	case EVENTFD_READ: r = (int)read(efd, &v, 8); break;
	case PIPE_WRITE: r = (int)write(full[1], "x", 1); break;
	}
	return (void *)(long)(r == -1 && errno == EINTR);
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1; /* no SA_RESTART: the call must fail */
	sigaction(SIGUSR1, &sa, NULL);
	pipe(p);
	pipe(full);
	fcntl(full[1], F_SETFL, O_NONBLOCK);
	while (write(full[1], big, sizeof(big)) > 0)
		;
	fcntl(full[1], F_SETFL, 0);
	efd = eventfd(0, 0);
	ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN };
	epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
	for (long i = 0; i < N; i++) {
		pthread_t t;
		void *ok;
		int before = hits;
		pthread_create(&t, NULL, blocker, (void *)i);
		usleep(30000); /* let it block */
		pthread_kill(t, SIGUSR1);
		pthread_join(t, &ok);
		if (ok && hits == before + 1) {
			printf("ok %s: EINTR after the handler ran\n", names[i]);
		} else {
			printf("FAIL: %s (handler runs %d)\n", names[i], hits - before);
			failures++;
		}
	}
	if (failures)
		return 1;
	printf("SUCCESS\n");
	return 0;
}
